package dev.infuse.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reader for Open Entity (ultra-fine entity typing, crowd split) JSON lines: one object per line
 * with {@code y_str} (labels), {@code mention_span} (the mention as space-separated tokens),
 * {@code left_context_token} and {@code right_context_token} (token arrays) and optional
 * {@code annot_id}.
 *
 * <p>Labels are filtered to the 9 {@link #GENERAL_TYPES} used by K-Adapter and ERNIE. Examples whose
 * filtered label set is empty are kept with no labels, as K-Adapter keeps them (they still count
 * in micro precision through false positives); they are counted under
 * {@code "no-general-type"}.
 */
public final class OpenEntity {
    /** The 9 general types, in the order labels are reported. */
    public static final List<String> GENERAL_TYPES =
            List.of("entity", "event", "group", "location", "object", "organization", "person", "place", "time");

    private static final String EXPECTED = "a JSON object with y_str, mention_span, left_context_token, "
            + "right_context_token";

    private OpenEntity() {}

    /** Reads all examples, filtering labels to {@link #GENERAL_TYPES}. */
    public static ReadResult<EntityTypingExample> read(Path file) {
        ReadReport.Tally tally = new ReadReport.Tally();
        List<EntityTypingExample> out = new ArrayList<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long n = lines.lineNumber();
                JsonNode node = DataFiles.parseLine(file, n, line, EXPECTED);
                DataFiles.Where where = new DataFiles.Where(file, n, null);
                List<String> raw = where.strings(node, "y_str");
                String mention = where.text(node, "mention_span").strip();
                if (mention.isEmpty()) {
                    throw where.error("mention_span", "is empty", "the mention's tokens separated by spaces");
                }
                List<String> left = where.strings(node, "left_context_token");
                List<String> right = where.strings(node, "right_context_token");
                List<String> mentionTokens = Arrays.asList(mention.split("\\s+"));
                List<String> tokens = new ArrayList<>(left.size() + mentionTokens.size() + right.size());
                tokens.addAll(left);
                tokens.addAll(mentionTokens);
                tokens.addAll(right);
                Set<String> present = new HashSet<>(raw);
                List<String> labels = new ArrayList<>();
                for (String t : GENERAL_TYPES) {
                    if (present.contains(t)) {
                        labels.add(t);
                    }
                }
                if (labels.isEmpty()) {
                    tally.add("no-general-type");
                }
                String id = where.optionalText(node, "annot_id");
                out.add(new EntityTypingExample(id == null ? "line " + n : id, tokens,
                        new Span(left.size(), left.size() + mentionTokens.size()), labels, raw));
            }
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, "JSON lines, each " + EXPECTED);
        }
        return new ReadResult<>(out, tally.report());
    }
}
