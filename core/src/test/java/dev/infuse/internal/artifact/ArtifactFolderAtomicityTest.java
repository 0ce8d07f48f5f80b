package dev.infuse.internal.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.ArtifactKind;
import dev.infuse.api.ArtifactManifest;
import dev.infuse.api.ArtifactManifest.BackboneRef;
import dev.infuse.api.ArtifactManifest.Plugin;
import dev.infuse.api.Artifacts;
import dev.infuse.api.LoadedArtifact;
import dev.infuse.api.Provenance;
import dev.infuse.api.TensorData;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A save interrupted at any step must leave either the old complete artifact or the new complete
 * one, and no half-written folder that could be taken for an artifact.
 */
class ArtifactFolderAtomicityTest {
    @TempDir
    Path tmp;

    private static ArtifactManifest manifest(String name) {
        return ArtifactManifest.create(new Plugin(ArtifactKind.ADAPTER, name, "1"), Map.of(),
                new BackboneRef("bert", "bert L2", "fp"),
                Provenance.builder().seed(1).created(Instant.EPOCH).build());
    }

    private static final Map<String, TensorData> OLD = Map.of("w", TensorData.f32(new float[] {1f}, 1));
    private static final Map<String, TensorData> NEW = Map.of("w", TensorData.f32(new float[] {2f, 3f}, 2));
    private static final ArtifactManifest HEAD = ArtifactManifest.create(new Plugin(ArtifactKind.HEAD, "cls", "1"),
            Map.of(), new BackboneRef("bert", "bert L2", "fp"), Provenance.builder().seed(1).build());

    /** A failure injected at each step of a first save leaves nothing behind. */
    @ParameterizedTest
    @ValueSource(strings = {"main-written", "head-written", "before-swap"})
    void failedFirstSaveLeavesNothing(String step) {
        Path dir = tmp.resolve("adapter");
        assertThatThrownBy(() -> ArtifactFolder.write(dir, manifest("new"), NEW, HEAD, OLD, failAt(step)))
                .isInstanceOf(InfuseException.class).hasMessageContaining("injected at " + step);
        assertThat(listing()).isEmpty();
        assertThatThrownBy(() -> Artifacts.read(dir)).isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("artifact-missing"));
    }

    /** A failure at each step of an overwrite leaves the old artifact, complete, and nothing else. */
    @ParameterizedTest
    @ValueSource(strings = {"main-written", "head-written", "before-swap", "moved-aside"})
    void failedOverwriteKeepsTheOldArtifact(String step) {
        Path dir = tmp.resolve("adapter");
        Artifacts.write(dir, manifest("old"), OLD);
        assertThatThrownBy(() -> ArtifactFolder.write(dir, manifest("new"), NEW, HEAD, OLD, failAt(step)))
                .isInstanceOf(InfuseException.class);
        assertThat(listing()).containsExactly("adapter");
        LoadedArtifact a = Artifacts.read(dir);
        assertThat(a.manifest().plugin().name()).isEqualTo("old");
        assertThat(a.weights()).isEqualTo(OLD);
        assertThat(a.head()).isEmpty();
    }

    /**
     * A crash (no clean-up runs) between moving the old folder aside and renaming the new one in:
     * the only complete artifact is the backup. Loading finds it without touching the disk; the next
     * save puts it back first and removes the leftovers.
     */
    @Test
    void crashBetweenTheTwoRenamesIsRecovered() throws IOException {
        Path dir = tmp.resolve("adapter");
        Artifacts.write(dir, manifest("old"), OLD);
        // The disk as the crash leaves it: backup of the old artifact plus a complete temp folder.
        Path backup = tmp.resolve(".adapter.bak-123456");
        Files.move(dir, backup);
        Path temp = tmp.resolve(".adapter.tmp-abcdef");
        Artifacts.write(tmp.resolve("staging"), manifest("new"), NEW);
        Files.move(tmp.resolve("staging"), temp);

        LoadedArtifact seen = Artifacts.read(dir);
        assertThat(seen.manifest().plugin().name()).isEqualTo("old");
        assertThat(seen.weights()).isEqualTo(OLD);
        assertThat(listing()).containsExactly(".adapter.bak-123456", ".adapter.tmp-abcdef"); // reading changed nothing

        ArtifactFolder.recover(dir.toAbsolutePath());
        assertThat(listing()).containsExactly("adapter");
        assertThat(Artifacts.read(dir).manifest().plugin().name()).isEqualTo("old");
    }

    /** A crash after the new folder is in place but before the backup is deleted. */
    @Test
    void crashBeforeDeletingTheBackupKeepsTheNewArtifact() throws IOException {
        Path dir = tmp.resolve("adapter");
        Artifacts.write(dir, manifest("new"), NEW);
        // The old artifact, moved aside but not yet deleted when the crash came.
        Artifacts.write(tmp.resolve("old"), manifest("old"), OLD);
        Files.move(tmp.resolve("old"), tmp.resolve(".adapter.bak-0001"));

        assertThat(Artifacts.read(dir).manifest().plugin().name()).isEqualTo("new");
        Artifacts.write(dir, manifest("newer"), NEW);
        assertThat(listing()).containsExactly("adapter");
        assertThat(Artifacts.read(dir).manifest().plugin().name()).isEqualTo("newer");
    }

    /** Stale temp folders from crashed first saves are ignored by loading and removed by saving. */
    @Test
    void staleTempFoldersAreIgnoredThenCleaned() throws IOException {
        Path dir = tmp.resolve("adapter");
        Files.createDirectories(tmp.resolve(".adapter.tmp-dead01"));
        Files.writeString(tmp.resolve(".adapter.tmp-dead01").resolve("adapter_config.json"), "{half");
        assertThatThrownBy(() -> Artifacts.read(dir)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("no such artifact folder");
        Artifacts.write(dir, manifest("new"), NEW);
        assertThat(listing()).containsExactly("adapter");
    }

    @Test
    void unrelatedHiddenSiblingsAreLeftAlone() throws IOException {
        Files.createDirectories(tmp.resolve(".adapterX.tmp-1"));
        Files.createDirectories(tmp.resolve(".other.bak-1"));
        Artifacts.write(tmp.resolve("adapter"), manifest("new"), NEW);
        assertThat(listing()).containsExactly(".adapterX.tmp-1", ".other.bak-1", "adapter");
    }

    private static ArtifactFolder.Checkpoint failAt(String step) {
        return reached -> {
            if (reached.equals(step)) {
                throw new IOException("injected at " + step);
            }
        };
    }

    private String[] listing() {
        try (Stream<Path> s = Files.list(tmp)) {
            String[] names = s.map(p -> p.getFileName().toString()).toArray(String[]::new);
            Arrays.sort(names);
            return names;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
