package dev.outrigger.diagnostics;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;

import org.junit.Test;

public class BundlesAndComponentsTest {

    @Test
    public void aFailureIsReportedByItsInnermostCause() {
        Exception wrapped = new InvocationTargetException(new IllegalStateException("cannot start",
                new IOException("Shell port cannot listen on 127.0.0.1:7171: Address already in use")));
        assertEquals("java.io.IOException: Shell port cannot listen on 127.0.0.1:7171: Address already in use",
                BundlesAndComponents.reason(stackTrace(wrapped)));
        assertEquals("java.lang.IllegalArgumentException: port out of range",
                BundlesAndComponents.reason(stackTrace(new IllegalArgumentException("port out of range"))));
        assertEquals("(no reason given)", BundlesAndComponents.reason(null));
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
