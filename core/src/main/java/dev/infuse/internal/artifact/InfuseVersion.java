package dev.infuse.internal.artifact;

/** The Infuse version stamped into artifacts. */
public final class InfuseVersion {
    // Used when running from classes rather than a jar with an Implementation-Version.
    private static final String FALLBACK = "0.1.0-SNAPSHOT";

    private InfuseVersion() {}

    /** The version from the jar manifest, else the development version. */
    public static String current() {
        String v = InfuseVersion.class.getPackage().getImplementationVersion();
        return v != null ? v : FALLBACK;
    }
}
