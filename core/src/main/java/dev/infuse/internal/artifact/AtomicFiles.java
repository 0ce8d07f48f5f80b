package dev.infuse.internal.artifact;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Whole-file writes that readers never see half done: temp sibling, fsync, atomic rename. */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {}

    /** Writes the body of a file into an open channel. */
    @FunctionalInterface
    public interface Body {
        /** Writes the whole content; the channel is forced and closed by the caller. */
        void writeTo(FileChannel channel) throws IOException;
    }

    /** A random suffix for temp names, so that concurrent or crashed writes never collide. */
    static String randomSuffix() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Writes {@code target} through a hidden temp file in the same folder, forces it to disk, then
     * renames it over {@code target}. On failure the temp file is removed and {@code target} is
     * unchanged.
     *
     * @throws InfuseException {@code artifact-io} when the file system refuses
     */
    public static void write(Path target, Body body) {
        Path file = target.toAbsolutePath().normalize();
        Path dir = file.getParent();
        Path temp = dir.resolve("." + file.getFileName() + ".tmp-" + randomSuffix());
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(ch);
                ch.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", file + ": could not write (" + e + ")", e);
        } finally {
            deleteQuietly(temp);
        }
    }

    /** Writes a byte array atomically. */
    public static void write(Path target, byte[] content) {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(content)));
    }

    /** Loops until the whole buffer is written (a channel may write less than asked). */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * Forces a directory's entries (renames, creations) to disk. Not every platform can open a
     * directory as a channel; there the rename is as durable as the OS makes it.
     */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open directories; nothing more can be done portably.
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover hidden temp file is harmless and is never read as an artifact.
        }
    }
}
