package dev.outrigger.config.admin;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

import org.apache.felix.utils.properties.TypedProperties;

import dev.outrigger.framework.files.DurableFile;

/**
 * A configuration's file in {@code etc/}, in FileInstall's format and in the form it was written:
 * a {@code .cfg} file as people write one ({@code port = 6638}) unless it holds typed values
 * already ({@code port = I"6638"}) or is given a value only the typed form can say, a
 * {@code .config} file typed, as its format is. Every value is written so that FileInstall reads
 * back exactly that value.
 */
final class EtcFile {

    /** How FileInstall reads etc/ ({@code felix.fileinstall.configEncoding} in etc/config.properties): as people's editors save. */
    static final Charset ENCODING = StandardCharsets.UTF_8;

    /** A key no schema has, given a value that is not text for a moment: how TypedProperties turns a file typed. */
    private static final String TYPED_MARK = ".outrigger.typed";

    private final Path path;
    private final TypedProperties content = new TypedProperties();
    private boolean typed;

    EtcFile(Path path) throws IOException {
        this.path = path;
        if (Files.exists(path)) {
            try (Reader in = Files.newBufferedReader(path, ENCODING)) {
                content.load(in);
            }
        }
        typed = path.getFileName().toString().endsWith(".config")
                || content.values().stream().anyMatch(value -> !(value instanceof String));
    }

    /**
     * A value as this file holds it, and as ConfigAdmin then should, so that FileInstall finds
     * nothing different when it reads the file back. A plain file has a list comma-separated
     * ({@code allow = 10.0.0.0/8,127.0.0.1}; the schema types it again when the file is read)
     * unless an item holds a comma: then it stays typed ({@code [ "a,b" ]}), the one form that
     * can say it.
     */
    Object asWritten(Object value) {
        if (value instanceof String text && !text.isEmpty() && Character.isWhitespace(text.charAt(0))) {
            // a plain line loses the spaces a value begins with (a password may); the typed form keeps them
            typed = true;
        }
        if (typed) {
            return value;
        }
        if (value != null && (value.getClass().isArray() || value instanceof Collection)) {
            List<String> items = Schemas.items(value, false).stream().map(String::valueOf).toList();
            return items.stream().anyMatch(item -> item.contains(",")) ? value : String.join(",", items);
        }
        return String.valueOf(value);
    }

    /**
     * Writes the properties, keeping the comments and the lines of properties that did not
     * change. Here rather than by FileInstall's write-back (off in {@code etc/config.properties}),
     * which truncates the file and rewrites it in place: a power cut then could leave it empty,
     * and the node would come back on defaults.
     */
    void write(Dictionary<String, Object> properties) throws IOException {
        if (typed) {
            content.put(TYPED_MARK, Boolean.TRUE);
            content.remove(TYPED_MARK);
        }
        for (String gone : content.keySet().stream().filter(key -> properties.get(key) == null).toList()) {
            content.remove(gone);
        }
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (!Schemas.IMPLICIT.contains(key) && !Objects.deepEquals(content.get(key), properties.get(key))) {
                content.put(key, literally(properties.get(key)));
            }
        }
        DurableFile.replace(path, out -> {
            Writer w = new OutputStreamWriter(out, ENCODING);
            content.save(w);
            w.flush();
        });
    }

    /**
     * The value as FileInstall reads it back unchanged. It takes <code>${name}</code> as a variable (empty
     * where there is none) and a backslash before another or before a brace as an escape: a password
     * holding <code>${</code>, a pattern ending in a backslash would otherwise come back changed.
     */
    private static Object literally(Object value) {
        if (value instanceof String text) {
            return text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}");
        }
        if (value instanceof String[] texts) {
            return Arrays.stream(texts).map(EtcFile::literally).toArray(String[]::new);
        }
        return value;
    }
}
