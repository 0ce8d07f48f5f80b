package dev.infuse.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads JSON lines whose fields a caller maps itself (declarative tasks), with the same bounded line
 * length and the same errors as every built-in reader: one {@code data-format} naming file, line and
 * field, and what was expected.
 */
public final class JsonLines {
    private JsonLines() {}

    /** One line's JSON object, with typed field access whose errors name the file, line and field. */
    public static final class Record {
        private final DataFiles.Where where;
        private final JsonNode node;

        Record(DataFiles.Where where, JsonNode node) {
            this.where = where;
            this.node = node;
        }

        /** The 1-based line number. */
        public long line() {
            return where.line();
        }

        /** Whether the field is present and not null. */
        public boolean has(String field) {
            return node.hasNonNull(field);
        }

        public String text(String field) {
            return where.text(node, field);
        }

        public String optionalText(String field) {
            return where.optionalText(node, field);
        }

        public int integer(String field) {
            return where.integer(node, field);
        }

        public List<String> strings(String field) {
            return where.strings(node, field);
        }

        /** A field's value as text whatever its JSON type (numbers, booleans), for labels and ids. */
        public String scalar(String field) {
            JsonNode v = where.require(node, field, "a string or number");
            if (!v.isValueNode()) {
                throw where.error(field, "is " + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT),
                        "a string or number");
            }
            return v.asText();
        }

        /** An error about {@code field} of this record. */
        public InfuseException error(String field, String problem, String expected) {
            return where.error(field, problem, expected);
        }
    }

    /**
     * Maps every non-blank line of {@code file}.
     *
     * @param expected what a line should hold, for error messages
     * @throws InfuseException {@code data-missing}, {@code data-format}, or {@code data-empty} when no record is left
     */
    public static <T> List<T> read(Path file, String expected, Function<Record, T> map) {
        List<T> out = new ArrayList<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long n = lines.lineNumber();
                JsonNode node = DataFiles.parseLine(file, n, line, expected);
                out.add(map.apply(new Record(new DataFiles.Where(file, n, null), node)));
            }
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, "JSON lines, each " + expected);
        }
        return out;
    }
}
