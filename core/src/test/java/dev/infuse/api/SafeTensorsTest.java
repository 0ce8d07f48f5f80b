package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------ golden bytes

    @Test
    void oneF32TensorHasTheExactSpecBytes() throws IOException {
        Path file = dir.resolve("g.safetensors");
        SafeTensors.write(file, Map.of("w", TensorData.f32(new float[] {1.0f, 2.0f}, 2)), Map.of());

        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertThat(json.length()).isEqualTo(54);
        byte[] expected = concat(
                new byte[] {56, 0, 0, 0, 0, 0, 0, 0}, // 54 JSON bytes padded to 56, little-endian u64
                json.getBytes(StandardCharsets.US_ASCII),
                new byte[] {' ', ' '},
                new byte[] {0x00, 0x00, (byte) 0x80, 0x3f}, // 1.0f little-endian
                new byte[] {0x00, 0x00, 0x00, 0x40}); // 2.0f little-endian
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
    }

    @Test
    void metadataComesFirstAndWiderTypesAreLaidOutFirst() throws IOException {
        // Same layout as Python's safetensors.numpy.save_file for these inputs.
        Path file = dir.resolve("g2.safetensors");
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("w", TensorData.f32(new float[] {1.0f, 2.0f}, 2));
        t.put("a", TensorData.i64(new long[6], 2, 3));
        SafeTensors.write(file, t, Map.of("k", "v"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLen).isEqualTo(144).matches(n -> n % 8 == 0);
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertThat(header).isEqualTo("{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"I64\",\"shape\":[2,3],\"data_offsets\":[0,48]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[48,56]}}       ");
        assertThat(bytes).hasSize(8 + 144 + 56);
    }

    // ------------------------------------------------------------ round trip

    @Test
    void roundTripIsBitIdenticalForEveryWritableType() {
        Random rnd = new Random(7);
        float[] f = new float[3 * 5];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) rnd.nextGaussian();
        }
        f[0] = -0.0f;
        f[1] = Float.MIN_VALUE;
        f[2] = Float.MAX_VALUE;
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("layer_0/down/kernel", TensorData.f32(f, 3, 5));
        t.put("d", TensorData.f64(new double[] {Math.PI, -1e300}, 2));
        t.put("i", TensorData.i32(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, 3, 1));
        t.put("l", TensorData.i64(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, 1, 2));
        t.put("scalar", TensorData.f32(new float[] {42f}));
        t.put("empty", TensorData.f32(new float[0], 0, 4));
        Path file = dir.resolve("rt.safetensors");
        SafeTensors.write(file, t, Map.of("format", "infuse", "ünï", "cödé"));

        SafeTensorFile back = SafeTensors.read(file);
        assertThat(back.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "infuse", "ünï", "cödé"));
        assertThat(back.tensors()).containsOnlyKeys(t.keySet());
        t.forEach((name, value) -> assertThat(back.tensor(name)).as(name).isEqualTo(value));
        assertThat(Float.floatToRawIntBits(back.tensor("layer_0/down/kernel").floats()[0]))
                .isEqualTo(Float.floatToRawIntBits(-0.0f));
        assertThat(back.tensor("empty").shape()).containsExactly(0, 4);
        assertThat(back.tensor("scalar").rank()).isZero();
    }

    @Test
    void largeTensorsStreamThroughSeveralChunks() {
        float[] f = new float[(1 << 20) + 3]; // more than one 1 MiB chunk of floats
        for (int i = 0; i < f.length; i++) {
            f[i] = i * 0.5f;
        }
        Path file = dir.resolve("big.safetensors");
        SafeTensors.write(file, Map.of("big", TensorData.f32(f, f.length)), Map.of());
        assertThat(SafeTensors.read(file).tensor("big").floats()).isEqualTo(f);
    }

    @Test
    void readsBf16AndF16AsFloats() throws IOException {
        // 1.0 = bf16 0x3F80 = f16 0x3C00; -2.5 = bf16 0xC020 = f16 0xC100; f16 subnormal 0x0001 = 2^-24.
        Path file = rawFile("{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[4,10]}}",
                le16(0x3F80, 0xC020, 0x3C00, 0xC100, 0x0001));
        SafeTensorFile st = SafeTensors.read(file);
        assertThat(st.tensor("b").dtype()).isEqualTo(DType.BF16);
        assertThat(st.tensor("b").floats()).containsExactly(1.0f, -2.5f);
        assertThat(st.tensor("h").floats()).containsExactly(1.0f, -2.5f, 0x1p-24f);
    }

    @Test
    void writingReadOnlyTypesOrNonFiniteValuesIsRefused() {
        Path file = dir.resolve("x.safetensors");
        assertThatThrownBy(() -> SafeTensors.write(file,
                Map.of("b", TensorData.widened(DType.BF16, new float[] {1f}, 1)), Map.of()))
                .isInstanceOf(InfuseException.class).hasMessageContaining("'b' is BF16");
        assertThatThrownBy(() -> SafeTensors.write(file,
                Map.of("n", TensorData.f32(new float[] {1f, Float.NaN}, 2)), Map.of()))
                .isInstanceOf(InfuseException.class)
                .hasMessageContaining("tensor 'n' holds NaN at index 1")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("artifact-invalid");
        assertThat(file).doesNotExist();
        assertThat(dir).isEmptyDirectory(); // no temp file left behind
    }

    @Test
    void overwritingReplacesTheFileAtomically() {
        Path file = dir.resolve("o.safetensors");
        SafeTensors.write(file, Map.of("a", TensorData.f32(new float[] {1f}, 1)), Map.of());
        SafeTensors.write(file, Map.of("b", TensorData.f32(new float[] {2f}, 1)), Map.of());
        assertThat(SafeTensors.read(file).tensors()).containsOnlyKeys("b");
        assertThat(dir).isDirectoryContaining(p -> p.equals(file)).satisfies(d ->
                assertThat(d.toFile().list()).containsExactly("o.safetensors"));
    }

    // ------------------------------------------------------------ corruption

    @Test
    void hugeHeaderLengthIsRefusedBeforeAllocating() throws IOException {
        Path file = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 3);
        Files.write(file, b.array());
        expectCorrupt(file).hasMessageContaining("header length 9223372036854775804 exceeds the 8 bytes");
        b.putLong(0, -1L); // unsigned 2^64-1
        Files.write(file, b.array());
        expectCorrupt(file).hasMessageContaining("header length 18446744073709551615");
    }

    @Test
    void headerLargerThanTheLimitIsRefused() throws IOException {
        Path file = dir.resolve("limit.safetensors");
        long n = 100L * 1024 * 1024 + 8;
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n));
            ch.write(ByteBuffer.wrap(new byte[] {' '}), 8 + n); // sparse file of the claimed size
        }
        expectCorrupt(file).hasMessageContaining("exceeds the limit (expected at most 104857600 bytes)");
    }

    @Test
    void tooShortFileIsRefused() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        expectCorrupt(file).hasMessageContaining("file is 3 bytes long");
    }

    @Test
    void truncatedDataIsDetected() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, Map.of("w", TensorData.f32(new float[] {1, 2, 3, 4}, 4)), Map.of());
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 3));
        expectCorrupt(file).hasMessageContaining("tensor 'w'").hasMessageContaining("past the end of the 13-byte data buffer")
                .hasMessageContaining("truncated");
        Files.write(file, Arrays.copyOf(all, 20)); // cut inside the header
        expectCorrupt(file).hasMessageContaining("header length 56 exceeds the 12 bytes");
    }

    @Test
    void overlappingOffsetsAreRefused() throws IOException {
        Path file = rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        expectCorrupt(file).hasMessageContaining("tensor 'b' at [4, 12) overlaps tensor 'a' ending at 8");
    }

    @Test
    void gapsAndLeftoverBytesAreRefused() throws IOException {
        Path gap = rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]);
        expectCorrupt(gap).hasMessageContaining("gap of 4 bytes before tensor 'b' at offset 8");
        Path tail = rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[6]);
        expectCorrupt(tail).hasMessageContaining("tensors cover 4 of the 6 data bytes");
    }

    @Test
    void unknownDtypeIsRefused() throws IOException {
        Path file = rawFile("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        expectCorrupt(file).hasMessageContaining("tensor 'a' has unknown dtype \"Q4\" (expected one of F32, F64");
    }

    @Test
    void shapeThatDisagreesWithOffsetsIsRefused() throws IOException {
        Path file = rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]);
        expectCorrupt(file).hasMessageContaining("tensor 'a' is F32[2, 3] = 24 bytes but data_offsets [0, 20] span 20");
    }

    @Test
    void overflowingAndNegativeShapesAreRefused() throws IOException {
        Path big = rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
                new byte[4]);
        expectCorrupt(big).hasMessageContaining("more elements than a long can count");
        Path array = rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[3000000000],\"data_offsets\":[0,4]}}", new byte[4]);
        expectCorrupt(array).hasMessageContaining("3000000000 elements (expected at most 2147483639");
        Path neg = rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", new byte[0]);
        expectCorrupt(neg).hasMessageContaining("negative dimension");
    }

    @Test
    void malformedEntriesAreRefused() throws IOException {
        expectCorrupt(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]))
                .hasMessageContaining("tensor 'a' has no 'data_offsets'");
        expectCorrupt(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", new byte[4]))
                .hasMessageContaining("unexpected key 'x'");
        expectCorrupt(rawFile("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]))
                .hasMessageContaining("empty name");
        expectCorrupt(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]))
                .hasMessageContaining("shape holds 1.5");
        expectCorrupt(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]))
                .hasMessageContaining("Duplicate field 'a'");
        expectCorrupt(rawFile("{\"__metadata__\":{\"k\":1}}", new byte[0]))
                .hasMessageContaining("__metadata__ value of 'k' is number (expected a string)");
        expectCorrupt(rawFile("[1,2]", new byte[0])).hasMessageContaining("header is a JSON array");
    }

    @Test
    void headerThatIsNotJsonIsRefused() throws IOException {
        expectCorrupt(rawFile("not json at all", new byte[0])).hasMessageContaining("header is not valid JSON");
        expectCorrupt(rawFile("{\"a\":1} trailing", new byte[0])).hasMessageContaining("header is not valid JSON");
    }

    @Test
    void nanWeightIsRefusedUnlessAllowed() throws IOException {
        // Built by hand: the writer itself refuses non-finite values.
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1f).putFloat(Float.POSITIVE_INFINITY).putFloat(Float.NaN);
        Path raw = rawFile("{\"layer_0/up/kernel\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}",
                data.array());
        expectCorrupt(raw).hasMessageContaining("tensor 'layer_0/up/kernel' holds Infinity at index 1");
        assertThat(SafeTensors.read(raw, true).tensor("layer_0/up/kernel").floats()[2]).isNaN();
    }

    @Test
    void missingFileHasItsOwnCode() {
        assertThatThrownBy(() -> SafeTensors.read(dir.resolve("none.safetensors")))
                .isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("artifact-missing"));
    }

    // ------------------------------------------------------------ helpers

    private AbstractThrowableAssert<?, ? extends Throwable> expectCorrupt(Path file) {
        return assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("artifact-corrupt"))
                .hasMessageStartingWith(file + ": ");
    }

    private int rawCount;

    private Path rawFile(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path file = dir.resolve("raw" + rawCount++ + ".safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static byte[] le16(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
