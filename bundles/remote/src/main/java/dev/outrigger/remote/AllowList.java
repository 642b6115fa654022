package dev.outrigger.remote;

import java.util.List;
import java.util.stream.Stream;

/**
 * Which PIDs may be handled remotely: those the configuration allows, minus those that never may
 * be, whatever the configuration says.
 */
final class AllowList {

    /**
     * The framework's and the infrastructure's, the shell (it could be opened to the network),
     * this bundle (it holds the allow-list and the signing key) and the settings (they name the
     * secrets).
     */
    private static final List<String> NEVER = List.of("org.apache.felix.*", "org.ops4j.*", "org.osgi.*",
            "org.eclipse.*", "dev.outrigger.shell", "dev.outrigger.remote",
            "dev.outrigger.config");

    private final List<String> allowed;

    AllowList(String[] patterns) {
        this.allowed = Stream.of(patterns).map(String::trim).filter(p -> !p.isEmpty()).toList();
    }

    /** For a PID, a factory PID or a factory instance ({@code <factoryPid>~<name>}). */
    boolean allows(String pid) {
        String schemaPid = pid.contains("~") ? pid.substring(0, pid.indexOf('~')) : pid;
        return allowed.stream().anyMatch(p -> matches(p, schemaPid))
                && NEVER.stream().noneMatch(p -> matches(p, schemaPid) || matches(p, pid));
    }

    private static boolean matches(String pattern, String pid) {
        return pattern.endsWith("*") ? pid.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(pid);
    }
}
