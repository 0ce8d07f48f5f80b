package dev.infuse.internal.io;

import dev.infuse.spi.InfuseException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The one line reader of every text format Infuse reads (data sets, knowledge graphs, embeddings):
 * a line longer than the bound (a file without newlines, {@code /dev/zero}) is a {@code data-format}
 * error naming the file and line, never buffered whole; lines are decoded strictly as UTF-8 (a
 * malformed byte is a {@code data-format} error on its line); LF ends a line, a trailing CR and a
 * leading UTF-8 BOM are dropped. Exported only to Infuse's own reader modules.
 */
public class BoundedLineReader implements Closeable {
    /** Longest accepted line in bytes: 4 MiB. */
    public static final int MAX_LINE_BYTES = 1 << 22;

    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] chunk = new byte[1 << 16];
    private final int maxLineBytes;
    private int chunkPos;
    private int chunkLen;
    private byte[] line = new byte[256];
    private long lineNumber;
    private boolean eof;

    public BoundedLineReader(Path file) {
        this(file, MAX_LINE_BYTES);
    }

    /**
     * @throws InfuseException {@code data-missing} if there is no such file, {@code data-format} for a
     *     folder, {@code data-io} if it cannot be opened
     */
    public BoundedLineReader(Path file, int maxLineBytes) {
        this.file = file;
        this.maxLineBytes = maxLineBytes;
        if (Files.isDirectory(file)) {
            throw new InfuseException("data-format", file + ": is a folder; expected a text file");
        }
        try {
            this.in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new InfuseException("data-missing", file + ": no such file");
        } catch (IOException e) {
            throw new InfuseException("data-io", file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /** The 1-based number of the line last returned. */
    public long lineNumber() {
        return lineNumber;
    }

    /** The next line without its terminator, or {@code null} at the end of the file. */
    public String next() {
        if (eof) {
            return null;
        }
        int len = 0;
        boolean sawAny = false;
        try {
            while (true) {
                if (chunkPos == chunkLen) {
                    chunkLen = in.read(chunk);
                    chunkPos = 0;
                    if (chunkLen <= 0) {
                        chunkLen = 0;
                        eof = true;
                        if (!sawAny) {
                            return null;
                        }
                        break;
                    }
                }
                sawAny = true;
                int i = chunkPos;
                while (i < chunkLen && chunk[i] != '\n') {
                    i++;
                }
                int n = i - chunkPos;
                if ((long) len + n > maxLineBytes) {
                    throw new InfuseException("data-format", file + ":" + (lineNumber + 1) + ": line longer than "
                            + maxLineBytes + " bytes; expected at most " + maxLineBytes + " bytes per line");
                }
                if (len + n > line.length) {
                    line = Arrays.copyOf(line, Math.max(len + n, line.length * 2));
                }
                System.arraycopy(chunk, chunkPos, line, len, n);
                len += n;
                chunkPos = i;
                if (i < chunkLen) {
                    chunkPos++; // the LF
                    break;
                }
            }
        } catch (IOException e) {
            throw new InfuseException("data-io", file + ": cannot be read: " + e.getMessage(), e);
        }
        lineNumber++;
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        String text;
        try {
            text = decoder.decode(ByteBuffer.wrap(line, 0, len)).toString();
        } catch (CharacterCodingException e) {
            throw new InfuseException("data-format", file + ":" + lineNumber
                    + ": malformed UTF-8 bytes; expected a UTF-8 encoded text file");
        }
        if (lineNumber == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return text;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // a read-only stream: nothing was written, nothing to lose
        }
    }
}
