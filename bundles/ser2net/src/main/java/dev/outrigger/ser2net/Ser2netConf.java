package dev.outrigger.ser2net;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * ser2net 3's configuration, {@code ser2net.conf}, still on many older Raspberry Pis: one
 * connection per line, {@code <[host,]port>:<state>:<timeout>:<device>:<options>}. Each line is
 * read as the ser2net 4 connection it stands for, so that one mapping makes bridges of both.
 */
final class Ser2netConf {

    private static final Pattern CONNECTION = Pattern.compile(
            "(?<port>[^:\\s]+):(?<state>raw|rawlp|telnet|off):(?<timeout>\\d+):(?<device>[^:]+):?(?<options>.*)",
            Pattern.CASE_INSENSITIVE);
    /** Lines that configure ser2net itself rather than a connection: named, not imported. */
    private static final Pattern SETTING = Pattern.compile("([A-Z]+):.*");

    private Ser2netConf() {
    }

    /** Whether the text is a ser2net.conf: some line is a connection in its shape. */
    static boolean isOne(String text) {
        return lines(text).stream().anyMatch(l -> CONNECTION.matcher(l.text()).matches());
    }

    static Content parse(String text) {
        List<Connection> connections = new ArrayList<>();
        List<String> notImported = new ArrayList<>();
        for (Line line : lines(text)) {
            Matcher m = CONNECTION.matcher(line.text());
            if (m.matches()) {
                connections.add(connection(m, line.number()));
            } else if (SETTING.matcher(line.text()).matches()) {
                notImported.add(line.text().substring(0, line.text().indexOf(':')) + " (line " + line.number() + ")");
            } else {
                throw new IllegalArgumentException("line " + line.number() + ": expected <port>:<raw|rawlp|telnet|off>:"
                        + "<timeout>:<device>:<options>, found " + line.text());
            }
        }
        return new Content(connections, notImported);
    }

    private static Connection connection(Matcher m, int line) {
        String state = m.group("state").toLowerCase(Locale.ROOT);
        List<String> serial = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        boolean remctl = false;
        for (String option : m.group("options").trim().split("\\s+")) {
            String o = option.toLowerCase(Locale.ROOT);
            if (o.isEmpty()) {
                continue;
            }
            switch (o) {
                case "remctl" -> remctl = true;
                case "kickolduser" -> options.put("kickolduser", "true");
                default -> {
                    if (o.startsWith("max-connections=")) {
                        options.put("max-connections", o.substring(o.indexOf('=') + 1));
                    } else {
                        serial.add(option.replace('_', '-'));
                    }
                }
            }
        }
        options.put("timeout", m.group("timeout"));
        // the TCP port as ser2net 4 writes it: [host,]port, without ser2net 3's ipv4/ipv6/tcp prefixes
        String port = String.join(",", List.of(m.group("port").split(",")).stream()
                .filter(p -> !List.of("ipv4", "ipv6", "tcp").contains(p.toLowerCase(Locale.ROOT))).toList());
        String filter = !state.equals("telnet") ? "" : remctl ? "telnet(rfc2217)," : "telnet,";
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("accepter", state.equals("rawlp") ? "rawlp," + port : filter + "tcp," + port);
        fields.put("connector", "serialdev," + m.group("device").trim() + (serial.isEmpty() ? "" : "," + String.join(",", serial)));
        if (state.equals("off")) {
            fields.put("enable", "off");
        }
        return new Connection("port" + port.replaceAll(".*,", ""), line, fields, options);
    }

    private record Line(int number, String text) {
    }

    /** The lines that say something: comments and blank lines dropped, continuations ({@code \}) joined. */
    private static List<Line> lines(String text) {
        List<Line> lines = new ArrayList<>();
        StringBuilder joined = new StringBuilder();
        int start = 0;
        String[] raw = text.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String l = raw[i].strip();
            if (joined.length() == 0) {
                start = i + 1;
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
            }
            if (l.endsWith("\\")) {
                joined.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            joined.append(l);
            lines.add(new Line(start, joined.toString().strip()));
            joined.setLength(0);
        }
        if (joined.length() > 0) {
            lines.add(new Line(start, joined.toString().strip()));
        }
        return lines;
    }
}
