package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The build runs tests with {@code INFUSE_HOME} under {@code target/} (parent pom), so a command run
 * without {@code --plugins} reads no plugin the user installed in {@code ~/.infuse/plugins}.
 */
class TestIsolationTest {

    @Test
    void commandsWithoutOptionsUseTheBuildsHomeNotTheUsers() {
        String home = System.getenv("INFUSE_HOME");
        assertThat(home).as("INFUSE_HOME set by surefire/failsafe").isNotBlank().contains("target");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = InfuseCli.run(new String[] {"plugins"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isZero();
        Path userPlugins = Path.of(System.getProperty("user.home"), ".infuse", "plugins");
        assertThat(out.toString()).contains("plugins folder: " + Path.of(home).resolve("plugins"))
                .doesNotContain("plugins folder: " + userPlugins);
    }
}
