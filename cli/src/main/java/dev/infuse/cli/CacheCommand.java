package dev.infuse.cli;

import dev.infuse.api.ActivationCaches;
import dev.infuse.api.InfuseSettings;
import dev.infuse.spi.InfuseException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code infuse cache list|prune}: the activation caches that runs and studies leave under the cache folder
 * (gigabytes per data set and adapter), and deleting them by age or total size.
 */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = "List or prune the activation caches (the frozen backbone's hidden states kept on disk per data set).",
        subcommands = {CacheCommand.ListCaches.class, CacheCommand.Prune.class})
final class CacheCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** The {@code --cache} option of both subcommands. */
    static final class Folder {
        @Option(names = "--cache", paramLabel = "DIR",
                description = "Cache folder, as for the other commands (default: $INFUSE_HOME/cache, else ~/.infuse/cache); "
                        + "the activation caches are in DIR/activations.")
        Path cache;

        @Option(names = "--verbose", description = "Print stack traces on errors.")
        boolean verbose;

        Path activations() {
            return (cache != null ? cache : InfuseSettings.defaultCacheDirectory()).resolve("activations");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "One line per activation cache, least recently used first, with its size and total.")
    static final class ListCaches implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Folder folder;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path root = folder.activations();
            List<ActivationCaches.Entry> entries = ActivationCaches.list(root);
            out.printf("%-32s %-6s %-16s %-22s %9s %10s  %s%n", "CACHE", "PREC", "TAPS", "SIDES", "TEXTS", "SIZE", "LAST USED (UTC)");
            long total = 0;
            for (ActivationCaches.Entry e : entries) {
                out.println(line(e));
                total += e.bytes();
            }
            out.printf("%d caches, %s in %s%n", entries.size(), size(total), root);
            return 0;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = {"Delete activation caches not used for a while, then the least recently used until the rest fit ",
                "a size, and interrupted fills. Give --unused-for, --max-size or both; --dry-run shows what would go. ",
                "A run that needs a deleted cache fills it again."})
    static final class Prune implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Folder folder;

        @Option(names = "--unused-for", paramLabel = "AGE",
                description = "Delete caches not opened for this long: e.g. 14d, 36h, 90m.")
        String unusedFor;

        @Option(names = "--max-size", paramLabel = "SIZE",
                description = "Then delete the least recently used caches until the rest take at most SIZE: e.g. 20G, 500M.")
        String maxSize;

        @Option(names = "--dry-run", description = "List what would be deleted; delete nothing.")
        boolean dryRun;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (unusedFor == null && maxSize == null) {
                throw new InfuseException("usage", "prune needs --unused-for AGE, --max-size SIZE or both "
                        + "(e.g. --unused-for 14d); 'infuse cache list' shows what there is");
            }
            Duration age = unusedFor == null ? null : age(unusedFor);
            long max = maxSize == null ? -1 : bytes(maxSize);
            Path root = folder.activations();
            PrintWriter out = spec.commandLine().getOut();
            List<ActivationCaches.Entry> gone = ActivationCaches.prune(root, age, max, dryRun);
            long freed = 0;
            for (ActivationCaches.Entry e : gone) {
                out.println((dryRun ? "would delete " : "deleted ") + line(e));
                freed += e.bytes();
            }
            out.printf("%s %d caches, %s, in %s%n", dryRun ? "would delete" : "deleted", gone.size(), size(freed), root);
            return 0;
        }
    }

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    static String line(ActivationCaches.Entry e) {
        String name = e.folder().getFileName().toString();
        if (!e.complete()) {
            return String.format(Locale.ROOT, "%-32s %-6s %-16s %-22s %9s %10s  %s", abbreviate(name, 32), "-", "(fill)", "-", "-",
                    size(e.bytes()), WHEN.format(e.lastUsed()));
        }
        return String.format(Locale.ROOT, "%-32s %-6s %-16s %-22s %9d %10s  %s", name, e.precision(),
                abbreviate(e.taps().toString().replace(" ", ""), 16), abbreviate(e.sides().isEmpty() ? "-" : String.join(",", e.sides()), 22),
                e.examples(), size(e.bytes()), WHEN.format(e.lastUsed()));
    }

    private static String abbreviate(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }

    static String size(long bytes) {
        if (bytes < 1L << 20) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1L << 30) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:i?B)?", Pattern.CASE_INSENSITIVE);

    /** {@code 14d}, {@code 36h}, {@code 90m}, {@code 1d12h}. */
    static Duration age(String s) {
        return Durations.parse(s, "--unused-for");
    }

    /** {@code 20G}, {@code 500M}, {@code 1.5T}, {@code 0}: binary units (G = 2^30 bytes). */
    static long bytes(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) {
            throw new InfuseException("config-bad-value", "--max-size " + s + ": expected a size such as 20G, 500M or 0");
        }
        double n = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        return (long) (n * (1L << shift));
    }
}
