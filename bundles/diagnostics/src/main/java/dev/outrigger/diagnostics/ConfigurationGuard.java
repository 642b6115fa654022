package dev.outrigger.diagnostics;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every configuration as it changes (from a file in etc/, the shell or remotely) against
 * the Metatype schema its owner declares, and logs one line per property that does not fit:
 * which file or PID, which key, what is wrong. As a configuration plugin it also withholds such
 * values from the owner, which then runs on its default for that property instead of failing.
 * Configurations without a schema are passed through unchecked.
 */
@Component(property = ConfigurationPlugin.CM_RANKING + ":Integer=" + ConfigurationGuard.RANKING)
public class ConfigurationGuard implements ConfigurationListener, ConfigurationPlugin {

    /** Late among plugins (they run in ranking order): check what the others produced. */
    static final int RANKING = 900;

    private static final Logger LOG = LoggerFactory.getLogger(ConfigurationGuard.class);
    /** Properties that ConfigAdmin, FileInstall and DS add; never part of a schema. */
    private static final Set<String> IMPLICIT = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, "felix.fileinstall.filename", "component.name", "component.id");

    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    private final MetaTypeService metaType;

    @Activate
    public ConfigurationGuard(BundleContext context, @Reference ConfigurationAdmin configAdmin,
            @Reference MetaTypeService metaType) {
        this.context = context;
        this.configAdmin = configAdmin;
        this.metaType = metaType;
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() != ConfigurationEvent.CM_UPDATED) {
            return;
        }
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + event.getPid() + ")");
            if (found != null && found[0].getProperties() != null) {
                String schemaPid = event.getFactoryPid() != null ? event.getFactoryPid() : event.getPid();
                Dictionary<String, Object> properties = found[0].getProperties();
                findSchema(schemaPid).ifPresent(ocd -> {
                    Object file = properties.get("felix.fileinstall.filename");
                    String source = file != null ? file.toString() : "configuration " + event.getPid();
                    problems(ocd, properties).forEach(p -> LOG.warn("{}: {}", source, p));
                });
            }
        } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
            LOG.warn("Cannot check configuration {}: {}", event.getPid(), e.getMessage());
        }
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> target, Dictionary<String, Object> properties) {
        Object factoryPid = properties.get(ConfigurationAdmin.SERVICE_FACTORYPID);
        Object pid = factoryPid != null ? factoryPid : properties.get(Constants.SERVICE_PID);
        if (pid != null) {
            findSchema(pid.toString()).ifPresent(ocd -> invalidKeys(ocd, properties).forEach(properties::remove));
        }
    }

    private Optional<ObjectClassDefinition> findSchema(String pid) {
        for (Bundle bundle : context.getBundles()) {
            MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
            if (info != null && (contains(info.getPids(), pid) || contains(info.getFactoryPids(), pid))) {
                return Optional.ofNullable(info.getObjectClassDefinition(pid, null));
            }
        }
        return Optional.empty();
    }

    /** One sentence per property that does not fit the schema. */
    static List<String> problems(ObjectClassDefinition ocd, Dictionary<String, Object> properties) {
        return new ArrayList<>(check(ocd, properties).values());
    }

    /** Properties whose values do not fit (unknown ones are left: they harm no one). */
    static List<String> invalidKeys(ObjectClassDefinition ocd, Dictionary<String, Object> properties) {
        List<String> keys = new ArrayList<>();
        check(ocd, properties).forEach((key, problem) -> {
            if (find(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL), key) != null) {
                keys.add(key);
            }
        });
        return keys;
    }

    private static Map<String, String> check(ObjectClassDefinition ocd, Dictionary<String, Object> properties) {
        Map<String, String> problems = new TreeMap<>();
        AttributeDefinition[] all = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        List<String> known = new ArrayList<>();
        for (AttributeDefinition ad : all) {
            known.add(ad.getID());
        }
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (IMPLICIT.contains(key) || key.startsWith(".")) {
                continue;
            }
            AttributeDefinition ad = find(all, key);
            if (ad == null) {
                problems.put(key, key + ": unknown property, ignored (known: " + String.join(", ", known) + ")");
                continue;
            }
            for (Object value : values(properties.get(key))) {
                String verdict = ad.validate(String.valueOf(value));
                if (verdict != null && !verdict.isEmpty()) {
                    problems.put(key, key + " = " + value + ": " + verdict + ", expected " + expected(ad)
                            + "; the default applies until this is fixed");
                }
            }
        }
        return problems;
    }

    private static String expected(AttributeDefinition ad) {
        String type = switch (ad.getType()) {
            case AttributeDefinition.BOOLEAN -> "true or false";
            case AttributeDefinition.INTEGER, AttributeDefinition.LONG, AttributeDefinition.SHORT -> "an integer";
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "a number";
            case AttributeDefinition.PASSWORD -> "a password";
            default -> "a string";
        };
        String[] options = ad.getOptionValues();
        return options == null || options.length == 0 ? type : "one of " + String.join(", ", options);
    }

    private static AttributeDefinition find(AttributeDefinition[] all, String id) {
        for (AttributeDefinition ad : all) {
            if (ad.getID().equals(id)) {
                return ad;
            }
        }
        return null;
    }

    private static List<Object> values(Object value) {
        List<Object> values = new ArrayList<>();
        if (value instanceof Collection<?> c) {
            values.addAll(c);
        } else if (value != null && value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                values.add(Array.get(value, i));
            }
        } else {
            values.add(value);
        }
        return values;
    }

    private static boolean contains(String[] pids, String pid) {
        if (pids != null) {
            for (String p : pids) {
                if (p.equals(pid)) {
                    return true;
                }
            }
        }
        return false;
    }
}
