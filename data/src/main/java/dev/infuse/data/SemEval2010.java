package dev.infuse.data;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reader for SemEval-2010 Task 8 files and the answer-key format of its official scorer.
 *
 * <p>Labelled layout ({@code TRAIN_FILE.TXT}, {@code TEST_FILE_FULL.TXT}), four lines per example,
 * CRLF or LF:
 *
 * <pre>
 * 1&lt;TAB&gt;"The ... &lt;e1&gt;configuration&lt;/e1&gt; of antenna &lt;e2&gt;elements&lt;/e2&gt;."
 * Component-Whole(e2,e1)
 * Comment: ...
 * (blank line)
 * </pre>
 *
 * The {@code Comment} line is optional; extra blank lines between examples are ignored. The
 * unlabelled test layout ({@code TEST_FILE.TXT}) has only sentence lines: read it with
 * {@link #readUnlabelled(Path)}. Each sentence must hold exactly one {@code <e1>..</e1>} and one
 * {@code <e2>..</e2>}, not nested in each other; labels must be one of the 19 {@link #LABELS}.
 */
public final class SemEval2010 {
    /** The 9 relation types, without direction, in the scorer's sorted order. */
    public static final List<String> RELATION_TYPES = List.of("Cause-Effect", "Component-Whole",
            "Content-Container", "Entity-Destination", "Entity-Origin", "Instrument-Agency", "Member-Collection",
            "Message-Topic", "Product-Producer");

    /** The label for "no relation". */
    public static final String OTHER = "Other";

    /** The 19 labels: each type in both directions, then {@code Other}. */
    public static final List<String> LABELS;

    static {
        List<String> labels = new ArrayList<>();
        for (String t : RELATION_TYPES) {
            labels.add(t + "(e1,e2)");
            labels.add(t + "(e2,e1)");
        }
        labels.add(OTHER);
        LABELS = List.copyOf(labels);
    }

    private static final Set<String> LABEL_SET = Set.copyOf(LABELS);
    private static final Pattern SENTENCE = Pattern.compile("^(\\d+)\\t\"(.*)\"$");
    private static final Pattern ANSWER = Pattern.compile("^(\\d+)\\t(.+)$");
    private static final String EXPECTED_SENTENCE = "<id><TAB>\"sentence with <e1>..</e1> and <e2>..</e2>\"";

    private SemEval2010() {}

    /** The relation type of a label without its direction ({@code Other} stays {@code Other}). */
    public static String relationType(String label) {
        int paren = label.indexOf('(');
        return paren < 0 ? label : label.substring(0, paren);
    }

    /** Whether {@code label} is one of the 19 labels. */
    public static boolean isLabel(String label) {
        return LABEL_SET.contains(label);
    }

    /** Reads a labelled file (training or full test layout). */
    public static ReadResult<SemEvalExample> read(Path file) {
        return read(file, true);
    }

    /** Reads the unlabelled test layout: one sentence line per example; labels are {@code null}. */
    public static ReadResult<SemEvalExample> readUnlabelled(Path file) {
        return read(file, false);
    }

    private static ReadResult<SemEvalExample> read(Path file, boolean labelled) {
        List<SemEvalExample> out = new ArrayList<>();
        Set<String> ids = new java.util.HashSet<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long n = lines.lineNumber();
                Matcher m = SENTENCE.matcher(line);
                if (!m.matches()) {
                    throw DataFiles.format(file, n, "not a sentence line: '" + abbreviate(line) + "'", EXPECTED_SENTENCE);
                }
                String id = m.group(1);
                if (!ids.add(id)) {
                    throw DataFiles.format(file, n, "id " + id + " appears twice", "unique ids");
                }
                String label = null;
                if (labelled) {
                    String labelLine = lines.next();
                    long ln = lines.lineNumber();
                    if (labelLine == null || labelLine.isBlank()) {
                        throw DataFiles.format(file, labelLine == null ? n : ln, "label line missing after sentence " + id,
                                "one of the 19 labels, e.g. Component-Whole(e2,e1) or Other");
                    }
                    label = labelLine.strip();
                    if (!LABEL_SET.contains(label)) {
                        throw DataFiles.format(file, ln, "unknown label '" + abbreviate(label) + "'",
                                "one of the 19 labels, e.g. Component-Whole(e2,e1) or Other");
                    }
                    String comment = lines.next();
                    if (comment != null && !comment.isBlank() && !comment.startsWith("Comment")) {
                        throw DataFiles.format(file, lines.lineNumber(), "unexpected line '" + abbreviate(comment) + "'",
                                "a 'Comment:' line or a blank line after the label");
                    }
                }
                out.add(parseSentence(file, n, id, m.group(2), label));
            }
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, EXPECTED_SENTENCE);
        }
        return new ReadResult<>(out, ReadReport.empty());
    }

    /** Removes the four markers, recording where each nominal starts and ends in the clean text. */
    static SemEvalExample parseSentence(Path file, long line, String id, String marked, String label) {
        StringBuilder clean = new StringBuilder(marked.length());
        int[] pos = {-1, -1, -1, -1}; // e1 start, e1 end, e2 start, e2 end
        String[] tags = {"<e1>", "</e1>", "<e2>", "</e2>"};
        int i = 0;
        while (i < marked.length()) {
            int tag = -1;
            if (marked.charAt(i) == '<') {
                for (int k = 0; k < tags.length; k++) {
                    if (marked.startsWith(tags[k], i)) {
                        tag = k;
                        break;
                    }
                }
            }
            if (tag < 0) {
                clean.append(marked.charAt(i));
                i++;
                continue;
            }
            if (pos[tag] >= 0) {
                throw DataFiles.format(file, line, "marker " + tags[tag] + " appears twice in sentence " + id,
                        "exactly one <e1>..</e1> and one <e2>..</e2>");
            }
            boolean closing = (tag & 1) == 1;
            if (closing && pos[tag - 1] < 0) {
                throw DataFiles.format(file, line, "marker " + tags[tag] + " before its opening marker in sentence " + id,
                        "balanced <e1>..</e1> and <e2>..</e2>");
            }
            pos[tag] = clean.length();
            i += tags[tag].length();
        }
        for (int k = 0; k < tags.length; k++) {
            if (pos[k] < 0) {
                throw DataFiles.format(file, line, "marker " + tags[k] + " missing in sentence " + id,
                        "exactly one <e1>..</e1> and one <e2>..</e2>");
            }
        }
        if (pos[1] == pos[0] || pos[3] == pos[2]) {
            throw DataFiles.format(file, line, "empty nominal in sentence " + id, "text between <e1>..</e1> and <e2>..</e2>");
        }
        Span e1 = new Span(pos[0], pos[1]);
        Span e2 = new Span(pos[2], pos[3]);
        // Nesting or interleaving shows as overlapping spans, or one opening inside the other.
        boolean nested = e1.overlaps(e2) || (pos[2] >= pos[0] && pos[2] < pos[1]) || (pos[0] >= pos[2] && pos[0] < pos[3]);
        if (nested) {
            throw DataFiles.format(file, line, "<e1> and <e2> overlap in sentence " + id, "two separate nominals");
        }
        return new SemEvalExample(id, clean.toString(), e1, e2, label);
    }

    /**
     * Writes an answer key / proposed-answers file for the official scorer: {@code id<TAB>label}, one
     * per line, in map order, LF line endings. Ids must be numeric and labels among {@link #LABELS}
     * (the scorer refuses anything else). Written atomically.
     */
    public static void writeAnswers(Path file, Map<String, String> idToLabel) {
        for (Map.Entry<String, String> e : idToLabel.entrySet()) {
            if (!e.getKey().matches("\\d+")) {
                throw new InfuseException("data-format", file + ": id '" + e.getKey() + "' is not numeric; "
                        + "expected the numeric SemEval sentence id");
            }
            if (!LABEL_SET.contains(e.getValue())) {
                throw new InfuseException("data-format", file + ": label '" + e.getValue() + "' of id " + e.getKey()
                        + " is unknown; expected one of the 19 SemEval-2010 Task 8 labels");
            }
        }
        DataFiles.writeAtomically(file, w -> {
            for (Map.Entry<String, String> e : idToLabel.entrySet()) {
                w.write(e.getKey());
                w.write('\t');
                w.write(e.getValue());
                w.write('\n');
            }
        });
    }

    /** Reads an answer-key file ({@code id<TAB>label} lines), keeping file order. */
    public static Map<String, String> readAnswers(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long n = lines.lineNumber();
                Matcher m = ANSWER.matcher(line);
                if (!m.matches()) {
                    throw DataFiles.format(file, n, "not an answer line: '" + abbreviate(line) + "'", "<id><TAB><label>");
                }
                String label = m.group(2).strip();
                if (!LABEL_SET.contains(label)) {
                    throw DataFiles.format(file, n, "unknown label '" + abbreviate(label) + "'",
                            "one of the 19 SemEval-2010 Task 8 labels");
                }
                if (out.put(m.group(1), label) != null) {
                    throw DataFiles.format(file, n, "id " + m.group(1) + " appears twice", "unique ids");
                }
            }
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, "<id><TAB><label> lines");
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
