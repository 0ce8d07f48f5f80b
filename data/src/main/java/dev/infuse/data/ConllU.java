package dev.infuse.data;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader and head-replacing writer for CoNLL-U (Universal Dependencies).
 *
 * <p>Reading: lines starting with {@code #} are comments; a sentence is a run of token lines ended
 * by a blank line or the end of the file. Every token line has 10 tab-separated columns.
 * Multiword-token lines ({@code 1-2}) and empty nodes ({@code 1.1}) are skipped and counted under
 * {@code "multiword-token-lines"} and {@code "empty-node-lines"}; word ids must run 1, 2, 3, ...;
 * HEAD (column 7) must be an integer in {@code [0, words]}.
 *
 * <p>Writing ({@link #writeWithHeads}): the original file is copied line by line, and on every word
 * line only column 7 (HEAD) is replaced by the prediction. DEPREL (column 8) and DEPS (column 9)
 * keep the original values: the UD evaluation script scores UAS from HEAD alone, so the file can be
 * scored for UAS directly (LAS from such a file is meaningless). Comments, multiword tokens and
 * empty nodes are copied unchanged. The script also refuses trees with several roots or cycles, so
 * predictions meant for it must be decoded into trees first; the writer only checks ranges.
 */
public final class ConllU {
    private static final String EXPECTED_LINE = "10 tab-separated CoNLL-U columns";

    private ConllU() {}

    /** Reads all sentences. */
    public static ReadResult<DependencySentence> read(Path file) {
        ReadReport.Tally tally = new ReadReport.Tally();
        List<DependencySentence> out = new ArrayList<>();
        Builder b = new Builder();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                long n = lines.lineNumber();
                if (line.isBlank()) {
                    b.finish(file, n, out);
                    continue;
                }
                if (line.startsWith("#")) {
                    if (!b.forms.isEmpty()) {
                        throw DataFiles.format(file, n, "comment line inside a sentence",
                                "comments only before a sentence's first token line");
                    }
                    b.comments.add(line);
                    continue;
                }
                String[] cols = line.split("\t", -1);
                if (cols.length != 10) {
                    throw DataFiles.format(file, n, cols.length + " columns", EXPECTED_LINE);
                }
                String id = cols[0];
                if (id.indexOf('-') > 0) {
                    tally.add("multiword-token-lines");
                    continue;
                }
                if (id.indexOf('.') > 0) {
                    tally.add("empty-node-lines");
                    continue;
                }
                int wordId = parseInt(id);
                if (wordId != b.forms.size() + 1) {
                    throw DataFiles.format(file, n, "word id '" + id + "'", "word id " + (b.forms.size() + 1));
                }
                int head = parseInt(cols[6]);
                if (head < 0) {
                    throw DataFiles.format(file, n, "HEAD (column 7) '" + cols[6] + "' is not a word id",
                            "a non-negative integer (0 = root)");
                }
                b.forms.add(cols[1]);
                b.heads.add(head);
                b.headLines.add(n);
                b.relations.add(cols[7]);
            }
            b.finish(file, lines.lineNumber(), out);
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, "CoNLL-U sentences");
        }
        return new ReadResult<>(out, tally.report());
    }

    /** -1 unless {@code s} is a plain non-negative decimal integer. */
    private static int parseInt(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(s);
    }

    private static final class Builder {
        final List<String> comments = new ArrayList<>();
        final List<String> forms = new ArrayList<>();
        final List<Integer> heads = new ArrayList<>();
        final List<Long> headLines = new ArrayList<>();
        final List<String> relations = new ArrayList<>();

        void finish(Path file, long line, List<DependencySentence> out) {
            if (forms.isEmpty()) {
                if (!comments.isEmpty()) {
                    throw DataFiles.format(file, line, "comment lines not followed by any word line",
                            "a sentence after its comments");
                }
                return;
            }
            int[] h = new int[forms.size()];
            for (int i = 0; i < h.length; i++) {
                h[i] = heads.get(i);
                if (h[i] > h.length) {
                    throw DataFiles.format(file, headLines.get(i), "HEAD " + h[i] + " out of range",
                            "a head in [0, " + h.length + "] for a sentence of " + h.length + " words");
                }
            }
            out.add(new DependencySentence(forms, h, relations, comments));
            comments.clear();
            forms.clear();
            heads.clear();
            headLines.clear();
            relations.clear();
        }
    }

    /**
     * Copies {@code original} to {@code target}, replacing HEAD (column 7) on every word line with
     * {@code predictedHeads.get(sentence)[word]} (1-based word id, 0 = root). The number of
     * sentences and of words per sentence must match the original. Written atomically, LF line
     * endings, a blank line after every sentence.
     */
    public static void writeWithHeads(Path original, Path target, List<int[]> predictedHeads) {
        DataFiles.writeAtomically(target, w -> {
            try (DataFiles.LineReader lines = new DataFiles.LineReader(original)) {
                int sentence = 0;
                int word = 0;
                String line;
                boolean lastBlank = true;
                while ((line = lines.next()) != null) {
                    if (line.isBlank()) {
                        if (word > 0) {
                            checkSentenceEnd(original, lines.lineNumber(), predictedHeads, sentence, word);
                            sentence++;
                            word = 0;
                        }
                        w.write('\n');
                        lastBlank = true;
                        continue;
                    }
                    lastBlank = false;
                    String[] cols = line.startsWith("#") ? null : line.split("\t", -1);
                    if (cols == null || cols[0].indexOf('-') > 0 || cols[0].indexOf('.') > 0) {
                        w.write(line);
                        w.write('\n');
                        continue;
                    }
                    if (cols.length != 10) {
                        throw DataFiles.format(original, lines.lineNumber(), cols.length + " columns", EXPECTED_LINE);
                    }
                    if (sentence >= predictedHeads.size()) {
                        throw mismatch(original, "has more than the " + predictedHeads.size() + " predicted sentences");
                    }
                    int[] heads = predictedHeads.get(sentence);
                    if (word >= heads.length) {
                        throw mismatch(original, "sentence " + (sentence + 1) + " has more than the " + heads.length
                                + " predicted words");
                    }
                    int h = heads[word];
                    if (h < 0 || h > heads.length) {
                        throw new InfuseException("data-format", "predicted head " + h + " of word " + (word + 1)
                                + " in sentence " + (sentence + 1) + " is out of range; expected 0.." + heads.length);
                    }
                    cols[6] = Integer.toString(h);
                    w.write(String.join("\t", cols));
                    w.write('\n');
                    word++;
                }
                if (word > 0) {
                    checkSentenceEnd(original, lines.lineNumber(), predictedHeads, sentence, word);
                    sentence++;
                }
                if (!lastBlank) {
                    w.write('\n');
                }
                if (sentence != predictedHeads.size()) {
                    throw mismatch(original, "has " + sentence + " sentences but " + predictedHeads.size()
                            + " were predicted");
                }
            }
        });
    }

    private static void checkSentenceEnd(Path file, long line, List<int[]> predicted, int sentence, int words) {
        if (predicted.get(sentence).length != words) {
            throw mismatch(file, "sentence " + (sentence + 1) + " (ending at line " + line + ") has " + words
                    + " words but " + predicted.get(sentence).length + " heads were predicted");
        }
    }

    private static InfuseException mismatch(Path file, String what) {
        return new InfuseException("data-mismatch", file + ": " + what + "; expected one predicted head per word");
    }
}
