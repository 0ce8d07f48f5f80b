package dev.infuse.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader for FewRel 1.0/2.0 JSON ({@code train_wiki.json}, {@code val_wiki.json},
 * {@code val_nyt.json}, ...): one object mapping each relation id to its list of instances, each
 * {@code {"tokens": [...], "h": [name, id, [[token indices], ...]], "t": [...]}}.
 *
 * <p>An entity may list several mentions; the first one is used and the others are counted under
 * {@code "additional-mentions-ignored"}. A mention's indices must be contiguous and ascending; the
 * span is {@code [min, max + 1)}. Instance ids are {@code <relation>/<index within relation>}. The
 * file is streamed: one instance is in memory at a time besides the result.
 */
public final class FewRel {
    private static final String EXPECTED =
            "FewRel JSON: {\"<relation>\": [{\"tokens\": [...], \"h\": [name, id, [[indices]]], \"t\": [...]}]}";

    private FewRel() {}

    /** A relation's name and description, from {@code pid2name.json}. */
    public record RelationName(String name, String description) {}

    /** Reads all instances of a FewRel file, relation by relation in file order. */
    public static ReadResult<RelationInstance> read(Path file) {
        ReadReport.Tally tally = new ReadReport.Tally();
        List<RelationInstance> out = new ArrayList<>();
        try (JsonParser p = DataFiles.openJson(file)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw DataFiles.empty(file, EXPECTED);
            }
            if (first != JsonToken.START_OBJECT) {
                throw DataFiles.format(file, p.currentLocation().getLineNr(), "top level is " + first, EXPECTED);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String relation = p.currentName();
                if (p.nextToken() != JsonToken.START_ARRAY) {
                    throw DataFiles.format(file, p.currentLocation().getLineNr(),
                            "relation '" + relation + "' does not map to an array", EXPECTED);
                }
                int index = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    long line = p.currentLocation().getLineNr();
                    JsonNode node = p.readValueAsTree();
                    DataFiles.Where where = new DataFiles.Where(file, line, relation + "/" + index);
                    if (node == null || !node.isObject()) {
                        throw where.error("(instance)", "is not an object", EXPECTED);
                    }
                    out.add(instance(node, where, relation, relation + "/" + index, tally));
                    index++;
                }
            }
            if (out.isEmpty()) {
                throw DataFiles.empty(file, EXPECTED);
            }
        } catch (JsonProcessingException e) {
            throw DataFiles.jsonError(file, e, EXPECTED);
        } catch (IOException e) {
            throw DataFiles.io(file, e);
        }
        return new ReadResult<>(out, tally.report());
    }

    private static RelationInstance instance(JsonNode node, DataFiles.Where where, String relation, String id,
            ReadReport.Tally tally) {
        List<String> tokens = where.strings(node, "tokens");
        if (tokens.isEmpty()) {
            throw where.error("tokens", "is empty", "at least one token");
        }
        JsonNode h = where.require(node, "h", "[name, id, [[token indices]]]");
        JsonNode t = where.require(node, "t", "[name, id, [[token indices]]]");
        Span head = mention(h, "h", where, tokens.size(), tally);
        Span tail = mention(t, "t", where, tokens.size(), tally);
        return new RelationInstance(id, tokens, head, tail, relation, entityId(h, "h", where),
                entityId(t, "t", where));
    }

    private static String entityId(JsonNode e, String field, DataFiles.Where where) {
        JsonNode id = e.get(1);
        if (id == null || !id.isTextual()) {
            throw where.error(field + "[1]", "is " + id, "the entity id as a string");
        }
        return id.asText();
    }

    private static Span mention(JsonNode e, String field, DataFiles.Where where, int size, ReadReport.Tally tally) {
        String expected = "[name, id, [[token indices], ...]]";
        if (!e.isArray() || e.size() < 3 || !e.get(2).isArray() || e.get(2).isEmpty()) {
            throw where.error(field, "is " + e, expected);
        }
        JsonNode mentions = e.get(2);
        if (mentions.size() > 1) {
            tally.add("additional-mentions-ignored");
        }
        JsonNode first = mentions.get(0);
        if (!first.isArray() || first.isEmpty()) {
            throw where.error(field + "[2][0]", "is " + first, "a non-empty list of token indices");
        }
        int start = -1;
        int prev = -1;
        for (int i = 0; i < first.size(); i++) {
            JsonNode v = first.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw where.error(field + "[2][0]", "element " + i + " is " + v, "a token index");
            }
            int idx = v.intValue();
            if (idx < 0 || idx >= size) {
                throw where.error(field + "[2][0]", "token index " + idx + " out of range",
                        "an index in [0, " + size + ")");
            }
            if (i == 0) {
                start = idx;
            } else if (idx != prev + 1) {
                throw where.error(field + "[2][0]", "indices " + first + " are not contiguous",
                        "ascending contiguous token indices");
            }
            prev = idx;
        }
        return new Span(start, prev + 1);
    }

    /** Reads {@code pid2name.json}: relation id to {@code [name, description]}, in file order. */
    public static Map<String, RelationName> readRelationNames(Path file) {
        String expected = "{\"P123\": [\"name\", \"description\"], ...}";
        JsonNode root;
        try (JsonParser p = DataFiles.openJson(file)) {
            root = p.readValueAsTree();
        } catch (JsonProcessingException e) {
            throw DataFiles.jsonError(file, e, expected);
        } catch (IOException e) {
            throw DataFiles.io(file, e);
        }
        if (root == null || (root.isObject() && root.isEmpty())) {
            throw DataFiles.empty(file, expected);
        }
        if (!root.isObject()) {
            throw DataFiles.format(file, 1, "top level is not an object", expected);
        }
        Map<String, RelationName> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            if (!v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).isTextual()) {
                throw new InfuseException("data-format", file + ": relation '" + e.getKey() + "' maps to " + v
                        + "; expected [\"name\", \"description\"]");
            }
            out.put(e.getKey(), new RelationName(v.get(0).asText(), v.get(1).asText()));
        }
        return out;
    }
}
