package dev.infuse.data;

import com.fasterxml.jackson.databind.MappingIterator;
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

/**
 * Reader of Cosmos QA's CSV release ({@code valid.csv}): a header
 * {@code id,context,question,answer0,answer1,answer2,answer3,label} and one quoted record per
 * question (contexts may span lines); {@code label} is the index of the right answer, 0–3.
 */
public final class CosmosQa {
    static final String EXPECTED = "CSV with the header id,context,question,answer0,answer1,answer2,answer3,label";
    private static final List<String> COLUMNS = List.of("id", "context", "question", "answer0", "answer1", "answer2", "answer3",
            "label");
    /** The largest file read (bytes): the release's validation split is 3.6 MB. */
    static final long MAX_BYTES = 1L << 30;

    private CosmosQa() {}

    /** Reads every record; one {@code data-format} error names the file, line and column of a bad one. */
    public static ReadResult<MultipleChoiceExample> read(Path file) {
        DataFiles.requireFile(file);
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new InfuseException("data-format", file + ": " + Files.size(file) + " bytes; expected at most " + MAX_BYTES);
            }
        } catch (IOException e) {
            throw DataFiles.io(file, e);
        }
        CsvMapper csv = new CsvMapper();
        csv.enable(CsvParser.Feature.FAIL_ON_MISSING_COLUMNS);
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        List<MultipleChoiceExample> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file);
                MappingIterator<Map<String, String>> rows = csv.readerFor(Map.class).with(schema).readValues(in)) {
            CsvSchema header = null;
            while (rows.hasNextValue()) {
                long line = rows.getCurrentLocation() == null ? -1 : rows.getCurrentLocation().getLineNr();
                Map<String, String> r = rows.nextValue();
                if (header == null) {
                    header = (CsvSchema) rows.getParserSchema();
                    for (String c : COLUMNS) {
                        if (header.column(c) == null) {
                            throw new InfuseException("data-format", file + ": line 1: column '" + c + "' missing; expected "
                                    + EXPECTED);
                        }
                    }
                }
                String label = r.get("label");
                int y;
                try {
                    y = Integer.parseInt(label == null ? "" : label.strip());
                } catch (NumberFormatException e) {
                    throw DataFiles.format(file, line, "column 'label': '" + label + "'", "an answer index 0-3");
                }
                if (y < 0 || y > 3) {
                    throw DataFiles.format(file, line, "column 'label': " + y, "an answer index 0-3");
                }
                List<String> choices = List.of(r.get("answer0"), r.get("answer1"), r.get("answer2"), r.get("answer3"));
                out.add(new MultipleChoiceExample(r.get("id"), r.get("context"), r.get("question"), choices, y));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InfuseException("data-format", file + ": line " + e.getLocation().getLineNr() + ": not valid CSV ("
                    + e.getOriginalMessage() + "); expected " + EXPECTED);
        } catch (IOException e) {
            throw DataFiles.io(file, e);
        } catch (RuntimeException e) {
            if (e instanceof InfuseException) {
                throw e;
            }
            throw new InfuseException("data-format", file + ": not valid CSV (" + e.getMessage() + "); expected " + EXPECTED);
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, EXPECTED);
        }
        return new ReadResult<>(out, ReadReport.empty());
    }
}
