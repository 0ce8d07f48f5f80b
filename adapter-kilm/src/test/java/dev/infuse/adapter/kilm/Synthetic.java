package dev.infuse.adapter.kilm;

import java.util.ArrayList;
import java.util.List;

/** Entities whose descriptions follow from their class, over the tiny backbone's vocabulary. */
final class Synthetic {
    private Synthetic() {}

    static final String[][] CLASSES = {
        {"capital city of a country", "paris", "london", "berlin", "rome", "madrid", "moscow", "tokyo", "beijing"},
        {"month of the year", "january", "february", "march", "april", "june", "july", "august", "september", "october"},
        {"number", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"},
        {"language of people", "english", "french", "german", "italian", "spanish", "chinese", "japanese", "russian"},
    };

    private static final String[] CONTEXTS = {"", "the people of %s", "he was born in %s", "%s is known", ""};

    /** Every title with several contexts; ids {@code title-k}. */
    static List<EntityDescription> entities() {
        List<EntityDescription> out = new ArrayList<>();
        for (String[] c : CLASSES) {
            for (int t = 1; t < c.length; t++) {
                for (int k = 0; k < CONTEXTS.length; k++) {
                    String ctx = CONTEXTS[k].isEmpty() ? "" : String.format(CONTEXTS[k], c[t]);
                    out.add(new EntityDescription(c[t] + "-" + k, c[t], c[0], ctx));
                }
            }
        }
        return out;
    }

    /** The entity (title) an id belongs to: the split's group key. */
    static String title(EntityDescription e) {
        return e.title();
    }
}
