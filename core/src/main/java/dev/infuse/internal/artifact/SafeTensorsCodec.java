package dev.infuse.internal.artifact;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infuse.api.DType;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.TensorData;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length {@code N}, {@code N}
 * bytes of UTF-8 JSON, then the tensors' little-endian, row-major bytes back to back.
 *
 * <p>Reading treats the file as hostile: every count read from the header is checked against the
 * file's real size before anything is allocated from it, and the tensors must tile the data buffer
 * exactly. Data is streamed through a fixed 1 MiB buffer, so a large file never sits in memory twice.
 * Writing orders tensors by element size (largest first), then name, like the Python library, which
 * keeps every tensor aligned to its element size once the header is padded to 8 bytes.
 */
public final class SafeTensorsCodec {
    /** Largest header accepted, whatever the file says. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Most dimensions a tensor may have. */
    public static final int MAX_RANK = 64;
    /** The header key holding free-form string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    private static final int CHUNK = 1 << 20;
    // Some JVMs reserve a few header words in arrays.
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SafeTensorsCodec() {}

    private record Entry(String name, DType dtype, long[] shape, long begin, long end, int count) {}

    // ---------------------------------------------------------------- reading

    /**
     * Reads a whole file.
     *
     * @param allowNonFinite accept NaN and infinite values in floating-point tensors
     * @throws InfuseException {@code artifact-corrupt} naming the file and the fault;
     *     {@code artifact-missing} when the file does not exist; {@code artifact-io} on I/O errors
     */
    public static SafeTensorFile read(Path file, boolean allowNonFinite) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, ch, allowNonFinite);
        } catch (NoSuchFileException e) {
            throw new InfuseException("artifact-missing", file + ": no such file (expected a safetensors file)");
        } catch (IOException e) {
            throw new InfuseException("artifact-io", file + ": could not read (" + e + ")", e);
        }
    }

    private static SafeTensorFile read(Path file, FileChannel ch, boolean allowNonFinite) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw corrupt(file, "file is " + size + " bytes long (expected at least the 8-byte header length)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        long afterLength = size - 8;
        if (headerLen < 0 || headerLen > afterLength) {
            throw corrupt(file, "header length " + Long.toUnsignedString(headerLen) + " exceeds the " + afterLength
                    + " bytes that follow it (expected at most " + Math.min(afterLength, MAX_HEADER_BYTES)
                    + "; truncated or not a safetensors file)");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw corrupt(file, "header length " + headerLen + " exceeds the limit (expected at most "
                    + MAX_HEADER_BYTES + " bytes)");
        }
        if (headerLen < 2) {
            throw corrupt(file, "header length " + headerLen + " is too short (expected a JSON object)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        readFully(file, ch, header, 8);
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;

        JsonNode root = parseHeader(file, header.array());
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (METADATA_KEY.equals(field.getKey())) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(parseEntry(file, field.getKey(), field.getValue(), dataLen));
            }
        }
        checkTiling(file, entries, dataLen);

        Map<String, TensorData> tensors = new LinkedHashMap<>();
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            TensorData t = readTensor(file, ch, chunk, dataStart, e);
            if (!allowNonFinite) {
                checkFinite(file, e.name, t);
            }
            tensors.put(e.name, t);
        }
        return new SafeTensorFile(tensors, metadata);
    }

    private static JsonNode parseHeader(Path file, byte[] header) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw corrupt(file, "header is not valid JSON: " + e.getOriginalMessage() + " (expected a UTF-8 JSON object)");
        } catch (IOException e) {
            throw corrupt(file, "header cannot be decoded: " + e.getMessage() + " (expected UTF-8 JSON)");
        }
        if (root == null || !root.isObject()) {
            throw corrupt(file, "header is " + (root == null ? "empty" : "a JSON " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                    + " (expected a JSON object of tensor entries)");
        }
        return root;
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> into) {
        if (!node.isObject()) {
            throw corrupt(file, METADATA_KEY + " is not an object (expected string keys and string values)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw corrupt(file, METADATA_KEY + " value of '" + m.getKey() + "' is " + m.getValue().getNodeType()
                        .name().toLowerCase(java.util.Locale.ROOT) + " (expected a string)");
            }
            into.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataLen) {
        if (name.isEmpty()) {
            throw corrupt(file, "a tensor has an empty name (expected a non-empty name)");
        }
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw corrupt(file, where + " is not an object (expected {dtype, shape, data_offsets})");
        }
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!ENTRY_KEYS.contains(key)) {
                throw corrupt(file, where + " has unexpected key '" + key + "' (expected exactly dtype, shape, data_offsets)");
            }
        }
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!node.has(key)) {
                throw corrupt(file, where + " has no '" + key + "' (expected exactly dtype, shape, data_offsets)");
            }
        }
        JsonNode dt = node.get("dtype");
        DType dtype = dt.isTextual() ? DType.fromHeader(dt.textValue()).orElse(null) : null;
        if (dtype == null) {
            throw corrupt(file, where + " has unknown dtype " + dt + " (expected one of " + DType.known() + ")");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode.isArray() && shapeNode.size() > MAX_RANK) {
            // A hostile header could otherwise make us allocate a huge array of dimensions.
            throw corrupt(file, where + " shape has " + shapeNode.size() + " dimensions (expected at most " + MAX_RANK + ")");
        }
        long[] shape = longArray(file, where + " shape", shapeNode, -1);
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw corrupt(file, where + " has negative dimension in shape " + Arrays.toString(shape)
                        + " (expected every dimension >= 0)");
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException overflow) {
                throw corrupt(file, where + " shape " + Arrays.toString(shape)
                        + " has more elements than a long can count (expected a tensor that fits in memory)");
            }
        }
        if (count > MAX_ARRAY) {
            throw corrupt(file, where + " shape " + Arrays.toString(shape) + " has " + count
                    + " elements (expected at most " + MAX_ARRAY + ", one Java array)");
        }
        long bytes = count * dtype.byteSize();
        long[] offsets = longArray(file, where + " data_offsets", node.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < begin) {
            throw corrupt(file, where + " has data_offsets " + Arrays.toString(offsets)
                    + " (expected 0 <= begin <= end)");
        }
        if (end > dataLen) {
            throw corrupt(file, where + " has data_offsets " + Arrays.toString(offsets) + " past the end of the "
                    + dataLen + "-byte data buffer (expected end <= " + dataLen + "; truncated file?)");
        }
        if (end - begin != bytes) {
            throw corrupt(file, where + " is " + dtype + Arrays.toString(shape) + " = " + bytes
                    + " bytes but data_offsets " + Arrays.toString(offsets) + " span " + (end - begin)
                    + " (expected end - begin = " + bytes + ")");
        }
        return new Entry(name, dtype, shape, begin, end, (int) count);
    }

    private static long[] longArray(Path file, String what, JsonNode node, int requiredLength) {
        if (!node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
            throw corrupt(file, what + " is " + node + " (expected an array of "
                    + (requiredLength >= 0 ? requiredLength + " " : "") + "integers)");
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw corrupt(file, what + " holds " + v + " (expected integers within a long)");
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** The tensors must cover the data buffer exactly: no gap, no overlap, nothing left over. */
    private static void checkTiling(Path file, List<Entry> entries, long dataLen) {
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        String previous = null;
        for (Entry e : entries) {
            if (e.begin > pos) {
                throw corrupt(file, "gap of " + (e.begin - pos) + " bytes before tensor '" + e.name + "' at offset "
                        + e.begin + " (expected tensors back to back from offset " + pos + ")");
            }
            if (e.begin < pos) {
                throw corrupt(file, "tensor '" + e.name + "' at [" + e.begin + ", " + e.end + ") overlaps tensor '"
                        + previous + "' ending at " + pos + " (expected non-overlapping data_offsets)");
            }
            pos = e.end;
            previous = e.name;
        }
        if (pos != dataLen) {
            throw corrupt(file, "tensors cover " + pos + " of the " + dataLen
                    + " data bytes (expected them to cover the data buffer exactly)");
        }
    }

    private static TensorData readTensor(Path file, FileChannel ch, ByteBuffer chunk, long dataStart, Entry e)
            throws IOException {
        int n = e.count;
        int width = e.dtype.byteSize();
        int perChunk = CHUNK / width;
        long pos = dataStart + e.begin;
        Object values = switch (e.dtype) {
            case F32, BF16, F16 -> new float[n];
            case F64 -> new double[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
        };
        for (int done = 0; done < n; ) {
            int k = Math.min(perChunk, n - done);
            chunk.clear().limit(k * width);
            readFully(file, ch, chunk, pos);
            chunk.flip();
            switch (e.dtype) {
                case F32 -> chunk.asFloatBuffer().get((float[]) values, done, k);
                case F64 -> chunk.asDoubleBuffer().get((double[]) values, done, k);
                case I32 -> chunk.asIntBuffer().get((int[]) values, done, k);
                case I64 -> chunk.asLongBuffer().get((long[]) values, done, k);
                case BF16 -> {
                    float[] f = (float[]) values;
                    for (int i = 0; i < k; i++) {
                        f[done + i] = Float.intBitsToFloat((chunk.getShort(2 * i) & 0xFFFF) << 16);
                    }
                }
                case F16 -> {
                    float[] f = (float[]) values;
                    for (int i = 0; i < k; i++) {
                        f[done + i] = halfToFloat(chunk.getShort(2 * i));
                    }
                }
            }
            done += k;
            pos += (long) k * width;
        }
        return switch (e.dtype) {
            case F32 -> TensorData.f32((float[]) values, e.shape);
            case F64 -> TensorData.f64((double[]) values, e.shape);
            case I32 -> TensorData.i32((int[]) values, e.shape);
            case I64 -> TensorData.i64((long[]) values, e.shape);
            case BF16, F16 -> TensorData.widened(e.dtype, (float[]) values, e.shape);
        };
    }

    /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // Subnormal or zero: value = mant * 2^-24.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void checkFinite(Path file, String name, TensorData t) {
        if (t.dtype() == DType.F64) {
            double[] d = t.doubles();
            for (int i = 0; i < d.length; i++) {
                if (!Double.isFinite(d[i])) {
                    throw nonFinite(file, name, i, d[i]);
                }
            }
        } else if (t.dtype().floating()) {
            float[] f = t.floats();
            for (int i = 0; i < f.length; i++) {
                if (!Float.isFinite(f[i])) {
                    throw nonFinite(file, name, i, f[i]);
                }
            }
        }
    }

    private static InfuseException nonFinite(Path file, String name, int index, double value) {
        return corrupt(file, "tensor '" + name + "' holds " + value + " at index " + index
                + " (expected finite weights; a diverged training run? load with non-finite values allowed to inspect it)");
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw corrupt(file, "file ends at byte " + pos + " (expected " + buf.remaining()
                        + " more bytes; truncated while reading?)");
            }
            pos += r;
        }
    }

    private static InfuseException corrupt(Path file, String what) {
        return new InfuseException("artifact-corrupt", file + ": " + what);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} atomically (temp file, fsync,
     * rename).
     *
     * @throws InfuseException {@code artifact-invalid} for a name, type or value that cannot be
     *     stored (empty or reserved name, BF16/F16, NaN or infinity); {@code artifact-io} on I/O errors
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, TensorData>> order = validateForWrite(file, tensors);
        byte[] header = encodeHeader(order, metadata);
        AtomicFiles.write(file, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, TensorData> e : order) {
                writeTensor(ch, chunk, e.getValue());
            }
        });
    }

    private static List<Map.Entry<String, TensorData>> validateForWrite(Path file, Map<String, TensorData> tensors) {
        List<Map.Entry<String, TensorData>> order = new ArrayList<>(new TreeMap<>(tensors).entrySet());
        for (Map.Entry<String, TensorData> e : order) {
            String name = e.getKey();
            TensorData t = e.getValue();
            if (name.isEmpty() || METADATA_KEY.equals(name)) {
                throw new InfuseException("artifact-invalid", file + ": tensor name '" + name
                        + "' cannot be stored (expected a non-empty name other than " + METADATA_KEY + ")");
            }
            if (!t.dtype().writable()) {
                throw new InfuseException("artifact-invalid", file + ": tensor '" + name + "' is " + t.dtype()
                        + " (expected F32, F64, I32 or I64 for writing)");
            }
            try {
                checkFinite(file, name, t);
            } catch (InfuseException bad) {
                throw new InfuseException("artifact-invalid", bad.getMessage().replace(
                        "load with non-finite values allowed to inspect it", "refusing to save it"));
            }
        }
        // Largest element first keeps every tensor aligned to its element size.
        order.sort(Comparator.comparingInt((Map.Entry<String, TensorData> e) -> -e.getValue().dtype().byteSize())
                .thenComparing(Map.Entry::getKey));
        return order;
    }

    /** The header bytes, padded with spaces so that the data buffer starts 8-byte aligned. */
    static byte[] encodeHeader(List<Map.Entry<String, TensorData>> order, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : order) {
            TensorData t = e.getValue();
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = (long) t.size() * t.dtype().byteSize();
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a safetensors header", e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeTensor(FileChannel ch, ByteBuffer chunk, TensorData t) throws IOException {
        int n = t.size();
        int width = t.dtype().byteSize();
        int perChunk = CHUNK / width;
        for (int done = 0; done < n; ) {
            int k = Math.min(perChunk, n - done);
            chunk.clear();
            switch (t.dtype()) {
                case F32 -> chunk.asFloatBuffer().put(t.floats(), done, k);
                case F64 -> chunk.asDoubleBuffer().put(t.doubles(), done, k);
                case I32 -> chunk.asIntBuffer().put(t.ints(), done, k);
                case I64 -> chunk.asLongBuffer().put(t.longs(), done, k);
                default -> throw new IllegalStateException("not writable: " + t.dtype());
            }
            chunk.limit(k * width);
            AtomicFiles.writeFully(ch, chunk);
            done += k;
        }
    }
}
