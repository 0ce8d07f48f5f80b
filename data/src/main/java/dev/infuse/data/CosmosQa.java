package dev.infuse.data;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader of Cosmos QA's CSV release ({@code valid.csv}): a header
 * {@code id,context,question,answer0,answer1,answer2,answer3,label} and one quoted record per
 * question (contexts may span lines); {@code label} is the index of the right answer, 0–3. Read by
 * {@link Tables}, so bad input gets the same errors as a CSV task file's.
 */
public final class CosmosQa {
    private static final Map<String, Tables.Kind> COLUMNS = new LinkedHashMap<>();

    static {
        for (String c : List.of("id", "context", "question", "answer0", "answer1", "answer2", "answer3")) {
            COLUMNS.put(c, Tables.Kind.TEXT);
        }
        COLUMNS.put("label", Tables.Kind.INTEGER);
    }

    private CosmosQa() {}

    /** Reads every record; one {@code data-format} error names the file, line and column of a bad one. */
    public static ReadResult<MultipleChoiceExample> read(Path file) {
        List<MultipleChoiceExample> out = Tables.read(file, Tables.Format.CSV, COLUMNS, r -> {
            int y = r.integer("label");
            if (y < 0 || y > 3) {
                throw r.error("label", "is " + y, "an answer index 0-3");
            }
            List<String> choices = List.of(r.text("answer0"), r.text("answer1"), r.text("answer2"), r.text("answer3"));
            return new MultipleChoiceExample(r.text("id"), r.text("context"), r.text("question"), choices, y);
        });
        return new ReadResult<>(out, ReadReport.empty());
    }
}
