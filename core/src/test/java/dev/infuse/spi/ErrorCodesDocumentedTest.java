package dev.infuse.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every error code thrown anywhere in the project's main sources is documented in docs/ERRORS.md. */
class ErrorCodesDocumentedTest {
    private static final Pattern THROWN = Pattern.compile("InfuseException\\(\\s*\"([a-z][a-z0-9-]*)\"");

    @Test
    void everyThrownCodeIsDocumented() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docs/ERRORS.md"))) {
            root = root.getParent();
            assertThat(root).as("docs/ERRORS.md above the working directory").isNotNull();
        }
        String doc = Files.readString(root.resolve("docs/ERRORS.md"));
        TreeSet<String> undocumented = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/")
                    && !p.toString().contains("/target/")).toList()) {
                Matcher m = THROWN.matcher(Files.readString(f));
                while (m.find()) {
                    if (!doc.contains("`" + m.group(1) + "`")) {
                        undocumented.add(m.group(1) + " (" + root.relativize(f) + ")");
                    }
                }
            }
        }
        assertThat(undocumented).as("codes missing from docs/ERRORS.md").isEmpty();
    }
}
