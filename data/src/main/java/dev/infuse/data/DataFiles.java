package dev.infuse.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.spi.InfuseException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** Shared plumbing of the readers: strict UTF-8 lines, JSON parsing, error messages, atomic writes. */
final class DataFiles {
    /** Longest accepted line of a line-based format, in bytes; longer lines are reported, not read. */
    static final int MAX_LINE_BYTES = dev.infuse.internal.io.BoundedLineReader.MAX_LINE_BYTES;

    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonFactory JSON_FACTORY = JSON.getFactory();

    private DataFiles() {}

    static InfuseException format(Path file, long line, String what, String expected) {
        return new InfuseException("data-format", file + ":" + line + ": " + what + "; expected " + expected);
    }

    static InfuseException empty(Path file, String expected) {
        return new InfuseException("data-empty", file + ": holds no records; expected " + expected);
    }

    static InfuseException io(Path file, IOException e) {
        return new InfuseException("data-io", file + ": cannot be read: " + e.getMessage(), e);
    }

    static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InfuseException("data-missing", file + ": no such file");
        }
    }

    /** The shared bounded, strict UTF-8 line reader ({@link dev.infuse.internal.io.BoundedLineReader}). */
    static final class LineReader extends dev.infuse.internal.io.BoundedLineReader {
        LineReader(Path file) {
            super(file, MAX_LINE_BYTES);
        }
    }

    /**
     * Opens a JSON parser over the raw bytes (Jackson validates UTF-8 itself and knows the line of
     * every error). Files that start like UTF-16 or UTF-32 are refused: the formats are UTF-8.
     */
    static JsonParser openJson(Path file) {
        requireFile(file);
        try {
            byte[] head = new byte[4];
            int n;
            try (InputStream probe = Files.newInputStream(file)) {
                n = probe.readNBytes(head, 0, 4);
            }
            if (n == 0) {
                throw empty(file, "a JSON document");
            }
            boolean utf16Bom = n >= 2 && ((head[0] == (byte) 0xFE && head[1] == (byte) 0xFF)
                    || (head[0] == (byte) 0xFF && head[1] == (byte) 0xFE));
            boolean zeros = false;
            for (int i = 0; i < n; i++) {
                zeros |= head[i] == 0;
            }
            if (utf16Bom || zeros) {
                throw format(file, 1, "text is not UTF-8 (looks like UTF-16 or UTF-32)", "UTF-8 encoded JSON");
            }
            return JSON_FACTORY.createParser(Files.newInputStream(file));
        } catch (IOException e) {
            throw io(file, e);
        }
    }

    static InfuseException jsonError(Path file, JsonProcessingException e, String expected) {
        long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
        return format(file, line, "malformed JSON or UTF-8: " + e.getOriginalMessage(), expected);
    }

    /** Parses one line of a JSON-lines file into an object node. */
    static JsonNode parseLine(Path file, long line, String text, String expected) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw format(file, line, "malformed JSON: " + e.getOriginalMessage(), expected);
        }
        if (node == null || !node.isObject()) {
            throw format(file, line, "line is not a JSON object", expected);
        }
        return node;
    }

    /** Where a JSON record came from, to name it in errors. */
    record Where(Path file, long line, String record) {
        InfuseException error(String field, String what, String expected) {
            String prefix = record == null ? "" : "record " + record + ", ";
            return format(file, line, prefix + "field '" + field + "': " + what, expected);
        }

        JsonNode require(JsonNode obj, String field, String expected) {
            JsonNode v = obj.get(field);
            if (v == null || v.isNull()) {
                throw error(field, "missing", expected);
            }
            return v;
        }

        String text(JsonNode obj, String field) {
            JsonNode v = require(obj, field, "a string");
            if (!v.isTextual()) {
                throw error(field, "is " + v.getNodeType().toString().toLowerCase(), "a string");
            }
            return v.asText();
        }

        String optionalText(JsonNode obj, String field) {
            JsonNode v = obj.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw error(field, "is " + v.getNodeType().toString().toLowerCase(), "a string");
            }
            return v.asText();
        }

        int integer(JsonNode obj, String field) {
            JsonNode v = require(obj, field, "an integer");
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw error(field, "is " + v, "an integer");
            }
            return v.intValue();
        }

        List<String> strings(JsonNode obj, String field) {
            return stringArray(require(obj, field, "an array of strings"), field);
        }

        List<String> stringArray(JsonNode v, String field) {
            if (!v.isArray()) {
                throw error(field, "is " + v.getNodeType().toString().toLowerCase(), "an array of strings");
            }
            List<String> out = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) {
                    throw error(field, "element " + i + " is " + v.get(i), "an array of strings");
                }
                out.add(v.get(i).asText());
            }
            return out;
        }
    }

    /** Writes text to a temporary sibling file, then renames it over the target. */
    interface WriteBody {
        void write(Writer out) throws IOException;
    }

    static void writeAtomically(Path target, WriteBody body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        boolean done = false;
        try {
            Files.createDirectories(dir);
            // Not createTempFile (mode 0600): outputs get the umask's mode (0644 usually).
            tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                body.write(w);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } catch (IOException e) {
            throw new InfuseException("data-io", target + ": cannot be written: " + e.getMessage(), e);
        } finally {
            if (!done && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }
}
