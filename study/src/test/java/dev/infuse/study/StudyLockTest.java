package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One study run per output folder: the lock, its holder, and what the status makes of a running step. */
class StudyLockTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondRunIntoTheSameFolderIsRefusedNamingTheFirstUntilItEnds() {
        Path out = tmp.resolve("out");
        Path other = tmp.resolve("other");
        assertThat(out.toFile().mkdirs() && other.toFile().mkdirs()).isTrue();
        assertThat(StudyStatus.running(out)).as("nothing holds a new folder").isNull();
        try (StudyLock first = StudyLock.acquire(out)) {
            String holder = StudyStatus.running(out);
            assertThat(holder).startsWith("pid " + ProcessHandle.current().pid() + ", started 20");
            assertThatThrownBy(() -> StudyLock.acquire(out)).isInstanceOf(InfuseException.class)
                    .hasFieldOrPropertyWithValue("code", "config-study-running")
                    .hasMessageContaining("another 'infuse study' run is writing into " + out + " (" + holder + ")")
                    .hasMessageContaining("--status");
            try (StudyLock elsewhere = StudyLock.acquire(other)) {
                assertThat(StudyStatus.running(other)).as("another folder is another lock").isNotNull();
            }
        }
        assertThat(StudyStatus.running(out)).as("released when the run ends").isNull();
        try (StudyLock again = StudyLock.acquire(out)) {
            assertThat(StudyStatus.running(out)).isNotNull();
        }
    }

    @Test
    void aStepWithATemporaryFolderIsRunningOnlyWhileARunHoldsTheLock() throws Exception {
        Study study = StudyRuns.read(tmp, "per-seed.yaml", StudyPerSeedPretrainingTest.STUDY);
        Path out = tmp.resolve("out");
        Path cell = StudyGrid.cellFolder(out, "baseline", "semeval", 1);
        Files.createDirectories(cell.resolveSibling(cell.getFileName() + StepFolders.TMP + "1234"));
        String label = "baseline/semeval/seed-1";
        assertThat(state(study, out, label)).as("a leftover of a stopped run").isEqualTo(StudyStatus.State.TO_RUN);
        try (StudyLock run = StudyLock.acquire(out)) {
            assertThat(state(study, out, label)).isEqualTo(StudyStatus.State.RUNNING);
            assertThat(state(study, out, "factual/semeval/seed-1")).isEqualTo(StudyStatus.State.TO_RUN);
        }
    }

    private static StudyStatus.State state(Study study, Path out, String label) {
        return StudyStatus.of(study, out).stream().filter(s -> s.label().equals(label)).findFirst().orElseThrow().state();
    }
}
