package dev.outrigger.framework.serial;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class SerialPortsTest {

    @Test
    public void aNativePartOnANoexecFileSystemIsSaidWithItsPathOnceAndTheLikelyCause() {
        String thrown = "Cannot load native library. Errors as follows:\n"
                + "[1]: /data/cache/bundle21/version0.0/bundle.jar-lib/0/Linux/x86_64/libjSerialComm.so: "
                + "/data/cache/bundle21/version0.0/bundle.jar-lib/0/Linux/x86_64/libjSerialComm.so: failed to map segment from shared object\n"
                + "[2]: Loading for arch: x86_64\n";
        assertEquals("/data/cache/bundle21/version0.0/bundle.jar-lib/0/Linux/x86_64/libjSerialComm.so: failed to map segment "
                + "from shared object: is its file system mounted noexec?", SerialPorts.reason(thrown));
    }

    @Test
    public void withoutItsListTheFirstLineIsTheReason() {
        assertEquals("no jSerialComm in java.library.path", SerialPorts.reason("no jSerialComm in java.library.path\nmore"));
    }
}
