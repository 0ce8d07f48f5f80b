package dev.infuse.kg;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Reproducible randomness in the style of Lucene's test framework: each test invocation gets a
 * {@link SplittableRandom} from a fresh seed, or from {@code -Dinfuse.test.seed=HEX} when given
 * (then every invocation uses it). A failure names the seed and the command line to rerun it.
 * (Copied per module: core, data and kg cannot share test code through the testkit.)
 */
final class RandomSeed implements ParameterResolver, TestExecutionExceptionHandler {
    static final String PROPERTY = "infuse.test.seed";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RandomSeed.class);

    private static long seed(ExtensionContext context) {
        return context.getStore(NS).getOrComputeIfAbsent("seed", k -> {
            String fixed = System.getProperty(PROPERTY);
            return fixed != null && !fixed.isBlank() ? Long.parseUnsignedLong(fixed.strip(), 16) : ThreadLocalRandom.current().nextLong();
        }, Long.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == SplittableRandom.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return new SplittableRandom(seed(e));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        String hex = Long.toHexString(seed(context)).toUpperCase(java.util.Locale.ROOT);
        String how = "random seed " + hex + "; reproduce with: mvn test -Dtest='" + context.getRequiredTestClass().getSimpleName()
                + "#" + context.getRequiredTestMethod().getName() + "' -D" + PROPERTY + "=" + hex;
        System.err.println(context.getDisplayName() + ": " + how);
        failure.addSuppressed(new AssertionError(how));
        throw failure;
    }
}
