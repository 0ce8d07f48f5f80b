package dev.infuse.testkit;

import java.util.function.Supplier;

/**
 * The BERT backbone's fused kernels (README, "Fused kernels") switched off for a block, for tests that compare
 * two differently built graphs bit for bit: fused kernels compute the same functions but group float operations
 * differently where a layer is edited.
 */
public final class FusedKernels {
    /** The system property the backbone reads when it builds a graph ({@code false}: the unfused forms). */
    public static final String PROPERTY = "infuse.fusedKernels";

    private FusedKernels() {}

    /** Runs {@code body} with the fused kernels off, then restores the property as it was. */
    public static synchronized <T> T off(Supplier<T> body) {
        String before = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, "false");
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(PROPERTY);
            } else {
                System.setProperty(PROPERTY, before);
            }
        }
    }
}
