package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.infuse.spi.InfuseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Small helpers for tests that write their own data files. */
final class TestFiles {
    private TestFiles() {}

    static Path write(Path dir, String name, String content) {
        return writeBytes(dir, name, content.getBytes(StandardCharsets.UTF_8));
    }

    static Path writeBytes(Path dir, String name, byte[] content) {
        try {
            Path p = dir.resolve(name);
            Files.createDirectories(p.getParent());
            Files.write(p, content);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** UTF-8 text with one Latin-1 'é' (byte 0xE9, malformed in UTF-8) spliced in at {@code marker}. */
    static byte[] withLatin1(String text, String marker) {
        int at = text.indexOf(marker);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(text.substring(0, at).getBytes(StandardCharsets.UTF_8));
        out.write(0xE9);
        out.writeBytes(text.substring(at + marker.length()).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A single line longer than the line limit. */
    static String hugeLine() {
        return "x".repeat(DataFiles.MAX_LINE_BYTES + 10);
    }

    /** Runs {@code call}, expecting an InfuseException with {@code code}; returns it. */
    static InfuseException fails(String code, ThrowingCallable call) {
        InfuseException e = catchThrowableOfType(InfuseException.class, call);
        assertThat(e).as("expected InfuseException " + code).isNotNull();
        assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
        return e;
    }
}
