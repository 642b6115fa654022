package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.Await;
import dev.outrigger.framework.JsPeers;

/**
 * zwave-js, the driver of Z-Wave JS UI and Home Assistant's Z-Wave integration, pointed at a
 * bridged stick as its users do ({@code tcp://gateway:6638}): it starts, interviews the network
 * and switches a node as it does on the stick's own port. The stick is zwave-js' mock controller
 * behind a pseudo-terminal, so the Serial API's acknowledgements and timeouts are the real ones.
 */
public class ZwaveJsTest {

    private static final long MOCK_HOME_ID = 0x7e570001L;

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void zwaveJsDrivesAStickThroughTheBridge() throws Exception {
        assumeTrue("zwave-js needs Node.js 20 or later", JsPeers.nodeMajorVersion() >= 20);
        Path portFile = folder.getRoot().toPath().resolve("stick.port");
        Path tty = folder.getRoot().toPath().resolve("zwave-stick");
        Process stick = JsPeers.start("zwave-stick.mjs", portFile.toString());
        Process socat = null;
        Bridge bridge = null;
        try {
            Await.until("the stick listening", Duration.ofSeconds(30), () -> Files.exists(portFile));
            socat = new ProcessBuilder("socat", "pty,link=" + tty + ",raw,echo=0", "tcp:127.0.0.1:" + Files.readString(portFile))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Await.until("the stick's serial port", Duration.ofSeconds(10), () -> Files.exists(tty));
            bridge = new Bridge(new Bridge.Options("zwave", "127.0.0.1", 0, Bridge.Mode.RAW, SerialSettings.DEFAULT,
                    Bridge.Policy.KICKOLDUSER, 1, 0, AllowList.ANYONE));
            bridge.attach(BridgeTest.device(tty.toRealPath().toString()));

            List<String> printed = JsPeers.run(Duration.ofSeconds(90), "zwave-js-client.mjs", "tcp://127.0.0.1:" + bridge.port(),
                    folder.newFolder("zwave-js-cache").toString());
            Map<String, Object> seen = JSON.std.mapFrom(String.join("\n", printed));
            assertEquals("no driver errors", List.of(), seen.get("errors"));
            assertEquals("the stick's network", MOCK_HOME_ID, ((Number) seen.get("homeId")).longValue());
            assertEquals("the controller and the switch", List.of(1, 2), seen.get("nodes"));
            assertEquals("the switch on, as read back from it", true, seen.get("switchedOn"));
        } finally {
            if (bridge != null) {
                bridge.close();
            }
            stop(socat);
            stop(stick);
        }
    }

    private static void stop(Process process) throws InterruptedException, IOException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
