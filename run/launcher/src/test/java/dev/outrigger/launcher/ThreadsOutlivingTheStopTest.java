package dev.outrigger.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.Test;

public class ThreadsOutlivingTheStopTest {

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Throwable> before = new ArrayList<>();
    private final ThreadsOutlivingTheStop handler = new ThreadsOutlivingTheStop((t, e) -> before.add(e),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    @Test
    public void aThreadWhoseBundleWentIsOneLine() {
        NoClassDefFoundError gone = new NoClassDefFoundError("org/eclipse/paho/mqttv5/client/internal/CommsSender");
        gone.initCause(new ClassNotFoundException("Unable to load class 'org.eclipse.paho.mqttv5.client.internal.CommsSender'"
                + " because the bundle wiring for org.eclipse.paho.mqttv5.client.wrapped is no longer valid."));

        handler.uncaughtException(new Thread("MQTT Con: outrigger-van"), gone);

        String said = err.toString(StandardCharsets.UTF_8);
        assertEquals(said, 1, said.lines().count());
        assertEquals("outrigger: thread \"MQTT Con: outrigger-van\" was still at work when its bundle stopped, and ended without"
                + " its class org.eclipse.paho.mqttv5.client.internal.CommsSender", said.strip());
        assertTrue(before.isEmpty());
    }

    @Test
    public void anyOtherFailureGoesToTheHandlerBefore() {
        IllegalStateException failure = new IllegalStateException("a bug");

        handler.uncaughtException(new Thread("worker"), failure);

        assertEquals(List.of(failure), before);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    public void withoutAHandlerBeforeItIsReportedAsTheJvmWould() {
        ThreadsOutlivingTheStop alone = new ThreadsOutlivingTheStop(null, new PrintStream(err, true, StandardCharsets.UTF_8));

        alone.uncaughtException(new Thread("worker"), new IllegalStateException("a bug"));

        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said, said.startsWith("Exception in thread \"worker\" java.lang.IllegalStateException: a bug"));
        assertTrue(said, said.contains("\tat dev.outrigger.launcher.ThreadsOutlivingTheStopTest"));
    }
}
