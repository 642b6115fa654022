package dev.outrigger.itest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.rules.TemporaryFolder;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * A test's temporary folder, in which it makes gateways, each from its own copy of the
 * distribution. When the test ends they are stopped; when it fails their logs are printed first,
 * since the folder, logs and all, is gone by the time anyone reads the build's output.
 */
final class GatewayFolder extends TemporaryFolder {

    private final List<GatewayProcess> gateways = new ArrayList<>();

    /** A gateway in a copy of the distribution in the folder {@code name}, not started yet. */
    GatewayProcess gateway(String name) throws IOException {
        GatewayProcess gateway = new GatewayProcess(Distribution.copyTo(newFolder(name).toPath()));
        gateways.add(gateway);
        return gateway;
    }

    @Override
    public Statement apply(Statement test, Description description) {
        Statement withGateways = new Statement() {
            @Override
            public void evaluate() throws Throwable {
                boolean passed = false;
                try {
                    test.evaluate();
                    passed = true;
                } finally {
                    if (!passed) {
                        printLogs(description);
                    }
                    stopAll();
                }
            }
        };
        return super.apply(withGateways, description);
    }

    private void stopAll() throws InterruptedException {
        for (GatewayProcess gateway : gateways) {
            gateway.close();
        }
    }

    private void printLogs(Description test) {
        for (GatewayProcess gateway : gateways) {
            String log;
            try {
                log = gateway.log();
            } catch (IOException unreadable) {
                log = "(cannot be read: " + unreadable + ")\n";
            }
            System.out.println("---- " + test.getMethodName() + ": the log of " + gateway.home + "\n" + log + "---- end of that log");
        }
    }
}
