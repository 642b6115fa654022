package dev.outrigger.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/** Against a real Felix: a deploy/ bundle a stop caught between its install and its start comes up at the next start. */
public class UnstartedDeploysTest {

    @Rule(order = 0)
    public TemporaryFolder folder = new TemporaryFolder();

    @Rule(order = 1)
    public TestFelix felix = new TestFelix();

    @Test
    public void aDeployedBundleNeverStartedIsStartedAtTheNextStartAndOneStoppedOnPurposeIsNot() throws Exception {
        Path home = folder.newFolder("edge gateway").toPath();
        Path deploy = home.resolve("deploy");
        Files.createDirectories(deploy);
        Path elsewhere = folder.newFolder("elsewhere").toPath();
        // as FileInstall names them: File.toURI (file:/.../edge%20gateway/deploy/a.jar)
        String cutShort = TestBundles.jar(deploy.resolve("a.jar"), "test.a", "1.0.0").toFile().toURI().toString();
        String stoppedOnPurpose = TestBundles.jar(deploy.resolve("b.jar"), "test.b", "1.0.0").toFile().toURI().toString();
        String notDeployed = TestBundles.jar(elsewhere.resolve("c.jar"), "test.c", "1.0.0").toFile().toURI().toString();

        BundleContext context = start(home);
        context.installBundle(cutShort);
        Bundle b = context.installBundle(stoppedOnPurpose);
        b.start();
        b.stop();
        context.installBundle(notDeployed);
        felix.stop();

        context = start(home);
        assertEquals("installed, never started: started", Bundle.ACTIVE, context.getBundle(cutShort).getState());
        assertNotEquals("stopped from the shell: stays so", Bundle.ACTIVE, context.getBundle(stoppedOnPurpose).getState());
        assertNotEquals("not FileInstall's: left alone", Bundle.ACTIVE, context.getBundle(notDeployed).getState());

        // started once, it is FileInstall's and the framework's again: stopped on purpose, it stays stopped
        context.getBundle(cutShort).stop();
        felix.stop();
        context = start(home);
        assertNotEquals(Bundle.ACTIVE, context.getBundle(cutShort).getState());
    }

    /**
     * One FileInstall did start, but that does not resolve: the framework tries it again at its start
     * level and says why; the launcher neither starts it first nor says it was never started.
     */
    @Test
    public void aDeployedBundleWhoseStartFailedIsLeftToTheFramework() throws Exception {
        Path home = folder.newFolder("gateway").toPath();
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        String unresolvable = TestBundles.jar(deploy.resolve("d.jar"), "test.d", "1.0.0",
                Map.of(Constants.IMPORT_PACKAGE, "com.example.missing")).toFile().toURI().toString();
        Bundle d = start(home).installBundle(unresolvable);
        assertThrows(BundleException.class, d::start);
        felix.stop();

        PrintStream err = System.err;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
        try {
            start(home);
        } finally {
            System.setErr(err);
        }
        assertFalse(said.toString(StandardCharsets.UTF_8), said.toString(StandardCharsets.UTF_8).contains("outrigger:"));
        assertEquals("forgotten", "", Files.readString(home.resolve("unstarted-deploys")));
    }

    /** Starts the framework as the launcher does: the last run's unstarted deploys started, this run's watched. */
    private BundleContext start(Path home) throws Exception {
        Framework framework = felix.init(home.resolve("cache"), Map.of());
        UnstartedDeploys unstarted = new UnstartedDeploys(home.resolve("unstarted-deploys"), home.resolve("deploy"));
        unstarted.finish(framework.getBundleContext());
        framework.getBundleContext().addBundleListener(unstarted);
        framework.start();
        return framework.getBundleContext();
    }
}
