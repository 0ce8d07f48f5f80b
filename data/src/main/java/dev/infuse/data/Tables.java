package dev.infuse.data;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads delimited tables with a header row — TSV (tab-separated, no quoting: a quote is a character
 * like any other, as in GLUE's files) and CSV (RFC 4180 quoting; a quoted field may span lines) — as
 * records with the same typed access and the same errors as {@link JsonLines}: one {@code data-format}
 * naming file, line and column, and what was expected. Parsing is Jackson's CSV module.
 *
 * <p>Cells are typed by what the caller will read from them ({@link Kind}); an empty cell is a missing
 * value. A list cell is a JSON array of strings when it starts with {@code [}, otherwise its
 * whitespace-separated words (a sentence's tokens).
 */
public final class Tables {
    /** A table format. */
    public enum Format {
        TSV('\t'), CSV(',');

        final char separator;

        Format(char separator) {
            this.separator = separator;
        }
    }

    /** How a column is read. */
    public enum Kind {
        /** A string (also labels and ids). */
        TEXT,
        /** An integer (token indices, answer indices). */
        INTEGER,
        /** A list of strings: a JSON array, or whitespace-separated words. */
        LIST
    }

    /** The largest field accepted (characters): longer ones are an error, not an out-of-memory crash. */
    static final int MAX_FIELD_CHARS = 1 << 20;

    /** Parses list cells written as JSON arrays (thread-safe once configured). */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private Tables() {}

    /**
     * Maps every row of {@code file} after its header.
     *
     * @param columns the columns read, by name, and how; each must be in the header
     * @throws InfuseException {@code data-missing}, {@code data-format}, or {@code data-empty} when there is no row
     */
    public static <T> List<T> read(Path file, Format format, Map<String, Kind> columns, Function<JsonLines.Record, T> map) {
        DataFiles.requireFile(file);
        String expected = format.name() + " with a header row holding the columns " + columns.keySet();
        CsvMapper csv = new CsvMapper(com.fasterxml.jackson.dataformat.csv.CsvFactory.builder()
                .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(MAX_FIELD_CHARS)
                        .build()).build());
        csv.enable(CsvParser.Feature.FAIL_ON_MISSING_COLUMNS);
        CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnSeparator(format.separator);
        if (format == Format.TSV) {
            schema = schema.withoutQuoteChar();
        }
        List<T> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file);
                MappingIterator<Map<String, String>> rows = csv.readerFor(Map.class).with(schema).readValues(in)) {
            boolean checked = false;
            long next = 2;
            while (rows.hasNextValue()) {
                // A row starts where the previous one ended (a quoted CSV cell may span lines).
                long line = next;
                Map<String, String> row = rows.nextValue();
                next = rows.getCurrentLocation() == null ? line + 1 : rows.getCurrentLocation().getLineNr();
                if (!checked) {
                    CsvSchema header = (CsvSchema) rows.getParserSchema();
                    for (String c : columns.keySet()) {
                        if (header.column(c) == null) {
                            throw DataFiles.format(file, 1, "the header has no column '" + c + "' (it has "
                                    + header.getColumnNames() + ")", expected);
                        }
                    }
                    checked = true;
                }
                DataFiles.Where where = new DataFiles.Where(file, line, null);
                out.add(map.apply(new JsonLines.Record(where, node(row, columns, where))));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw DataFiles.format(file, line, "not valid " + format.name() + " (" + e.getOriginalMessage() + ")", expected);
        } catch (IOException e) {
            throw DataFiles.io(file, e);
        } catch (RuntimeException e) {
            if (e instanceof InfuseException) {
                throw e;
            }
            throw new InfuseException("data-format", file + ": not valid " + format.name() + " (" + e.getMessage() + "); expected "
                    + expected);
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, expected);
        }
        return out;
    }

    private static ObjectNode node(Map<String, String> row, Map<String, Kind> columns, DataFiles.Where where) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, Kind> c : columns.entrySet()) {
            String v = row.get(c.getKey());
            if (v == null || v.isBlank()) {
                node.putNull(c.getKey());
                continue;
            }
            switch (c.getValue()) {
                case TEXT -> node.put(c.getKey(), v);
                case INTEGER -> {
                    try {
                        node.put(c.getKey(), Integer.parseInt(v.strip()));
                    } catch (NumberFormatException e) {
                        throw where.error(c.getKey(), "is '" + v + "'", "an integer");
                    }
                }
                case LIST -> {
                    String s = v.strip();
                    if (s.startsWith("[")) {
                        try {
                            node.set(c.getKey(), JSON.readTree(s));
                        } catch (IOException e) {
                            throw where.error(c.getKey(), "is not a JSON array (" + e.getMessage().lines().findFirst().orElse("")
                                    + ")", "a JSON array of strings or whitespace-separated words");
                        }
                    } else {
                        ArrayNode words = node.putArray(c.getKey());
                        for (String w : s.split("\\s+")) {
                            words.add(w);
                        }
                    }
                }
                default -> throw new AssertionError(c.getValue());
            }
        }
        return node;
    }
}
