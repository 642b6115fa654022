package dev.outrigger.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code install [-s] <url>...}: Felix's own {@code install} only prints what went wrong and
 * cannot start what it installed. This one starts on request and fails as a whole, so
 * {@code bin/outrigger-shell} exits non-zero. The shell's {@code SCOPE} puts it before Felix's.
 */
@Component(service = BundleCommands.class, property = {
        "osgi.command.scope=outrigger", "osgi.command.function=install" })
public class BundleCommands {

    private final BundleContext context;

    @Activate
    public BundleCommands(BundleContext context) {
        this.context = context;
    }

    @Descriptor("install bundles (kept across restarts), optionally starting them")
    public String install(CommandSession session,
            @Descriptor("start the installed bundles") @Parameter(names = { "-s", "--start" }, presentValue = "true", absentValue = "false") boolean start,
            @Descriptor("bundle URLs, e.g. file:/path/to/bundle.jar") String... urls) throws BundleException {
        if (urls.length == 0) {
            throw new IllegalArgumentException("install needs at least one bundle URL");
        }
        List<Bundle> installed = new ArrayList<>();
        for (String url : urls) {
            try {
                installed.add(context.installBundle(url.trim()));
            } catch (BundleException e) {
                throw new BundleException("cannot install " + url + ": " + rootMessage(e), e);
            }
        }
        if (start) {
            for (Bundle b : installed) {
                try {
                    b.start();
                } catch (BundleException e) {
                    throw new BundleException("installed " + url(b) + " as bundle " + b.getBundleId()
                            + " but cannot start it: " + rootMessage(e), e);
                }
            }
        }
        return "Bundle ID: " + installed.stream().map(b -> Long.toString(b.getBundleId())).collect(Collectors.joining(", "));
    }

    private static String url(Bundle b) {
        return b.getLocation();
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause == e ? e.getMessage() : e.getMessage() + " (" + cause + ")";
    }
}
