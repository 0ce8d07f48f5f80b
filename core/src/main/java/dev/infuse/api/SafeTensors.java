package dev.infuse.api;

import dev.infuse.internal.artifact.SafeTensorsCodec;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files, the
 * format Infuse stores weights in; files it writes load in Python with
 * {@code safetensors.numpy.load_file}.
 *
 * <p>Reading validates the whole header against the file's size before allocating anything, so a
 * damaged or hostile file fails with {@code artifact-corrupt} and a message naming the file and the
 * fault, never with an {@link OutOfMemoryError}.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /**
     * Writes tensors and string metadata atomically: the file is either the old one or the complete
     * new one, even if the process dies mid-write.
     *
     * @throws dev.infuse.spi.InfuseException {@code artifact-invalid} for a tensor that cannot be
     *     stored (BF16/F16, NaN or infinite values, empty name); {@code artifact-io} on I/O errors
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        SafeTensorsCodec.write(file, tensors, metadata);
    }

    /**
     * Reads a file, refusing NaN and infinite values in floating-point tensors.
     *
     * @throws dev.infuse.spi.InfuseException {@code artifact-corrupt}, {@code artifact-missing} or
     *     {@code artifact-io}
     */
    public static SafeTensorFile read(Path file) {
        return SafeTensorsCodec.read(file, false);
    }

    /** Reads a file; {@code allowNonFinite} accepts NaN and infinite values (e.g. to inspect a diverged run). */
    public static SafeTensorFile read(Path file, boolean allowNonFinite) {
        return SafeTensorsCodec.read(file, allowNonFinite);
    }
}
