package dev.infuse.adapter.kilm;

import java.util.Locale;

/** Finding an entity's title inside a sentence as a whole word or phrase. */
final class Mentions {
    private Mentions() {}

    /**
     * The first case-insensitive occurrence of {@code title} in {@code sentence} that is not part of
     * a longer word; a plural or inflected form that merely starts with the title counts too
     * ({@code city} in {@code cities} does not, {@code river} in {@code rivers} does).
     *
     * @return {@code {start, end}} character offsets of the matched word, or null
     */
    static int[] find(String sentence, String title) {
        if (title.isBlank()) {
            return null;
        }
        String s = sentence.toLowerCase(Locale.ROOT);
        String t = title.toLowerCase(Locale.ROOT);
        int from = 0;
        while (true) {
            int at = s.indexOf(t, from);
            if (at < 0) {
                return null;
            }
            boolean startOk = at == 0 || !Character.isLetterOrDigit(s.charAt(at - 1));
            if (startOk) {
                int end = at + t.length();
                // Extend over a short inflection (-s, -es, -ed, -ing ...), at most three letters.
                int extended = end;
                while (extended < s.length() && Character.isLetter(s.charAt(extended)) && extended - end < 3) {
                    extended++;
                }
                if (extended == s.length() || !Character.isLetterOrDigit(s.charAt(extended))) {
                    return new int[] {at, extended};
                }
            }
            from = at + 1;
        }
    }
}
