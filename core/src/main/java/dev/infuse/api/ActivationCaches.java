package dev.infuse.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The activation caches under one root ({@code <cache>/activations}): what they hold, how much disk they take and
 * when each was last read, and pruning by age or total size. A study over a large data set leaves gigabytes per
 * data set and adapter; nothing is deleted unless asked.
 *
 * <p>A cache's last use is the modification time of its {@code cache.json}, which every open refreshes (a
 * read-only cache keeps the time it was written). Pruning deletes whole caches, least recently used first;
 * a process that has a deleted cache open keeps reading it (its files are memory-mapped and stay until
 * unmapped, where the platform allows deleting open files; elsewhere the cache is kept and reported). Fills
 * in progress are never touched; interrupted ones are deleted once none of their files changed for 30 minutes.
 */
public final class ActivationCaches {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ActivationCaches() {}

    /**
     * One folder under the root.
     *
     * @param complete false for the temporary folder of a fill (in progress or interrupted), or a cache folder
     *     whose deletion was interrupted (no {@code cache.json} left)
     * @param precision the backbone's precision ({@code fp32}, {@code bf16}); empty for a fill
     * @param taps the cached hidden-state taps
     * @param sides the cached frozen side adapters' outputs (a study's methods), empty for a tap cache
     * @param examples cached texts (0 for a fill)
     * @param bytes disk taken by the folder's files
     * @param lastUsed last open (complete cache) or last write (fill)
     */
    public record Entry(Path folder, boolean complete, String precision, List<Integer> taps, List<String> sides,
            long examples, long bytes, Instant lastUsed) {
        public Entry {
            taps = List.copyOf(taps);
            sides = List.copyOf(sides);
        }
    }

    /** Every cache and fill under {@code root}, least recently used first; empty when the root does not exist. */
    public static List<Entry> list(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path f : s.filter(Files::isDirectory).sorted().toList()) {
                Entry e = entry(f);
                if (e != null) {
                    out.add(e);
                }
            }
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "activation caches under " + root + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Entry::lastUsed).thenComparing(Entry::folder));
        return out;
    }

    /**
     * Deletes caches not used for {@code unusedFor}, then the least recently used ones until the rest take at most
     * {@code maxBytes}, and every interrupted fill. Fills still being written are kept and count towards the size.
     *
     * @param unusedFor age beyond which a cache goes, or null
     * @param maxBytes size the remaining caches may take, or a negative number for no limit
     * @param dryRun only report what would be deleted
     * @return the entries deleted (or that would be)
     */
    public static List<Entry> prune(Path root, Duration unusedFor, long maxBytes, boolean dryRun) {
        return prune(root, unusedFor, maxBytes, dryRun, ActivationCache.STALE_FILL);
    }

    /** As {@link #prune(Path, Duration, long, boolean)}, a fill counting as interrupted once unchanged for {@code staleFill}. */
    static List<Entry> prune(Path root, Duration unusedFor, long maxBytes, boolean dryRun, Duration staleFill) {
        Instant now = Instant.now();
        List<Entry> all = list(root);
        List<Entry> gone = new ArrayList<>();
        long kept = 0;
        for (Entry e : all) {
            boolean interrupted = !e.complete() && e.lastUsed().isBefore(now.minus(staleFill));
            boolean old = e.complete() && unusedFor != null && e.lastUsed().isBefore(now.minus(unusedFor));
            if (interrupted || old) {
                gone.add(e);
            } else {
                kept += e.bytes();
            }
        }
        if (maxBytes >= 0) {
            for (Entry e : all) { // least recently used first
                if (kept <= maxBytes) {
                    break;
                }
                if (e.complete() && !gone.contains(e)) {
                    gone.add(e);
                    kept -= e.bytes();
                }
            }
        }
        if (!dryRun) {
            for (Entry e : gone) {
                try {
                    // cache.json first: a half-deleted folder is then never taken for a cache.
                    Files.deleteIfExists(e.folder().resolve("cache.json"));
                    ActivationCache.deleteTree(e.folder());
                } catch (IOException ex) {
                    throw new InfuseException("artifact-io", "could not delete the activation cache " + e.folder() + ": "
                            + ex.getMessage(), ex);
                }
            }
        }
        return gone;
    }

    private static Entry entry(Path folder) throws IOException {
        String name = folder.getFileName().toString();
        Path manifest = folder.resolve("cache.json");
        // A fill's temporary folder, or what a prune interrupted after deleting cache.json: both partial.
        boolean fill = (name.startsWith(".") && name.contains(".tmp-"))
                || (name.matches("[0-9a-f]{32}") && !Files.exists(manifest));
        if (!fill && !Files.isRegularFile(manifest)) {
            return null; // not a cache folder
        }
        long bytes = 0;
        long newest = Files.getLastModifiedTime(folder).toMillis();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try {
                    bytes += Files.size(p);
                    newest = Math.max(newest, Files.getLastModifiedTime(p).toMillis());
                } catch (NoSuchFileException gone) {
                    // a fill renamed or another prune meanwhile
                }
            }
        }
        if (fill) {
            return new Entry(folder, false, "", List.of(), List.of(), 0, bytes, Instant.ofEpochMilli(newest));
        }
        JsonNode m;
        try {
            m = JSON.readTree(manifest.toFile());
        } catch (IOException e) {
            return new Entry(folder, true, "?", List.of(), List.of(), 0, bytes, Files.getLastModifiedTime(manifest).toInstant());
        }
        List<Integer> taps = new ArrayList<>();
        m.path("taps").forEach(t -> taps.add(t.asInt()));
        List<String> sides = new ArrayList<>();
        m.path("sides").forEach(t -> sides.add(t.asText()));
        return new Entry(folder, true, m.path("precision").asText("fp32"), taps, sides, m.path("examples").asLong(), bytes,
                Files.getLastModifiedTime(manifest).toInstant());
    }
}
