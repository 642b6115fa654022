package dev.outrigger.config.admin;

import java.io.IOException;
import java.lang.reflect.Array;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;

import org.apache.felix.metatype.AD;
import org.apache.felix.metatype.Designate;
import org.apache.felix.metatype.MetaData;
import org.apache.felix.metatype.MetaDataReader;
import org.apache.felix.metatype.OCD;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import dev.outrigger.config.Settings.Property;
import dev.outrigger.config.Settings.Schema;
import dev.outrigger.config.admin.Attribute.Bounds;
import dev.outrigger.framework.logging.Printable;

/**
 * The Metatype side of configuration: finding a PID's definition, checking a value against one
 * attribute, and converting it to the attribute's type. Shared by the guard and the settings.
 */
final class Schemas {

    /** Properties that ConfigAdmin, FileInstall and DS add; never part of a schema. */
    static final Set<String> IMPLICIT = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, Schemas.FILENAME, "component.name", "component.id");
    /** Where FileInstall records the file a configuration came from (and is written back to). */
    static final String FILENAME = "felix.fileinstall.filename";
    private static final String METATYPE_FOLDER = "OSGI-INF/metatype";

    /** A definition, whether it is for a factory PID, and its attributes with their bounds. */
    record Definition(String pid, boolean factory, ObjectClassDefinition ocd, List<Attribute> attributes) {

        /** Its attributes made once, each with the bounds its id has here. */
        static Definition of(String pid, boolean factory, ObjectClassDefinition ocd, Map<String, Bounds> bounds) {
            AttributeDefinition[] all = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
            List<Attribute> attributes = new ArrayList<>();
            for (AttributeDefinition ad : all == null ? new AttributeDefinition[0] : all) {
                attributes.add(new Attribute(ad, bounds.getOrDefault(ad.getID(), Bounds.NONE)));
            }
            return new Definition(pid, factory, ocd, List.copyOf(attributes));
        }

        Optional<Attribute> attribute(String id) {
            return attributes.stream().filter(a -> a.getID().equals(id)).findFirst();
        }

        List<String> ids() {
            return attributes.stream().map(Attribute::getID).toList();
        }
    }

    /** A bundle's bounds as read at a version of it (its last modification). */
    private record ReadBounds(long lastModified, Map<String, Map<String, Bounds>> bounds) {
    }

    private final BundleContext context;
    private final MetaTypeService metaType;
    /**
     * Read once per bundle version, not at each of the checks every configuration delivery goes
     * through; weak, so that an uninstalled bundle's go with it.
     */
    private final Map<Bundle, ReadBounds> read = Collections.synchronizedMap(new WeakHashMap<>());

    Schemas(BundleContext context, MetaTypeService metaType) {
        this.context = context;
        this.metaType = metaType;
    }

    /** Every definition in the framework, by PID. */
    Map<String, Definition> all() {
        Map<String, Definition> all = new TreeMap<>();
        for (Bundle bundle : resolved()) {
            try {
                MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
                if (info != null) {
                    Map<String, Map<String, Bounds>> bounds = boundsOf(bundle);
                    add(all, info, info.getPids(), false, bounds);
                    add(all, info, info.getFactoryPids(), true, bounds);
                }
            } catch (IllegalStateException e) {
                rethrowUnlessUninstalled(bundle, e);
            }
        }
        return all;
    }

    /**
     * A bundle uninstalled while its schemas are read (a feature uninstalled as health is asked),
     * whose files the framework then refuses to read, declares none; anything else is thrown on.
     */
    private static void rethrowUnlessUninstalled(Bundle bundle, IllegalStateException e) {
        if (bundle.getState() != Bundle.UNINSTALLED) {
            throw e;
        }
    }

    private static void add(Map<String, Definition> all, MetaTypeInformation info, String[] pids, boolean factory,
            Map<String, Map<String, Bounds>> bounds) {
        for (String pid : pids == null ? new String[0] : pids) {
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
            if (ocd != null) {
                all.putIfAbsent(pid, Definition.of(pid, factory, ocd, bounds.getOrDefault(pid, Map.of())));
            }
        }
    }

    /** The PIDs and factory PIDs a bundle declares a schema for. */
    Set<String> pids(Bundle bundle) {
        Set<String> pids = new HashSet<>();
        try {
            MetaTypeInformation info = isResolved(bundle) ? metaType.getMetaTypeInformation(bundle) : null;
            if (info != null) {
                pids.addAll(Arrays.asList(info.getPids() == null ? new String[0] : info.getPids()));
                pids.addAll(Arrays.asList(info.getFactoryPids() == null ? new String[0] : info.getFactoryPids()));
            }
        } catch (IllegalStateException e) {
            rethrowUnlessUninstalled(bundle, e);
        }
        return pids;
    }

    /** The definition of a PID or factory PID. */
    Optional<Definition> find(String pid) {
        for (Bundle bundle : resolved()) {
            try {
                MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
                if (info != null) {
                    boolean factory = contains(info.getFactoryPids(), pid);
                    if (factory || contains(info.getPids(), pid)) {
                        ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
                        return ocd == null ? Optional.empty()
                                : Optional.of(Definition.of(pid, factory, ocd, boundsOf(bundle).getOrDefault(pid, Map.of())));
                    }
                }
            } catch (IllegalStateException e) {
                rethrowUnlessUninstalled(bundle, e);
            }
        }
        return Optional.empty();
    }

    /**
     * The bundles whose schemas count: Metatype reads a bundle's files the way that resolves it, and
     * one resolved from here while an update holds it (installed, between its old and new revision)
     * makes that update's own start give up, as the framework breaks the two threads' lock cycle so;
     * the updated bundle would stay stopped. An unresolved bundle runs no component to configure.
     */
    private List<Bundle> resolved() {
        return Arrays.stream(context.getBundles()).filter(Schemas::isResolved).toList();
    }

    private static boolean isResolved(Bundle bundle) {
        return (bundle.getState() & (Bundle.INSTALLED | Bundle.UNINSTALLED)) == 0;
    }

    private Map<String, Map<String, Bounds>> boundsOf(Bundle bundle) {
        ReadBounds known = read.get(bundle);
        if (known == null || known.lastModified() != bundle.getLastModified()) {
            known = new ReadBounds(bundle.getLastModified(), bounds(bundle));
            read.put(bundle, known);
        }
        return known.bounds();
    }

    /**
     * The bounds a bundle's Metatype XML declares, by PID and attribute id, read with the Metatype
     * implementation's own parser. A file it cannot read has no bounds here: the Metatype service
     * reports it, and validation by the attribute itself still applies them.
     */
    static Map<String, Map<String, Bounds>> bounds(Bundle bundle) {
        Map<String, Map<String, Bounds>> bounds = new HashMap<>();
        Enumeration<URL> files = bundle.findEntries(METATYPE_FOLDER, "*.xml", false);
        while (files != null && files.hasMoreElements()) {
            try {
                MetaData metaData = new MetaDataReader().parse(files.nextElement());
                // Felix's model leaves what a file does not have null: designates, definitions, attributes
                if (metaData == null || metaData.getDesignates() == null || metaData.getObjectClassDefinitions() == null) {
                    continue;
                }
                for (Object d : metaData.getDesignates()) {
                    Designate designate = (Designate) d;
                    OCD ocd = designate.getObject() == null ? null
                            : (OCD) metaData.getObjectClassDefinitions().get(designate.getObject().getOcdRef());
                    String pid = designate.getFactoryPid() != null ? designate.getFactoryPid() : designate.getPid();
                    if (ocd != null && pid != null && ocd.getAttributeDefinitions() != null) {
                        Map<String, Bounds> byId = bounds.computeIfAbsent(pid, p -> new HashMap<>());
                        for (Object a : ocd.getAttributeDefinitions().values()) {
                            AD ad = (AD) a;
                            byId.put(ad.getID(), new Bounds(Optional.ofNullable(ad.getMin()), Optional.ofNullable(ad.getMax())));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // as said above: the Metatype service logs the file
            }
        }
        return bounds;
    }

    static boolean isSecret(AttributeDefinition ad, Set<String> secretNames) {
        return ad.getType() == AttributeDefinition.PASSWORD || secretNames.contains(ad.getID().toLowerCase(Locale.ROOT));
    }

    /** A single value without a default must be given; a list without one is just empty. */
    static boolean isRequired(AttributeDefinition ad) {
        return ad.getDefaultValue() == null && ad.getCardinality() == 0;
    }

    /** What a required attribute cannot have: no value, or a blank one. */
    static boolean isMissing(Object value) {
        return value == null || value instanceof String s && s.isBlank();
    }

    /**
     * The properties the schema knows, each in its type, as the owner is given them; those that do
     * not fit are left out (the guard reports them), and keys the schema does not know too.
     */
    static Map<String, Object> typed(Definition definition, Dictionary<String, Object> properties) {
        Map<String, Object> typed = new HashMap<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            definition.attribute(key).ifPresent(ad -> {
                try {
                    typed.put(key, convert(ad, properties.get(key)));
                } catch (IllegalArgumentException doesNotFit) {
                    // left out
                }
            });
        }
        return typed;
    }

    /**
     * The value in the attribute's type (an array of it when multi-valued), parsed from strings
     * where needed.
     *
     * @throws IllegalArgumentException with a sentence saying what does not fit
     */
    static Object convert(Attribute ad, Object value) {
        List<Object> items = items(value, ad.getCardinality() != 0);
        int max = Math.abs(ad.getCardinality());
        if (ad.getCardinality() == 0 && items.size() != 1) {
            throw new IllegalArgumentException("takes one value, got " + items.size() + ", expected " + expected(ad));
        }
        if (ad.getCardinality() != 0 && items.size() > max) {
            throw new IllegalArgumentException("takes at most " + max + " values, got " + items.size());
        }
        Class<?> type = javaType(ad.getType());
        Object array = Array.newInstance(type, items.size());
        for (int i = 0; i < items.size(); i++) {
            Array.set(array, i, convertOne(ad, type, items.get(i)));
        }
        return ad.getCardinality() == 0 ? Array.get(array, 0) : array;
    }

    private static Object convertOne(Attribute ad, Class<?> type, Object item) {
        boolean typeMismatch = item == null || item instanceof Map || item instanceof Collection
                || (item instanceof Boolean && type != Boolean.class)
                || (item instanceof Number && (type == Boolean.class || type == String.class));
        if (typeMismatch) {
            throw new IllegalArgumentException(
                    (item == null ? "null" : item.getClass().getSimpleName().toLowerCase(Locale.ROOT)) + " " + Printable.line(String.valueOf(item))
                            + " is the wrong type, expected " + expected(ad));
        }
        // spaces around a value (a file's `port = 6638 `) are not part of it; a password's may be
        String text = ad.getType() == AttributeDefinition.PASSWORD ? item.toString() : item.toString().strip();
        if (ad.getType() != AttributeDefinition.PASSWORD && text.codePoints().anyMatch(Character::isISOControl)) {
            // a line break or an escape sequence would split the log lines and drive the terminals that show it
            throw new IllegalArgumentException(Printable.line(text) + " rejected: a control character (shown as ?) has no "
                    + "place in a setting, expected " + expected(ad));
        }
        String verdict = ad.validate(text);
        if (verdict != null && !verdict.isEmpty()) {
            throw new IllegalArgumentException(Printable.line(text) + " rejected (" + verdict + "), expected " + expected(ad));
        }
        try {
            return parse(type, text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(Printable.line(text) + " rejected, expected " + expected(ad));
        }
    }

    /** The value as the schema types it, or unchanged when it does not fit (shown as stored). */
    static Object normalise(Attribute ad, Object value) {
        try {
            Object typed = convert(ad, value);
            return typed.getClass().isArray() ? items(typed, true) : typed;
        } catch (IllegalArgumentException e) {
            return value;
        }
    }

    /** The single values in a value that may be a collection, an array or a comma-separated list. */
    static List<Object> items(Object value, boolean splitStrings) {
        List<Object> items = new ArrayList<>();
        if (value instanceof Collection<?> c) {
            items.addAll(c);
        } else if (value != null && value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                items.add(Array.get(value, i));
            }
        } else if (splitStrings && value instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    items.add(part.trim());
                }
            }
        } else {
            items.add(value);
        }
        return items;
    }

    static String expected(Attribute ad) {
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0) {
            return "one of " + String.join(", ", options);
        }
        String type = switch (ad.getType()) {
            case AttributeDefinition.BOOLEAN -> "true or false";
            case AttributeDefinition.INTEGER, AttributeDefinition.LONG, AttributeDefinition.SHORT,
                    AttributeDefinition.BYTE -> "an integer";
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "a number";
            case AttributeDefinition.PASSWORD -> "a password";
            default -> "a string";
        };
        return type + range(ad.isText(), bound(ad, ad.bounds().min()), bound(ad, ad.bounds().max()));
    }

    /** Bounds as words following a type ({@code " from 1 to 65535"}, {@code ", at least 1"}), or nothing. */
    static String range(boolean text, Optional<Number> min, Optional<Number> max) {
        String unit = text ? " characters" : "";
        if (min.isPresent() && max.isPresent()) {
            return (text ? " of " : " from ") + min.get() + " to " + max.get() + unit;
        }
        return min.map(m -> ", at least " + m + unit).orElse("") + max.map(m -> ", at most " + m + unit).orElse("");
    }

    /** A bound as a number: a value of a number's type, a length of a string. */
    private static Optional<Number> bound(Attribute ad, Optional<String> bound) {
        try {
            return bound.map(b -> (Number) parse(ad.isText() ? Integer.class : javaType(ad.getType()), b.strip()));
        } catch (NumberFormatException | ClassCastException e) {
            return Optional.empty(); // not a number (a bound on a boolean): Metatype ignores it too
        }
    }

    static Schema describe(Definition d, Set<String> secretNames) {
        List<Property> properties = new ArrayList<>();
        for (Attribute ad : d.attributes()) {
            Map<String, String> options = new LinkedHashMap<>();
            String[] values = ad.getOptionValues();
            String[] labels = ad.getOptionLabels();
            for (int i = 0; values != null && i < values.length; i++) {
                options.put(values[i], labels != null && i < labels.length ? labels[i] : values[i]);
            }
            String[] defaults = ad.getDefaultValue();
            int cardinality = ad.getCardinality() == 0 ? 0 : Math.abs(ad.getCardinality());
            // a list that is empty by default reads as one empty string in Metatype: no value, not a blank one
            List<String> defaultValues = defaults == null ? List.of()
                    : Arrays.stream(defaults).filter(value -> cardinality == 0 || !value.isEmpty()).toList();
            properties.add(new Property(ad.getID(), ad.getName(), nonNull(ad.getDescription()), typeName(ad.getType()),
                    cardinality, defaultValues, options, bound(ad, ad.bounds().min()), bound(ad, ad.bounds().max()),
                    isRequired(ad), isSecret(ad, secretNames)));
        }
        return new Schema(d.pid(), d.factory(), nonNull(d.ocd().getName()), nonNull(d.ocd().getDescription()),
                properties);
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    private static String typeName(int type) {
        return switch (type) {
            case AttributeDefinition.BOOLEAN -> "Boolean";
            case AttributeDefinition.INTEGER -> "Integer";
            case AttributeDefinition.LONG -> "Long";
            case AttributeDefinition.SHORT -> "Short";
            case AttributeDefinition.BYTE -> "Byte";
            case AttributeDefinition.DOUBLE -> "Double";
            case AttributeDefinition.FLOAT -> "Float";
            case AttributeDefinition.CHARACTER -> "Character";
            case AttributeDefinition.PASSWORD -> "Password";
            default -> "String";
        };
    }

    private static Class<?> javaType(int type) {
        return switch (type) {
            case AttributeDefinition.BOOLEAN -> Boolean.class;
            case AttributeDefinition.INTEGER -> Integer.class;
            case AttributeDefinition.LONG -> Long.class;
            case AttributeDefinition.SHORT -> Short.class;
            case AttributeDefinition.BYTE -> Byte.class;
            case AttributeDefinition.DOUBLE -> Double.class;
            case AttributeDefinition.FLOAT -> Float.class;
            case AttributeDefinition.CHARACTER -> Character.class;
            default -> String.class;
        };
    }

    private static Object parse(Class<?> type, String text) {
        if (type == Boolean.class) {
            if (!text.trim().equalsIgnoreCase("true") && !text.trim().equalsIgnoreCase("false")) {
                throw new NumberFormatException(text);
            }
            return Boolean.valueOf(text.trim());
        } else if (type == Integer.class) {
            return Integer.valueOf(text.trim());
        } else if (type == Long.class) {
            return Long.valueOf(text.trim());
        } else if (type == Short.class) {
            return Short.valueOf(text.trim());
        } else if (type == Byte.class) {
            return Byte.valueOf(text.trim());
        } else if (type == Double.class) {
            return Double.valueOf(text.trim());
        } else if (type == Float.class) {
            return Float.valueOf(text.trim());
        } else if (type == Character.class) {
            if (text.length() != 1) {
                throw new NumberFormatException(text);
            }
            return text.charAt(0);
        }
        return text;
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
