package dev.outrigger.ser2net;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * One ser2net connection as the properties of an Outrigger bridge ({@code dev.outrigger.bridge}),
 * keeping what ser2net did: the same port and addresses (every address when it named none), the
 * same line settings (ser2net's 9600 8N1 when none are given), one client at a time unless
 * {@code max-connections} says more, the newest winning only with {@code kickolduser}.
 *
 * @param name     the bridge instance name: the connection's anchor, made safe for a PID
 * @param values   the bridge's properties; empty when refused
 * @param notes    what a person should know: options left out, every address listened on
 * @param refusal  why it cannot be a bridge, when it cannot
 */
record BridgeImport(String name, Map<String, Object> values, List<String> notes, Optional<String> refusal) {

    /** ser2net's own default for a serial device without line settings. */
    private static final String SER2NET_DEFAULT_LINE = "9600n81";
    /** A whole number as ser2net writes one; at most nine digits, so that it fits an int (the schema bounds it further). */
    private static final String NUMBER = "\\d{1,9}";
    private static final Pattern LINE = Pattern.compile("(\\d{1,9})([neoms])([5-8])([12])", Pattern.CASE_INSENSITIVE);
    private static final Map<String, String> PARITY = Map.of("n", "none", "e", "even", "o", "odd", "m", "mark", "s", "space");
    /** Serial options that change nothing here: modem control is not watched, the port is closed when idle. */
    private static final List<String> NEEDLESS = List.of("local", "-local", "nobreak", "hangup-when-done", "-hangup-when-done");

    static BridgeImport of(Connection c) {
        String name = c.name().replaceAll("[^A-Za-z0-9_.-]", "-");
        String enable = c.fields().getOrDefault("enable", "on").toLowerCase(Locale.ROOT);
        if (List.of("off", "false", "no").contains(enable)) {
            return refused(name, "disabled in ser2net (enable: " + enable + ")");
        }
        for (String needed : List.of("accepter", "connector")) {
            if (c.fields().getOrDefault(needed, "").isBlank()) {
                return refused(name, "no " + needed);
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Optional<String> accepter = accepter(c.fields().get("accepter"), values, notes);
        if (accepter.isPresent()) {
            return refused(name, accepter.get());
        }
        Optional<String> connector = connector(c.fields().get("connector"), values, notes);
        if (connector.isPresent()) {
            return refused(name, connector.get());
        }
        options(c, values, notes);
        return new BridgeImport(name, values, notes, Optional.empty());
    }

    private static BridgeImport refused(String name, String why) {
        return new BridgeImport(name, Map.of(), List.of(), Optional.of(why));
    }

    /** {@code [telnet(rfc2217),][ssl(key=..,cert=..),]tcp,[host,]port}; a refusal, or empty. */
    private static Optional<String> accepter(String text, Map<String, Object> values, List<String> notes) {
        List<String> parts = split(text);
        int tcp = 0;
        while (tcp < parts.size() && !base(parts.get(tcp)).equals("tcp")) {
            String filter = parts.get(tcp);
            switch (base(filter)) {
                case "telnet" -> {
                    values.put("mode", "rfc2217");
                    if (!filter.contains("rfc2217")) {
                        notes.add("telnet: served as rfc2217 (telnet with the COM port option), which telnet clients also speak");
                    }
                }
                case "ssl" -> {
                    Map<String, String> ssl = arguments(filter);
                    values.put("tlsCertFile", ssl.getOrDefault("cert", ""));
                    values.put("tlsKeyFile", ssl.getOrDefault("key", ""));
                    if (List.of("true", "on", "").contains(ssl.getOrDefault("clientauth", "false").toLowerCase(Locale.ROOT))) {
                        values.put("tlsClientCaFile", ssl.getOrDefault("CA", ssl.getOrDefault("ca", "")));
                    }
                }
                default -> {
                    return Optional.of("accepter " + text + ": only tcp (with telnet or ssl before it) is served");
                }
            }
            tcp++;
        }
        List<String> address = tcp < parts.size() ? parts.subList(tcp + 1, parts.size()) : List.of();
        if (address.isEmpty() || address.size() > 2) {
            return Optional.of("accepter " + text + ": expected tcp,[host,]port");
        }
        String port = address.get(address.size() - 1);
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            return Optional.of("accepter " + text + ": " + port + " is not a TCP port");
        }
        values.put("port", Integer.parseInt(port));
        if (address.size() == 2) {
            values.put("bind", address.get(0));
        } else {
            values.put("bind", "0.0.0.0");
            notes.add("listens on every address, as ser2net did: set allow to the clients' addresses");
        }
        return Optional.empty();
    }

    /** {@code serialdev,<device>,<9600n81>,<options>...}; a refusal, or empty. */
    private static Optional<String> connector(String text, Map<String, Object> values, List<String> notes) {
        List<String> parts = split(text);
        if (parts.size() < 2 || !base(parts.get(0)).equals("serialdev")) {
            return Optional.of("connector " + text + ": only a serial device (serialdev,<device>,...) is bridged");
        }
        values.put("device", parts.get(1));
        line(SER2NET_DEFAULT_LINE, values);
        for (String option : parts.subList(2, parts.size())) {
            String o = option.toLowerCase(Locale.ROOT);
            if (line(option, values) || NEEDLESS.contains(o)) {
                continue;
            }
            switch (o) {
                case "rtscts" -> values.put("flowControl", "rtscts");
                case "xonxoff" -> values.put("flowControl", "xonxoff");
                case "-rtscts", "-xonxoff" -> values.put("flowControl", "none");
                case "dtr=off", "-dtr" -> values.put("dtr", false);
                case "dtr=on" -> values.put("dtr", true);
                case "rts=off", "-rts" -> values.put("rts", false);
                case "rts=on" -> values.put("rts", true);
                case "none", "even", "odd", "mark", "space" -> values.put("parity", o);
                case "1stopbit" -> values.put("stopBits", "1");
                case "2stopbits" -> values.put("stopBits", "2");
                default -> {
                    if (o.matches(NUMBER)) {
                        values.put("baud", Integer.parseInt(o));
                    } else if (o.matches("[5-8]databits")) {
                        values.put("dataBits", o.charAt(0) - '0');
                    } else {
                        notes.add("serial option " + option + " left out");
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Line settings such as {@code 115200n81}; false when the text is none. */
    private static boolean line(String text, Map<String, Object> values) {
        Matcher m = LINE.matcher(text);
        if (!m.matches()) {
            return false;
        }
        values.put("baud", Integer.parseInt(m.group(1)));
        values.put("parity", PARITY.get(m.group(2).toLowerCase(Locale.ROOT)));
        values.put("dataBits", Integer.parseInt(m.group(3)));
        values.put("stopBits", m.group(4));
        return true;
    }

    private static void options(Connection c, Map<String, Object> values, List<String> notes) {
        Map<String, String> options = new LinkedHashMap<>(c.options());
        // ser2net takes an inactivity timeout among the options or beside them
        String timeout = options.containsKey("timeout") ? options.remove("timeout") : c.fields().get("timeout");
        if (timeout != null && timeout.matches(NUMBER)) {
            values.put("idleTimeoutSeconds", Integer.parseInt(timeout));
        }
        boolean kick = List.of("true", "on", "yes").contains(options.getOrDefault("kickolduser", "false").toLowerCase(Locale.ROOT));
        options.remove("kickolduser");
        String max = options.remove("max-connections");
        values.put("policy", kick ? "kickolduser" : "share");
        values.put("maxClients", max != null && max.matches(NUMBER) && Integer.parseInt(max) > 0 ? Integer.parseInt(max) : 1);
        if (!options.isEmpty()) {
            notes.add("options left out: " + String.join(", ", options.keySet()));
        }
    }

    /** Comma-separated, commas inside parentheses kept: {@code ssl(key=a,cert=b),tcp,2000}. */
    private static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        StringBuilder part = new StringBuilder();
        for (char ch : text.toCharArray()) {
            if (ch == ',' && depth == 0) {
                parts.add(part.toString().trim());
                part.setLength(0);
                continue;
            }
            depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
            part.append(ch);
        }
        if (!part.toString().isBlank()) {
            parts.add(part.toString().trim());
        }
        return parts;
    }

    /** {@code telnet} of {@code telnet(rfc2217)}. */
    private static String base(String part) {
        int paren = part.indexOf('(');
        return (paren < 0 ? part : part.substring(0, paren)).trim().toLowerCase(Locale.ROOT);
    }

    /** {@code key=a,cert=b} of {@code ssl(key=a,cert=b)}; a bare word maps to an empty value. */
    private static Map<String, String> arguments(String part) {
        int open = part.indexOf('(');
        int close = part.lastIndexOf(')');
        Map<String, String> arguments = new LinkedHashMap<>();
        if (open < 0 || close < open) {
            return arguments;
        }
        for (String argument : part.substring(open + 1, close).split(",")) {
            int eq = argument.indexOf('=');
            arguments.put((eq < 0 ? argument : argument.substring(0, eq)).trim(), eq < 0 ? "" : argument.substring(eq + 1).trim());
        }
        return arguments;
    }
}
