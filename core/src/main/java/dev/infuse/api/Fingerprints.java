package dev.infuse.api;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests of files and bytes, as lower-case hex, for artifact and data provenance. */
public final class Fingerprints {
    private static final int BUFFER = 1 << 16;

    private Fingerprints() {}

    /**
     * Streams a file through SHA-256 (constant memory, any size).
     *
     * @return 64 lower-case hex digits
     * @throws InfuseException {@code data-missing} if the file does not exist, {@code artifact-io}
     *     if it cannot be read
     */
    public static String sha256(Path file) {
        MessageDigest md = newDigest();
        byte[] buf = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        } catch (NoSuchFileException e) {
            throw new InfuseException("data-missing", file + ": no such file (expected a readable file to hash)");
        } catch (IOException e) {
            throw new InfuseException("artifact-io", file + ": cannot read for hashing (" + e + ")", e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 of {@code bytes} as 64 lower-case hex digits. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
