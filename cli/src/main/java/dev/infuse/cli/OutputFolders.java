package dev.infuse.cli;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Checks, before any work, that an output folder can be created and written, keeping the system's reason. */
final class OutputFolders {
    private OutputFolders() {}

    /**
     * Creates {@code dir} if needed and writes (then deletes) a probe file in it.
     *
     * @param what the option that named the folder, e.g. {@code --out}
     * @param code the error code, e.g. {@code config-output-folder}
     */
    static void requireWritable(Path dir, String what, String code) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InfuseException(code, what + " " + dir + ": the folder cannot be created (" + reason(e) + "); expected a writable folder", e);
        }
        Path probe = dir.resolve(".infuse-write-check-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()));
        try {
            Files.write(probe, new byte[0], StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new InfuseException(code, what + " " + dir + ": cannot write in the folder (" + reason(e) + "); expected a writable folder", e);
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // the folder let us create the file; a failed delete leaves an empty hidden file at worst
            }
        }
    }

    /** The operating system's reason for a failed file operation, in words ("permission denied"). */
    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException) {
            return "a file, not a folder, is in the way: " + e.getMessage();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + e.getMessage();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
