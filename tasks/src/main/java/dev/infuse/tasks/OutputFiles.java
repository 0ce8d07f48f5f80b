package dev.infuse.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/** Output files of a run, always written atomically (temp file, then rename): never half-written. */
public final class OutputFiles {
    private OutputFiles() {}

    /** Writes pretty JSON. */
    public static void writeJson(Path file, Object value) {
        try {
            writeAtomically(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(value));
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes JSON lines. */
    public static void writeJsonLines(Path file, List<Map<String, Object>> rows) {
        try {
            ObjectMapper json = new ObjectMapper();
            StringBuilder s = new StringBuilder();
            for (Map<String, Object> row : rows) {
                s.append(json.writeValueAsString(row)).append('\n');
            }
            writeAtomically(file, s.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes UTF-8 text. */
    public static void writeText(Path file, String text) {
        try {
            writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        // Not createTempFile (mode 0600): the temp file gets the umask's mode, like every other output.
        Path tmp = file.toAbsolutePath().resolveSibling("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
