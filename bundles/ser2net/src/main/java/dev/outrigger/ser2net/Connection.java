package dev.outrigger.ser2net;

import java.util.Map;

/**
 * One ser2net connection as ser2net 4 writes it: its name (the YAML anchor, or made up), the line
 * it starts on, the scalar fields ({@code accepter}, {@code connector}, {@code enable}, ...) and its
 * {@code options}.
 */
record Connection(String name, int line, Map<String, String> fields, Map<String, String> options) {
}
