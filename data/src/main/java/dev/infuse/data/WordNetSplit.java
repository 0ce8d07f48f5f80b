package dev.infuse.data;

import dev.infuse.spi.InfuseException;

/**
 * The project's one entity-level split of WordNet synsets: a synset with offset {@code o} is held
 * out (never trained on) iff {@code Math.floorMod(Long.hashCode(o * 0x9E3779B97F4A7C15L), 5) == 0},
 * about a fifth of all synsets. The rule depends on the offset alone (no seed, no file order), so
 * every task and pretraining run that reads WordNet holds out the same synsets. It is applied to
 * WordNet 3.1 offsets (the embedded dictionary) and, on the numeric id, to WN18RR's entity ids
 * (WordNet 3.0 offsets).
 */
public final class WordNetSplit {
    private WordNetSplit() {}

    /** Fibonacci hashing constant (2^64 / golden ratio): spreads neighbouring offsets. */
    private static final long MIX = 0x9E3779B97F4A7C15L;

    /** Whether the synset with this offset belongs to the held-out fifth. */
    public static boolean isHeldOut(long offset) {
        return Math.floorMod(Long.hashCode(offset * MIX), 5) == 0;
    }

    /** As {@link #isHeldOut(long)} for an entity id, whose offset is read by {@link #offsetOf}. */
    public static boolean isHeldOut(String entityId) {
        return isHeldOut(offsetOf(entityId));
    }

    /**
     * The synset offset in an entity id: the id itself when it is all digits (WN18RR,
     * {@code 08769179}), or the digits after the last {@code -} ({@code wn31-n-00001740}).
     *
     * @throws InfuseException {@code data-format} if the id carries no offset
     */
    public static long offsetOf(String entityId) {
        String digits = entityId.substring(entityId.lastIndexOf('-') + 1).trim();
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InfuseException("data-format", "entity id '" + entityId
                    + "' carries no WordNet offset (expected digits such as 08769179 or wn31-n-00001740)");
        }
        return Long.parseLong(digits);
    }
}
