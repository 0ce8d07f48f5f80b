package dev.infuse.tasks;

import dev.infuse.data.Span;
import dev.infuse.spi.EntityMention;
import dev.infuse.spi.KnowledgeAdapter;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a sentence with entity markers around spans, remembering where each start marker is (so
 * its token can be found after tokenisation), and letting input-side adapters insert their
 * pseudo-tokens in front of each mention ({@link KnowledgeAdapter#mentionPrefix}), inside the
 * markers: {@code @ [E] / mention @}.
 */
final class MarkedText {
    final String text;
    final int[] markerOffsets;
    /** The mentions as placed in {@link #text}, in the order of the spans given. */
    final List<EntityMention> mentions;
    /** Mentions for which no adapter inserted anything although some adapter could. */
    final int unlinked;
    /** Whether an adapter placed a prefix before each mention. */
    final boolean[] prefixed;

    private MarkedText(String text, int[] markerOffsets, List<EntityMention> mentions, int unlinked, String[] prefixes) {
        this.text = text;
        this.markerOffsets = markerOffsets;
        this.mentions = mentions;
        this.unlinked = unlinked;
        this.prefixed = new boolean[prefixes.length];
        for (int k = 0; k < prefixes.length; k++) {
            prefixed[k] = !prefixes[k].isEmpty();
        }
    }

    /** Joins {@code tokens} with spaces, wrapping token span {@code spans[k]} in {@code markers[k]}. */
    static MarkedText ofTokens(List<String> tokens, Span[] spans, String[] markers, String[] ids, List<KnowledgeAdapter> adapters) {
        StringBuilder s = new StringBuilder();
        int[] offsets = new int[spans.length];
        int[] mentionStart = new int[spans.length];
        int[] mentionEnd = new int[spans.length];
        String[] prefixes = new String[spans.length];
        int unlinked = 0;
        for (int k = 0; k < spans.length; k++) {
            String surface = String.join(" ", tokens.subList(spans[k].start(), spans[k].end()));
            prefixes[k] = prefix(adapters, new EntityMention(0, surface.length(), ids == null ? null : ids[k], surface));
            unlinked += prefixes[k].isEmpty() && injects(adapters) ? 1 : 0;
        }
        for (int i = 0; i < tokens.size(); i++) {
            for (int k = 0; k < spans.length; k++) {
                if (spans[k].start() == i) {
                    sep(s);
                    offsets[k] = s.length();
                    if (!markers[k].isEmpty()) {
                        s.append(markers[k]);
                        sep(s);
                    }
                    s.append(prefixes[k]);
                    mentionStart[k] = s.length();
                }
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ' ') {
                s.append(' ');
            }
            s.append(tokens.get(i));
            for (int k = spans.length - 1; k >= 0; k--) {
                if (spans[k].end() - 1 == i) {
                    mentionEnd[k] = s.length();
                    if (!markers[k].isEmpty()) {
                        sep(s);
                        s.append(markers[k]);
                    }
                }
            }
        }
        return new MarkedText(s.toString(), offsets, placed(s.toString(), mentionStart, mentionEnd, ids), unlinked, prefixes);
    }

    /** Inserts markers (and adapters' prefixes) around character spans of {@code text}. */
    static MarkedText ofChars(String text, Span[] spans, String[] markers, String[] ids, List<KnowledgeAdapter> adapters) {
        StringBuilder s = new StringBuilder();
        int[] offsets = new int[spans.length];
        int[] mentionStart = new int[spans.length];
        int[] mentionEnd = new int[spans.length];
        int unlinked = 0;
        String[] prefixes = new String[spans.length];
        for (int k = 0; k < spans.length; k++) {
            String surface = text.substring(spans[k].start(), spans[k].end());
            prefixes[k] = prefix(adapters, new EntityMention(0, surface.length(), ids == null ? null : ids[k], surface));
            unlinked += prefixes[k].isEmpty() && injects(adapters) ? 1 : 0;
        }
        for (int c = 0; c <= text.length(); c++) {
            for (int k = spans.length - 1; k >= 0; k--) {
                if (spans[k].end() == c) {
                    mentionEnd[k] = s.length();
                    s.append(' ').append(markers[k]).append(' ');
                }
            }
            for (int k = 0; k < spans.length; k++) {
                if (spans[k].start() == c) {
                    s.append(' ');
                    offsets[k] = s.length();
                    s.append(markers[k]).append(' ').append(prefixes[k]);
                    mentionStart[k] = s.length();
                }
            }
            if (c < text.length()) {
                s.append(text.charAt(c));
            }
        }
        return new MarkedText(s.toString(), offsets, placed(s.toString(), mentionStart, mentionEnd, ids), unlinked, prefixes);
    }

    private static List<EntityMention> placed(String text, int[] start, int[] end, String[] ids) {
        List<EntityMention> out = new ArrayList<>();
        for (int k = 0; k < start.length; k++) {
            out.add(new EntityMention(start[k], end[k], ids == null ? null : ids[k], text.substring(start[k], end[k])));
        }
        return out;
    }

    static String prefix(List<KnowledgeAdapter> adapters, EntityMention m) {
        StringBuilder p = new StringBuilder();
        for (KnowledgeAdapter a : adapters) {
            String x = a.mentionPrefix(m);
            if (!x.isEmpty()) {
                p.append(x);
                if (!x.endsWith(" ")) {
                    p.append(' ');
                }
            }
        }
        return p.toString();
    }

    /** Whether any adapter places text before mentions at all. */
    static boolean injects(List<KnowledgeAdapter> adapters) {
        for (KnowledgeAdapter a : adapters) {
            try {
                if (a.getClass().getMethod("mentionPrefix", EntityMention.class).getDeclaringClass() != KnowledgeAdapter.class) {
                    return true;
                }
            } catch (NoSuchMethodException e) {
                return true;
            }
        }
        return false;
    }

    private static void sep(StringBuilder s) {
        if (s.length() > 0 && s.charAt(s.length() - 1) != ' ') {
            s.append(' ');
        }
    }
}
