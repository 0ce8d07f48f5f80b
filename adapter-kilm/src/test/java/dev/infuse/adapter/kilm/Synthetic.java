package dev.infuse.adapter.kilm;

import dev.infuse.data.EntityDescription;

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

    /** Context templates per class: the context, not the (unseen) title, tells the class. */
    private static final String[][] CONTEXTS = {
        {"he went to %s", "the city of %s", "%s is a big city", "the people of %s"},
        {"born in %s", "early in %s", "last %s", "in %s of the year"},
        {"%s people", "%s years", "%s men", "the first %s"},
        {"they speak %s", "the %s language", "written in %s", "%s is spoken"},
    };

    /** Every title with one entity per context of its class; ids {@code title-k}. */
    static List<EntityDescription> entities() {
        List<EntityDescription> out = new ArrayList<>();
        for (int c = 0; c < CLASSES.length; c++) {
            for (int t = 1; t < CLASSES[c].length; t++) {
                for (int k = 0; k < CONTEXTS[c].length; k++) {
                    String title = CLASSES[c][t];
                    out.add(new EntityDescription(title + "-" + k, title, CLASSES[c][0], String.format(CONTEXTS[c][k], title)));
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
