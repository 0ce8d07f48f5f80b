package dev.infuse.data;

/**
 * The split of WordNet synsets into training and held-out synsets shared by every WordNet-derived
 * task and knowledge source: a synset with offset {@code o} is held out iff
 * {@code Math.floorMod(Long.hashCode(o * 0x9E3779B97F4A7C15L), 5) == 0} (about one in five).
 *
 * <p>The rule depends on the offset alone, so it is the same in every run, module and data set
 * size; the multiplication by the 64-bit golden-ratio constant spreads neighbouring offsets (which
 * lie in one lexicographer file) over both sides.
 */
public final class WordNetSplit {
    private WordNetSplit() {}

    /** Whether the synset at {@code offset} is held out (evaluation only). */
    public static boolean isHeldOut(long offset) {
        return Math.floorMod(Long.hashCode(offset * 0x9E3779B97F4A7C15L), 5) == 0;
    }
}
