package dev.infuse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a file is, for "was not rewritten" checks: its file key (device and inode on Unix) and the
 * SHA-256 of its content. Infuse writes files to a temporary file renamed into place, so a rewrite
 * changes the key even when the content is the same; unlike modification times, neither depends on
 * the clock's resolution.
 *
 * @param key the file system's key of the file ({@code null} where the file system has none)
 * @param sha256 the content's SHA-256 in lower-case hex
 */
public record FileIdentity(Object key, String sha256) {
    /** The identity of {@code file} now. */
    public static FileIdentity of(Path file) {
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return new FileIdentity(key, HexFormat.of().formatHex(md.digest(Files.readAllBytes(file))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
