package dev.infuse.kg;

import java.nio.file.Path;

/**
 * The shared bounded, strict UTF-8 line reader ({@link dev.infuse.internal.io.BoundedLineReader}) under
 * the knowledge-graph readers' name: the same line bound as the data readers.
 */
final class BoundedLines extends dev.infuse.internal.io.BoundedLineReader {
    /** Longest accepted line in bytes: 4 MiB, as {@code dev.infuse.data}'s readers. */
    static final int MAX_LINE_BYTES = dev.infuse.internal.io.BoundedLineReader.MAX_LINE_BYTES;

    BoundedLines(Path file) {
        super(file);
    }

    BoundedLines(Path file, int maxLineBytes) {
        super(file, maxLineBytes);
    }
}
