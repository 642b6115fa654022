package dev.outrigger.framework.table;

import java.util.ArrayList;
import java.util.List;

import dev.outrigger.framework.logging.Printable;

/**
 * A shell command's table: each column as wide as its widest cell, header included, so that a
 * long value (a pseudo-terminal's path, a kubelet socket, a client id) widens its column instead of
 * shifting the ones after it; numbers right-aligned, two spaces between columns, no trailing blanks.
 * Cells are made {@link Printable#line printable}: a control character from a radio's name cannot
 * break a row.
 */
public final class Table {

    private static final String GAP = "  ";

    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> rightAligned = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    /** A column of text, left-aligned. */
    public Table column(String header) {
        return add(header, false);
    }

    /** A column of numbers, right-aligned. */
    public Table number(String header) {
        return add(header, true);
    }

    private Table add(String header, boolean right) {
        if (!rows.isEmpty()) {
            throw new IllegalStateException("columns come before rows");
        }
        headers.add(header);
        rightAligned.add(right);
        return this;
    }

    /** A row, one cell per column ({@code String.valueOf} of each; null or empty shows as {@code -}). */
    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cell(s) for " + headers.size() + " column(s) " + headers);
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String cell = cells[i] == null ? "" : Printable.line(String.valueOf(cells[i]));
            row[i] = cell.isEmpty() ? "-" : cell;
        }
        rows.add(row);
        return this;
    }

    /** The header line and the rows, each ending with a line separator. */
    @Override
    public String toString() {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = width(headers.get(i));
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], width(row[i]));
            }
        }
        StringBuilder out = new StringBuilder();
        append(out, headers.toArray(String[]::new), widths);
        rows.forEach(row -> append(out, row, widths));
        return out.toString();
    }

    private void append(StringBuilder out, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String padding = " ".repeat(widths[i] - width(cells[i]));
            line.append(i == 0 ? "" : GAP).append(rightAligned.get(i) ? padding + cells[i] : cells[i] + padding);
        }
        out.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }

    /** Code points, not chars: a name with an emoji in it is as wide as it looks, near enough. */
    private static int width(String cell) {
        return cell.codePointCount(0, cell.length());
    }
}
