package dev.outrigger.broker;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may publish and read which topics, in mosquitto's ACL file format, so that an existing
 * mosquitto {@code acl_file} works as it is:
 * <pre>
 * # before any user line: clients without a user name
 * topic read status/#
 * # after one: that user's
 * user alice
 * topic readwrite sensors/#
 * # for every client, %u its user name, %c its client id
 * pattern write devices/%u/#
 * </pre>
 * (mosquitto has no comments at the end of a line, so neither has this.)
 * Access is {@code read}, {@code write}, {@code readwrite} (the default) or {@code deny}, which
 * wins over any grant. Anything not granted is refused. As with mosquitto, any subscription is
 * accepted and each message checked as it is delivered, so that a client subscribed to {@code #}
 * sees what it may read. The file is read again when it changes; unreadable, it grants nothing.
 */
final class AclFile {

    enum Access {
        READ, WRITE, READWRITE, DENY;

        boolean grants(boolean write) {
            return this == READWRITE || this == (write ? WRITE : READ);
        }
    }

    /** One line: an access to a topic filter, in which a pattern's %u and %c are substituted. */
    record Rule(Access access, String topic, boolean pattern) {
    }

    /** The parsed file: rules for clients without a user name, for each user, and for all. */
    record Rules(List<Rule> anonymous, Map<String, List<Rule>> users, List<Rule> patterns) {
        static final Rules NONE = new Rules(List.of(), Map.of(), List.of());

        int size() {
            return anonymous.size() + patterns.size() + users.values().stream().mapToInt(List::size).sum();
        }

        /** Whether the client may receive a message published to the topic. */
        boolean mayRead(String user, String clientId, String topic) {
            return allowed(user, clientId, false, topic);
        }

        private boolean allowed(String user, String clientId, boolean write, String topic) {
            List<Rule> own = user == null ? anonymous : users.getOrDefault(user, List.of());
            boolean granted = false;
            for (List<Rule> list : List.of(own, patterns)) {
                for (Rule rule : list) {
                    String filter = rule.pattern() ? substitute(rule.topic(), user, clientId) : rule.topic();
                    if (filter == null || !Topics.matches(filter, topic)) {
                        continue;
                    }
                    if (rule.access() == Access.DENY) {
                        return false;
                    }
                    granted |= rule.access().grants(write);
                }
            }
            return granted;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(AclFile.class);

    private final WatchedFile<Rules> rules;

    AclFile(Path file) {
        rules = new WatchedFile<>(file, "ACL file", AclFile::parse, Rules.NONE, "granting no topic to anyone until it can");
    }

    Path file() {
        return rules.file();
    }

    /** The rules as the file says now (read again first if it changed). */
    Rules rules() {
        return rules.current();
    }

    int size() {
        return rules().size();
    }

    /** Whether the client may publish to the topic. */
    boolean mayPublish(String user, String clientId, String topic) {
        return rules().allowed(user, clientId, true, topic);
    }

    /** Whether the client may receive a message published to the topic. */
    boolean mayRead(String user, String clientId, String topic) {
        return rules().mayRead(user, clientId, topic);
    }

    /**
     * A pattern with the client's user name and id in place of %u and %c; null (it does not apply)
     * when the client has no user name for %u, or either would bring a wildcard or another level.
     */
    static String substitute(String pattern, String user, String clientId) {
        if (pattern.contains("%u") && (user == null || !plainLevel(user)) || pattern.contains("%c") && !plainLevel(clientId)) {
            return null;
        }
        return pattern.replace("%u", user == null ? "" : user).replace("%c", clientId);
    }

    private static boolean plainLevel(String s) {
        return !s.isEmpty() && s.indexOf('/') < 0 && s.indexOf('+') < 0 && s.indexOf('#') < 0;
    }

    private static Rules parse(Path file, List<String> lines) {
        List<Rule> anonymous = new ArrayList<>();
        Map<String, List<Rule>> users = new HashMap<>();
        List<Rule> patterns = new ArrayList<>();
        List<Rule> current = anonymous;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] words = line.split("\\s+", 2);
            String rest = words.length > 1 ? words[1] : "";
            switch (words[0]) {
                case "user" -> {
                    if (rest.isEmpty()) {
                        LOG.warn("{} line {}: user without a name; its rules apply to nobody", file, i + 1);
                    }
                    current = users.computeIfAbsent(rest, u -> new ArrayList<>());
                }
                case "topic", "pattern" -> {
                    Rule rule = rule(rest, words[0].equals("pattern"));
                    if (rule == null) {
                        LOG.warn("{} line {}: not {} [read|write|readwrite|deny] <topic filter>; ignored", file, i + 1, words[0]);
                    } else {
                        (rule.pattern() ? patterns : current).add(rule);
                    }
                }
                default -> LOG.warn("{} line {}: '{}' is not topic, pattern or user; ignored", file, i + 1, words[0]);
            }
        }
        users.replaceAll((user, own) -> List.copyOf(own));
        Rules rules = new Rules(List.copyOf(anonymous), Map.copyOf(users), List.copyOf(patterns));
        LOG.info("Embedded MQTT broker: {} ACL rule(s) from {}", rules.size(), file);
        return rules;
    }

    private static Rule rule(String text, boolean pattern) {
        String[] words = text.split("\\s+", 2);
        Access access = switch (words[0]) {
            case "read" -> Access.READ;
            case "write" -> Access.WRITE;
            case "readwrite" -> Access.READWRITE;
            case "deny" -> Access.DENY;
            default -> null;
        };
        String topic = access == null ? text : words.length > 1 ? words[1] : "";
        if (!Topics.isValidFilter(topic)) {
            return null;
        }
        return new Rule(access == null ? Access.READWRITE : access, topic, pattern);
    }
}
