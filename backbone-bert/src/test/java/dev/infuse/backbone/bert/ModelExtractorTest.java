package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelExtractorTest {
    @TempDir
    Path tmp;

    private static byte[] zip(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                if (!e.getKey().endsWith("/")) {
                    z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                }
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void extractsOnceAndReusesTheFolder() throws Exception {
        byte[] z = zip(new java.util.LinkedHashMap<>(Map.of("assets/", "", "assets/vocab.txt", "[PAD]\n",
                "variables/variables.index", "idx")));
        AtomicInteger opened = new AtomicInteger();
        Path cache = tmp.resolve("cache");
        Path first = ModelExtractor.extractOnce(() -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(z);
        }, "test zip", cache, "model");
        assertThat(first).isEqualTo(cache.resolve("model"));
        assertThat(Files.readString(first.resolve("assets/vocab.txt"))).isEqualTo("[PAD]\n");
        assertThat(Files.readString(first.resolve("variables/variables.index"))).isEqualTo("idx");
        Path second = ModelExtractor.extractOnce(() -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(z);
        }, "test zip", cache, "model");
        assertThat(second).isEqualTo(first);
        assertThat(opened).hasValue(1);
        assertThat(listing(cache)).containsExactly("model");
    }

    @Test
    void refusesPathTraversal() throws Exception {
        for (String evil : List.of("../evil.txt", "a/../../evil.txt", "/abs/evil.txt", "C:/evil.txt", "a\\..\\evil.txt")) {
            Path cache = Files.createDirectories(tmp.resolve("c" + Math.abs(evil.hashCode())));
            byte[] z = zip(new java.util.LinkedHashMap<>(Map.of("ok.txt", "fine", evil, "pwned")));
            assertThatThrownBy(() -> ModelExtractor.extractOnce(() -> new ByteArrayInputStream(z), "test zip", cache,
                    "model")).isInstanceOfSatisfying(InfuseException.class, e -> {
                        assertThat(e.code()).isEqualTo("backbone-invalid");
                        assertThat(e.getMessage()).contains(evil).contains("test zip");
                    });
            assertThat(listing(cache)).as("nothing left behind for %s", evil).isEmpty();
            assertThat(Files.exists(tmp.resolve("evil.txt"))).isFalse();
        }
    }

    @Test
    void concurrentExtractionYieldsOneCompleteFolder() throws Exception {
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            big.append("token").append(i).append('\n');
        }
        byte[] z = zip(new java.util.LinkedHashMap<>(Map.of("assets/vocab.txt", big.toString(), "variables/variables.index", "x")));
        Path cache = tmp.resolve("cache");
        CyclicBarrier bothStarted = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Path>> results = pool.invokeAll(List.of(
                    () -> ModelExtractor.extractOnce(() -> {
                        await(bothStarted);
                        return new ByteArrayInputStream(z);
                    }, "zip A", cache, "model"),
                    () -> ModelExtractor.extractOnce(() -> {
                        await(bothStarted);
                        return new ByteArrayInputStream(z);
                    }, "zip B", cache, "model")), 60, TimeUnit.SECONDS);
            Path a = results.get(0).get();
            Path b = results.get(1).get();
            assertThat(a).isEqualTo(b).isEqualTo(cache.resolve("model"));
            assertThat(Files.readString(a.resolve("assets/vocab.txt"))).isEqualTo(big.toString());
            assertThat(listing(cache)).containsExactly("model");
            assertThat(listing(a)).containsExactly("assets", "variables");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CyclicBarrier barrier) throws IOException {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    @Test
    void notAZipIsInvalid() {
        Path cache = tmp.resolve("cache");
        assertThatThrownBy(() -> ModelExtractor.extractOnce(() -> new ByteArrayInputStream("hello".getBytes()), "junk",
                cache, "model")).isInstanceOfSatisfying(InfuseException.class,
                        e -> assertThat(e.getMessage()).contains("junk").contains("not a zip"));
    }
}
