package dev.infuse.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Seeded, reproducible train/dev splits.
 *
 * <p>The rule: each item belongs to a group ({@code groupKey}, or its own position in the list when
 * no key is given); the distinct group keys are sorted (natural {@code String} order), shuffled by
 * Fisher–Yates with {@code new SplittableRandom(seed)}, and whole groups are moved to dev in that
 * order while dev holds fewer than {@code round(devFraction * size)} items. Both sides keep the
 * input order. With a key, the result depends only on the items' keys and the seed, not on the
 * input order of groups; the same inputs give the same split on every run and JVM.
 */
public final class Splits {
    private Splits() {}

    /**
     * A train/dev split.
     *
     * @param train training items, in input order
     * @param dev development items, in input order
     * @param <T> item type
     */
    public record Split<T>(List<T> train, List<T> dev) {
        public Split {
            train = List.copyOf(train);
            dev = List.copyOf(dev);
        }
    }

    /**
     * Splits {@code items} (see the class comment for the rule).
     *
     * @param devFraction fraction of items for dev, in {@code [0, 1]}
     * @param seed shuffle seed
     * @param groupKey group of an item (items of one group stay together, e.g. an entity id), or
     *     {@code null} to split item by item
     */
    public static <T> Split<T> trainDev(List<T> items, double devFraction, long seed, Function<T, String> groupKey) {
        if (!(devFraction >= 0 && devFraction <= 1)) {
            throw new IllegalArgumentException("devFraction " + devFraction + " is not in [0, 1]");
        }
        List<String> keys = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String k = groupKey == null ? String.format("%012d", i) : groupKey.apply(items.get(i));
            if (k == null) {
                throw new IllegalArgumentException("group key of item " + i + " is null");
            }
            keys.add(k);
        }
        List<String> groups = new ArrayList<>(new TreeSet<>(keys));
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = groups.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String t = groups.get(i);
            groups.set(i, groups.get(j));
            groups.set(j, t);
        }
        Map<String, Integer> sizes = new HashMap<>();
        for (String k : keys) {
            sizes.merge(k, 1, Integer::sum);
        }
        long target = Math.round(devFraction * items.size());
        Set<String> devGroups = new HashSet<>();
        long devSize = 0;
        for (String g : groups) {
            if (devSize >= target) {
                break;
            }
            devGroups.add(g);
            devSize += sizes.get(g);
        }
        List<T> train = new ArrayList<>();
        List<T> dev = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            (devGroups.contains(keys.get(i)) ? dev : train).add(items.get(i));
        }
        return new Split<>(train, dev);
    }
}
