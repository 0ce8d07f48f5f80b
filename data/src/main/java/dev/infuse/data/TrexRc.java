package dev.infuse.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader for T-REx relation-classification data as JSON lines, in the TACRED-like shape of
 * K-Adapter's T-REx-rc release. Schema, one object per line:
 *
 * <pre>{@code
 * {"token": ["Allan", "Peiper", "was", "born", "in", "Alexandra", "."],
 *  "subj_start": 0, "subj_end": 1, "obj_start": 5, "obj_end": 5,
 *  "relation": "P19", "subj_id": "Q1886736", "obj_id": "Q2643563", "id": "optional"}
 * }</pre>
 *
 * <p>Ends are inclusive (as in TACRED) and become exclusive {@link Span}s. {@code subj_id},
 * {@code obj_id} and {@code id} are optional; a missing id becomes the line number. Blank lines are
 * ignored.
 */
public final class TrexRc {
    static final String EXPECTED = "a JSON object with token, subj_start, subj_end, obj_start, obj_end "
            + "(inclusive token indices), relation, optional subj_id/obj_id";

    private TrexRc() {}

    /** Reads every line of the file. */
    public static ReadResult<RelationInstance> read(Path file) {
        List<RelationInstance> out = new ArrayList<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long n = lines.lineNumber();
                JsonNode node = DataFiles.parseLine(file, n, line, EXPECTED);
                DataFiles.Where where = new DataFiles.Where(file, n, null);
                String id = where.optionalText(node, "id");
                List<String> tokens = where.strings(node, "token");
                Span subj = inclusiveSpan(node, where, "subj_start", "subj_end", tokens.size());
                Span obj = inclusiveSpan(node, where, "obj_start", "obj_end", tokens.size());
                out.add(new RelationInstance(id == null ? Long.toString(n) : id, tokens, subj, obj,
                        where.text(node, "relation"), where.optionalText(node, "subj_id"),
                        where.optionalText(node, "obj_id")));
            }
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, "JSON lines, each " + EXPECTED);
        }
        return new ReadResult<>(out, ReadReport.empty());
    }

    /** Reads an inclusive {@code [start, end]} pair and checks it lies within the tokens. */
    static Span inclusiveSpan(JsonNode node, DataFiles.Where where, String startField, String endField, int size) {
        int start = where.integer(node, startField);
        int end = where.integer(node, endField);
        if (start < 0 || start >= size) {
            throw where.error(startField, "token index " + start + " out of range", "an index in [0, " + size + ")");
        }
        if (end < start || end >= size) {
            throw where.error(endField, "token index " + end + " out of range",
                    "an inclusive end in [" + start + ", " + size + ")");
        }
        return new Span(start, end + 1);
    }
}
