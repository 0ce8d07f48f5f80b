package dev.infuse.study;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One study run per output folder. Two runs into the same folder would delete each other's unfinished cells (a run
 * starts by removing them) and train the same cells twice; the run holds an operating-system lock on
 * {@code <out>/.study.lock} instead, released when it ends — or when its process dies, so a killed run leaves no stale
 * lock. The file names the holder (process id, start time) for the error and for {@link StudyStatus}.
 */
final class StudyLock implements AutoCloseable {
    static final String FILE = ".study.lock";

    /**
     * Locks held by this JVM. This process must not open their files again: the OS would not report its own lock, and
     * closing any descriptor of a locked file releases the process's lock on it (POSIX record locks).
     */
    private static final Map<Path, StudyLock> HELD = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final String holder;

    private StudyLock(Path file, FileChannel channel, FileLock lock, String holder) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /**
     * Locks the output folder {@code out} (which exists) for this run.
     *
     * @throws InfuseException {@code config-study-running} when another run holds it
     */
    static StudyLock acquire(Path out) {
        Path file = out.resolve(FILE).toAbsolutePath().normalize();
        StudyLock mine = HELD.get(file);
        if (mine != null) {
            throw running(out, mine.holder);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw running(out, read(file));
            }
            String holder = "pid " + ProcessHandle.current().pid() + ", started " + Instant.now().truncatedTo(ChronoUnit.SECONDS);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            StudyLock held = new StudyLock(file, channel, lock, holder);
            HELD.put(file, held);
            return held;
        } catch (IOException e) {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // the lock could not be taken: nothing held
            }
            throw new InfuseException("artifact-io", "cannot lock the study's output folder " + out + " (" + file + "): " + e.getMessage(), e);
        }
    }

    /**
     * Who is running the study in {@code out} now ({@code pid 4242, started 2026-12-06T18:40:00Z}), or null when no run
     * holds its lock. Reads without disturbing a holder.
     */
    static String holder(Path out) {
        Path file = out.resolve(FILE).toAbsolutePath().normalize();
        StudyLock mine = HELD.get(file);
        if (mine != null) {
            return mine.holder;
        }
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe == null) {
                return read(file);
            }
            probe.release();
            return null;
        } catch (OverlappingFileLockException e) {
            return read(file);
        } catch (IOException e) {
            return null; // unreadable: no run can be named; a run would say why it cannot lock
        }
    }

    private static InfuseException running(Path out, String holder) {
        return new InfuseException("config-study-running", "another 'infuse study' run is writing into " + out
                + (holder == null || holder.isBlank() ? "" : " (" + holder + ")")
                + "; wait for it or stop it, then rerun: the study resumes where it stopped ('infuse study STUDY --out "
                + out + " --status' shows how far it has got)");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        HELD.remove(file);
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the process keeps no lock past its channel; nothing else to undo
        }
    }
}
