package dev.outrigger.feature;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.threads.Daemons;

/**
 * Features declared in configuration ({@code etc/dev.outrigger.feature.cfg}, a ConfigMap, or
 * remotely) are installed at start and whenever the list changes, as {@code feature:install}
 * would; features already installed are left as they are. Removing a name uninstalls nothing.
 */
@Component(configurationPid = RequiredFeatures.PID)
@Designate(ocd = RequiredFeatures.Config.class)
public class RequiredFeatures {

    static final String PID = "dev.outrigger.feature";

    @ObjectClassDefinition(name = "Outrigger features", description = "Features to have installed")
    public @interface Config {
        @AttributeDefinition(required = false, description = "Feature names, e.g. mqtt; installed if missing")
        String[] install() default {};
    }

    private static final Logger LOG = LoggerFactory.getLogger(RequiredFeatures.class);

    /** Off the configuration thread: installing starts bundles, whose components want configuration too. */
    private final ExecutorService installer = Executors.newSingleThreadExecutor(Daemons.named("outrigger-features"));

    @Activate
    public RequiredFeatures(@Reference FeatureCommands features, Config config) {
        List<String> names = names(config.install());
        if (!names.isEmpty()) {
            // one by one: a name that is wrong (or a feature that fails) keeps none of the others out
            installer.execute(() -> names.forEach(name -> {
                try {
                    features.install(name);
                } catch (Exception e) {
                    LOG.error("Cannot install the configured feature {}: {}", name, e.getMessage());
                }
            }));
        }
    }

    /** The names in an {@code install} value: a list, or one comma-separated value as a .cfg file gives it. */
    static List<String> names(Object install) {
        Stream<?> values = install instanceof Object[] array ? Stream.of(array) : Stream.ofNullable(install);
        return values.flatMap(v -> Stream.of(v.toString().split(","))).map(String::trim).filter(n -> !n.isEmpty()).toList();
    }

    @Deactivate
    void deactivate() {
        installer.shutdown();
    }
}
