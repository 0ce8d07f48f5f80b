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

/**
 * Artifacts, checkpoints and data come from strangers, so nothing in the project may turn bytes into
 * objects by Java serialization or by polymorphic JSON typing (which can name arbitrary classes).
 * Scans every main and test source of every module.
 */
class NoJavaDeserializationTest {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\bObjectInputStream\\b|\\breadObject\\s*\\(|\\breadUnshared\\s*\\(|\\bXMLDecoder\\b"
                    + "|\\benableDefaultTyping\\b|\\bactivateDefaultTyping\\b|@JsonTypeInfo\\s*\\(\\s*use\\s*=\\s*JsonTypeInfo\\.Id\\.CLASS"
                    + "|\\bSerializationUtils\\.deserialize\\b");

    static Path root() {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docs/ERRORS.md"))) {
            root = root.getParent();
            assertThat(root).as("project root above the working directory").isNotNull();
        }
        return root;
    }

    @Test
    void noSourceDeserializesJavaObjects() throws IOException {
        Path root = root();
        Path self = Path.of("core/src/test/java/dev/infuse/spi/NoJavaDeserializationTest.java");
        TreeSet<String> hits = new TreeSet<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/")
                    && !p.toString().contains("/target/")).toList()) {
                if (root.relativize(f).equals(self)) {
                    continue;
                }
                scanned++;
                String text = Files.readString(f);
                Matcher m = FORBIDDEN.matcher(text);
                while (m.find()) {
                    long line = 1 + text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
                    hits.add(root.relativize(f) + ":" + line + ": " + m.group());
                }
            }
        }
        assertThat(scanned).as("sources scanned").isGreaterThan(100);
        assertThat(hits).as("Java deserialization found").isEmpty();
    }

    @Test
    void theScanRecognisesWhatItForbids() {
        assertThat(FORBIDDEN.matcher("new java.io.ObjectInputStream(in)").find()).isTrue();
        assertThat(FORBIDDEN.matcher("Object o = in.readObject();").find()).isTrue();
        assertThat(FORBIDDEN.matcher("mapper.activateDefaultTyping(v)").find()).isTrue();
        assertThat(FORBIDDEN.matcher("reader.readObjectives()").find()).isFalse();
    }
}
