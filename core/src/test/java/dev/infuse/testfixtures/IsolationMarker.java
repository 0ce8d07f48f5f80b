package dev.infuse.testfixtures;

/**
 * A class on the host's test class path that a test plugin jar bundles its own copy of, to show
 * that a plugin sees its own copy of a non-shared class.
 */
public final class IsolationMarker {
    private IsolationMarker() {}

    public static String who() {
        return "host copy";
    }
}
