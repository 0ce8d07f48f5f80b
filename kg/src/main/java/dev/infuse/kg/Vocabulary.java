package dev.infuse.kg;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An ordered set of string ids (entities or relations), each with a dense int index from 0. */
public final class Vocabulary {
    private final List<String> ids = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();

    /** An empty vocabulary. */
    public Vocabulary() {}

    /** A vocabulary holding {@code ids} in this order; duplicates are refused. */
    public static Vocabulary of(List<String> ids) {
        Vocabulary v = new Vocabulary();
        for (String id : ids) {
            if (v.index.containsKey(id)) {
                throw new IllegalArgumentException("duplicate id '" + id + "'");
            }
            v.add(id);
        }
        return v;
    }

    /** The index of {@code id}, adding it at the end when new. */
    public int add(String id) {
        Integer i = index.get(id);
        if (i != null) {
            return i;
        }
        int n = ids.size();
        ids.add(id);
        index.put(id, n);
        return n;
    }

    /** The index of {@code id}, or -1 when unknown. */
    public int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /** The id at {@code index}. */
    public String id(int index) {
        return ids.get(index);
    }

    /** Number of ids. */
    public int size() {
        return ids.size();
    }

    /** The ids in index order (unmodifiable view). */
    public List<String> ids() {
        return Collections.unmodifiableList(ids);
    }
}
