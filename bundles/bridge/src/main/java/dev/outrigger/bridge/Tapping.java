package dev.outrigger.bridge;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bridge:tap}: what passes between a bridge's clients and its device from the moment this is
 * made until it is closed, printed as a hex dump does: the time and the direction, then sixteen
 * bytes a line in hex and, where printable, as ASCII; and what RFC 2217 clients set, in words.
 */
final class Tapping implements AutoCloseable {

    /** Held for the shell at most: a device faster than the terminal costs lines, not the heap. */
    static final int HELD_BYTES = 256 * 1024;
    static final int PER_LINE = 16;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

    /** Bytes one way, or a setting an RFC 2217 client made (and no bytes). */
    private record Passed(LocalTime at, boolean toDevice, byte[] data, String setting) {

        List<String> lines() {
            return setting.isEmpty() ? Tapping.lines(at, toDevice, data) : List.of(TIME.format(at) + "  client sets  " + setting);
        }
    }

    /** After the last that passed: the bridge stopped. */
    private static final Passed STOPPED = new Passed(LocalTime.MIDNIGHT, false, new byte[0], "");

    private final BlockingQueue<Passed> passing = new LinkedBlockingQueue<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong unshown = new AtomicLong();
    private final Runnable untap;

    Tapping(Bridge bridge) {
        // on the bridge's own threads: never waits for the terminal
        untap = bridge.tap(new Bridge.Tap() {
            @Override
            public void passed(boolean toDevice, byte[] data) {
                if (held.addAndGet(data.length) > HELD_BYTES) {
                    held.addAndGet(-data.length);
                    unshown.addAndGet(data.length);
                } else {
                    passing.add(new Passed(now(), toDevice, data, ""));
                }
            }

            @Override
            public void set(String setting) {
                passing.add(new Passed(now(), true, new byte[0], setting)); // a few a second at most, and tiny
            }

            @Override
            public void closed() {
                passing.add(STOPPED);
            }
        });
    }

    /** As the log shows time. */
    private static LocalTime now() {
        return LocalTime.now(ZoneId.systemDefault());
    }

    /**
     * Prints what passes until count lines are printed or the time is up; an interrupt (the
     * shell's client gone) ends it too.
     */
    void print(PrintStream out, int count, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        boolean anything = false;
        boolean stopped = false;
        int lines = 0;
        while (lines < count) {
            Passed p = passing.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (p == null) {
                break;
            }
            if (p == STOPPED) {
                stopped = true;
                break;
            }
            held.addAndGet(-p.data().length);
            anything = true;
            for (String line : p.lines()) {
                if (lines++ < count) {
                    out.println(line);
                }
            }
            out.flush();
        }
        if (unshown.get() > 0) {
            out.printf(Locale.ROOT, "%d byte(s) passed unshown: more than the shell could print as they came%n", unshown.get());
        }
        if (stopped) {
            // a change of its configuration makes it anew, an update of its bundle too
            out.println("the bridge stopped (its configuration changed, or its bundle is being updated); bridge:tap again to go on");
        } else if (!anything) {
            out.printf(Locale.ROOT, "nothing passed within %d s%n", seconds);
        }
    }

    @Override
    public void close() {
        untap.run();
    }

    static List<String> lines(LocalTime at, boolean toDevice, byte[] data) {
        List<String> lines = new ArrayList<>();
        String first = TIME.format(at) + "  " + (toDevice ? "to device  " : "from device") + "  ";
        String more = " ".repeat(first.length());
        for (int offset = 0; offset < data.length; offset += PER_LINE) {
            StringBuilder hex = new StringBuilder();
            StringBuilder text = new StringBuilder();
            for (int i = offset; i < Math.min(data.length, offset + PER_LINE); i++) {
                int b = data[i] & 0xff;
                hex.append(String.format(Locale.ROOT, "%02x ", b));
                text.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
            }
            lines.add((offset == 0 ? first : more) + String.format(Locale.ROOT, "%-" + PER_LINE * 3 + "s", hex) + " " + text);
        }
        return lines;
    }
}
