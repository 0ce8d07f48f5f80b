package dev.infuse.kg;

import java.util.Arrays;

/**
 * Triples as three parallel int arrays of entity/relation indices (head, relation, tail), the
 * compact form training and evaluation work on.
 */
public record Triples(int[] heads, int[] relations, int[] tails) {

    /** Checks the three arrays have the same length. */
    public Triples {
        if (heads.length != relations.length || heads.length != tails.length) {
            throw new IllegalArgumentException("heads, relations and tails differ in length: "
                    + heads.length + ", " + relations.length + ", " + tails.length);
        }
    }

    /** No triples. */
    public static Triples empty() {
        return new Triples(new int[0], new int[0], new int[0]);
    }

    /** Number of triples. */
    public int size() {
        return heads.length;
    }

    /** The first {@code n} triples (all when fewer). */
    public Triples head(int n) {
        int m = Math.min(n, size());
        return new Triples(Arrays.copyOf(heads, m), Arrays.copyOf(relations, m), Arrays.copyOf(tails, m));
    }

    /** Packs a triple into one long key for hash sets (entities &lt; 2^24, relations &lt; 2^16). */
    static long key(int h, int r, int t) {
        return ((long) h << 40) | ((long) r << 24) | t;
    }
}
