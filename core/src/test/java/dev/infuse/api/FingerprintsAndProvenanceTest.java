package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintsAndProvenanceTest {
    @TempDir
    Path tmp;

    @Test
    void sha256MatchesTheStandardTestVectors() throws IOException {
        // FIPS 180-2 examples.
        assertThat(Fingerprints.sha256("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        Path file = tmp.resolve("million-a.txt");
        Files.write(file, "a".repeat(1_000_000).getBytes(StandardCharsets.US_ASCII)); // spans many buffers
        assertThat(Fingerprints.sha256(file))
                .isEqualTo("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    @Test
    void hashingAMissingFileNamesIt() {
        Path missing = tmp.resolve("nope.tsv");
        assertThatThrownBy(() -> Fingerprints.sha256(missing)).isInstanceOf(InfuseException.class)
                .hasMessageStartingWith(missing + ": no such file")
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("data-missing"));
    }

    @Test
    void builderCapturesTheEnvironmentAndData() throws IOException {
        Path data = Files.writeString(tmp.resolve("d.tsv"), "abc");
        Instant before = Instant.now().minusSeconds(1);
        Provenance p = Provenance.builder().seed(-7).dataFile(data).metric("acc", 0.5)
                .metric("loss", Double.NaN) // dropped with a warning, not fatal
                .hyperParameters(Map.of("lr", 0.001f, "batch", 32L)).build();
        assertThat(p.created()).isAfter(before).isBeforeOrEqualTo(Instant.now());
        assertThat(p.created().getNano()).isZero();
        assertThat(p.seed()).isEqualTo(-7);
        assertThat(p.data()).containsExactly(new Provenance.DataFile(data.toString(),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 3));
        assertThat(p.metrics()).containsOnlyKeys("acc");
        // Canonical JSON forms: a float becomes the Double of its decimal text, a small long an Integer.
        assertThat(p.hyperParameters()).containsEntry("lr", 0.001).containsEntry("batch", 32);
        assertThat(p.os()).contains(System.getProperty("os.name"));
        assertThat(p.java()).contains(System.getProperty("java.version"));
        assertThat(p.git()).isNull();
    }

    @Test
    void nonFiniteMetricInTheRecordIsRefused() {
        assertThatThrownBy(() -> new Provenance(Instant.EPOCH, 0, Map.of(), java.util.List.of(),
                Map.of("f1", Double.POSITIVE_INFINITY), "j", "o", new Provenance.Machine(1, 1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metric 'f1' is Infinity");
    }
}
