package dev.infuse.cli;

import dev.infuse.spi.InfuseException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them on the command line: {@code 14d}, {@code 36h}, {@code 90m}, {@code 2h30m}, {@code 45s}. */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("(?:(\\d+)d)?\\s*(?:(\\d+)h)?\\s*(?:(\\d+)m)?\\s*(?:(\\d+)s)?");

    private Durations() {}

    /**
     * Parses a positive duration.
     *
     * @param option the option it was given to, for the error
     * @throws InfuseException {@code config-bad-value} naming the option and what was expected
     */
    static Duration parse(String text, String option) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        Duration d = Duration.ZERO;
        if (m.matches()) {
            long[] units = {86_400, 3_600, 60, 1};
            for (int g = 1; g <= 4; g++) {
                if (m.group(g) != null) {
                    d = d.plusSeconds(Long.parseLong(m.group(g)) * units[g - 1]);
                }
            }
        }
        if (d.isZero()) {
            throw new InfuseException("config-bad-value", option + " " + text
                    + ": expected a positive duration in days, hours, minutes or seconds, e.g. 14d, 36h, 90m, 2h30m");
        }
        return d;
    }
}
