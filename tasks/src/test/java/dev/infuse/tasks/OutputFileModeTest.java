package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metrics.json} and {@code predictions.jsonl} get the same mode as any other output (the
 * umask's, 0644 usually), not the 0600 of {@code Files.createTempFile} they were written through.
 */
class OutputFileModeTest {
    @TempDir
    Path tmp;

    @Test
    void metricsAndPredictionsHaveTheModeOfAnOrdinaryFile() throws Exception {
        Set<PosixFilePermission> ordinary = Files.getPosixFilePermissions(Files.writeString(tmp.resolve("ordinary.txt"), "x"));
        assertThat(ordinary).as("the umask of this machine lets a new file be read by others")
                .contains(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        OutputFiles.writeJson(tmp.resolve("metrics.json"), Map.of("f1", 0.5));
        OutputFiles.writeJsonLines(tmp.resolve("predictions.jsonl"), List.of(Map.of("id", 1)));
        assertThat(Files.getPosixFilePermissions(tmp.resolve("metrics.json"))).isEqualTo(ordinary);
        assertThat(Files.getPosixFilePermissions(tmp.resolve("predictions.jsonl"))).isEqualTo(ordinary);
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("ordinary.txt", "metrics.json", "predictions.jsonl");
        }
    }
}
