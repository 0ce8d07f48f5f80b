package dev.infuse.data;

import java.util.Arrays;
import java.util.List;

/**
 * One CoNLL-U sentence's syntactic words and basic dependency tree.
 *
 * @param forms word forms (column 2), one per syntactic word; multiword-token and empty-node lines
 *     are not words
 * @param heads {@code heads[i]} is the head of word {@code i + 1} (column 7): a 1-based word id, or
 *     0 for the root. The array is copied in and out.
 * @param relations dependency relations (column 8), one per word
 * @param comments the {@code #} lines before the sentence, verbatim
 */
public record DependencySentence(List<String> forms, int[] heads, List<String> relations, List<String> comments) {
    public DependencySentence {
        forms = List.copyOf(forms);
        heads = heads.clone();
        relations = List.copyOf(relations);
        comments = List.copyOf(comments);
        if (heads.length != forms.size() || relations.size() != forms.size()) {
            throw new IllegalArgumentException("forms, heads and relations differ in length");
        }
    }

    /** A copy of the heads. */
    @Override
    public int[] heads() {
        return heads.clone();
    }

    /** Head of word {@code i} (0-based word index): a 1-based word id or 0 for the root. */
    public int head(int i) {
        return heads[i];
    }

    /** Number of words. */
    public int size() {
        return forms.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DependencySentence s && s.forms.equals(forms) && Arrays.equals(s.heads, heads)
                && s.relations.equals(relations) && s.comments.equals(comments);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * forms.hashCode() + Arrays.hashCode(heads)) + relations.hashCode())
                + comments.hashCode();
    }

    @Override
    public String toString() {
        return "DependencySentence[forms=" + forms + ", heads=" + Arrays.toString(heads) + ", relations="
                + relations + ", comments=" + comments + "]";
    }
}
