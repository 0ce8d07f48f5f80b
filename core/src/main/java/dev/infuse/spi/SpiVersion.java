package dev.infuse.spi;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed SPI version ({@code major.minor}) with the host's compatibility rule.
 *
 * @param major incompatible changes bump this
 * @param minor backward-compatible additions bump this
 */
public record SpiVersion(int major, int minor) implements Comparable<SpiVersion> {
    private static final Pattern FORM = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})");

    /** The version of the SPI classes loaded in this JVM. */
    public static SpiVersion current() {
        return parse(Spi.VERSION);
    }

    /**
     * Parses {@code "major.minor"}.
     *
     * @throws IllegalArgumentException if {@code text} is not of that form
     */
    public static SpiVersion parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("not an SPI version (expected major.minor, e.g. 1.0): " + text);
        }
        return new SpiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /**
     * Whether a plugin that requests {@code requested} can run on a host of this version: same major,
     * and a minor no newer than the host's.
     */
    public boolean accepts(SpiVersion requested) {
        return requested.major == major && requested.minor <= minor;
    }

    @Override
    public int compareTo(SpiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
