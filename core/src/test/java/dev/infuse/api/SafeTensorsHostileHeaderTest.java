package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.infuse.spi.InfuseException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Headers built to exhaust memory or confuse the parser are refused before any large allocation. */
class SafeTensorsHostileHeaderTest {
    @TempDir
    Path tmp;

    private Path file(String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(tmp.resolve("x.safetensors"), b.array());
    }

    private static InfuseException corrupt(Path f) {
        InfuseException e = catchThrowableOfType(InfuseException.class, () -> SafeTensors.read(f));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("artifact-corrupt");
        assertThat(e.getMessage()).contains(f.toString());
        return e;
    }

    @Test
    void aShapeWithMillionsOfDimensionsIsRefusedByRank() throws Exception {
        String ones = String.join(",", Collections.nCopies(200_000, "1"));
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + ones + "],\"data_offsets\":[0,4]}}", 4);
        assertThat(corrupt(f).getMessage()).contains("200000 dimensions", "at most 64");
    }

    @Test
    void deeplyNestedJsonIsRefusedAsCorrupt() throws Exception {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        Path f = file("{\"__metadata__\":" + deep + "}", 0);
        corrupt(f);
    }

    @Test
    void elementCountBeyondOneArrayIsRefused() throws Exception {
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}", 4);
        assertThat(corrupt(f).getMessage()).contains("elements");
    }

    @Test
    void shapeOverflowingALongIsRefused() throws Exception {
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,4]}}", 4);
        assertThat(corrupt(f).getMessage()).contains("long");
    }
}
