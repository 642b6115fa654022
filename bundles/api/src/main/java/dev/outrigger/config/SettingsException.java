package dev.outrigger.config;

import java.util.List;
import java.util.stream.Collectors;

/** A refused change or request, with one problem per property where that applies. */
public class SettingsException extends Exception {

    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** No such PID, schema or instance. */
        NOT_FOUND,
        /** A value does not fit the schema; nothing was applied. */
        INVALID,
        /** The configuration changed since the revision the request was based on. */
        CONFLICT,
        /** The request itself cannot be carried out (malformed, not allowed, storage failure). */
        REFUSED
    }

    /** What is wrong with one property. */
    public record Problem(String property, String message) {

        @Override
        public String toString() {
            return property + ": " + message;
        }
    }

    private final Kind kind;
    private final List<Problem> problems;

    public SettingsException(Kind kind, String message) {
        this(kind, message, List.of());
    }

    public SettingsException(Kind kind, String message, List<Problem> problems) {
        super(problems.isEmpty() ? message
                : message + ": " + problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
        this.kind = kind;
        this.problems = List.copyOf(problems);
    }

    public Kind kind() {
        return kind;
    }

    public List<Problem> problems() {
        return problems;
    }
}
