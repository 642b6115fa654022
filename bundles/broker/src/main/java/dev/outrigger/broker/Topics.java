package dev.outrigger.broker;

/** MQTT topic names and filters: validity and matching, as the specification defines them. */
final class Topics {

    private Topics() {
    }

    /** A name a message may be published to: not empty, no wildcards, no NUL. */
    static boolean isValidName(String topic) {
        return !topic.isEmpty() && topic.indexOf('+') < 0 && topic.indexOf('#') < 0 && topic.indexOf('\0') < 0;
    }

    /** A filter: {@code +} fills a whole level, {@code #} only the whole last level. */
    static boolean isValidFilter(String filter) {
        if (filter.isEmpty() || filter.indexOf('\0') >= 0) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            boolean wildcard = level.indexOf('+') >= 0 || level.indexOf('#') >= 0;
            if (wildcard && level.length() != 1) {
                return false;
            }
            if (level.equals("#") && i != levels.length - 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code topic} matches {@code filter}. Wildcards at the first level never match topics
     * starting with {@code $} (such as {@code $SYS/...}).
     */
    static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        while (f < filter.length()) {
            char c = filter.charAt(f);
            if (c == '#') {
                return true; // also matches the parent level: "a/#" matches "a"
            }
            if (c == '+') {
                int end = topic.indexOf('/', t);
                t = end < 0 ? topic.length() : end;
                f++;
            } else {
                int fEnd = filter.indexOf('/', f);
                int tEnd = topic.indexOf('/', t);
                fEnd = fEnd < 0 ? filter.length() : fEnd;
                tEnd = tEnd < 0 ? topic.length() : tEnd;
                if (fEnd - f != tEnd - t || !filter.regionMatches(f, topic, t, fEnd - f)) {
                    return false;
                }
                f = fEnd;
                t = tEnd;
            }
            // both at a level separator, or both at the end
            boolean filterEnds = f == filter.length();
            boolean topicEnds = t == topic.length();
            if (filterEnds || topicEnds) {
                if (filterEnds && topicEnds) {
                    return true;
                }
                // "a/#" matches "a": the filter goes on with "/#" exactly
                return topicEnds && filter.length() - f == 2 && filter.endsWith("/#");
            }
            f++;
            t++;
        }
        return false;
    }
}
