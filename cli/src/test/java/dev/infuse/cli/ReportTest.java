package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.TrainingReport;
import dev.infuse.tasks.TaskRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-line summary of a run: rates as percentages, counts and flags as they are. */
class ReportTest {
    @Test
    void ratesPrintAsPercentagesAndCountsAsCountsEvenWhenTheyAreOne() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("p_at_1", 0.0212);
        metrics.put("relations", 1.0);
        metrics.put("facts", 659.0);
        metrics.put("text_markers", 0.0);
        metrics.put("accuracy", 1.0);
        var result = new TaskRunner.RunResult("wn-hypernym", metrics, new TrainingReport(List.of(), 0, metrics, false, 0), 0, 10,
                Map.of(), Map.of(), 1.0, Path.of("out"));
        StringWriter text = new StringWriter();
        Report.print(new PrintWriter(text, true), result);
        // A rate of 1 is 100 %; a count of 1 relation is 1.
        assertThat(text.toString()).startsWith("task wn-hypernym: p_at_1 2.12, relations 1, facts 659, text_markers 0, accuracy 100.00 ");
    }
}
