package dev.infuse.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader for TACRED JSON ({@code train.json}, {@code dev.json}, {@code test.json}): one array of
 * objects with {@code id}, {@code token}, {@code subj_start}, {@code subj_end}, {@code obj_start},
 * {@code obj_end} (inclusive ends), {@code relation}, {@code subj_type}, {@code obj_type}. Other
 * fields (POS, NER, parse) are ignored. The array is streamed one example at a time.
 */
public final class Tacred {
    /** TACRED's negative label. */
    public static final String NO_RELATION = "no_relation";

    private static final String EXPECTED = "a JSON array of objects with id, token, subj_start, subj_end, "
            + "obj_start, obj_end (inclusive), relation, subj_type, obj_type";

    private Tacred() {}

    /** Reads all examples in file order. */
    public static ReadResult<TacredExample> read(Path file) {
        List<TacredExample> out = new ArrayList<>();
        try (JsonParser p = DataFiles.openJson(file)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw DataFiles.empty(file, EXPECTED);
            }
            if (first != JsonToken.START_ARRAY) {
                throw DataFiles.format(file, p.currentLocation().getLineNr(), "top level is " + first, EXPECTED);
            }
            int index = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                long line = p.currentLocation().getLineNr();
                JsonNode node = p.readValueAsTree();
                DataFiles.Where where = new DataFiles.Where(file, line, Integer.toString(index));
                if (node == null || !node.isObject()) {
                    throw where.error("(record)", "is not an object", EXPECTED);
                }
                List<String> tokens = where.strings(node, "token");
                Span subj = TrexRc.inclusiveSpan(node, where, "subj_start", "subj_end", tokens.size());
                Span obj = TrexRc.inclusiveSpan(node, where, "obj_start", "obj_end", tokens.size());
                out.add(new TacredExample(where.text(node, "id"), tokens, subj, obj, where.text(node, "relation"),
                        where.text(node, "subj_type"), where.text(node, "obj_type")));
                index++;
            }
        } catch (JsonProcessingException e) {
            throw DataFiles.jsonError(file, e, EXPECTED);
        } catch (IOException e) {
            throw DataFiles.io(file, e);
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, EXPECTED);
        }
        return new ReadResult<>(out, ReadReport.empty());
    }
}
