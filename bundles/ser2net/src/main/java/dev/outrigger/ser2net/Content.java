package dev.outrigger.ser2net;

import java.util.List;

/** What a ser2net configuration holds: its connections, and what else it sets that is not imported (with lines). */
record Content(List<Connection> connections, List<String> notImported) {
}
