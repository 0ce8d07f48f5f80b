/**
 * Readers for the data formats Infuse's tasks use (FewRel, T-REx-style JSON lines, CoNLL-U,
 * SemEval-2010 Task 8, TACRED, Open Entity, LAMA), their official metrics, and seeded splits.
 *
 * <p>Every reader takes a {@link java.nio.file.Path}, reads strict UTF-8 and returns immutable
 * records in a {@link dev.infuse.data.ReadResult} with a {@link dev.infuse.data.ReadReport} of
 * documented skips. Line-based formats are read one line at a time (lines over
 * 4 MiB are refused); JSON documents are streamed record by record. Errors are
 * {@link dev.infuse.spi.InfuseException}s with these codes:
 *
 * <ul>
 *   <li>{@code data-format}: a bad record or byte; the message is
 *       {@code <file>:<line>: [record <n>, field '<f>': ]<what is wrong>; expected <what>};
 *   <li>{@code data-empty}: the file holds no records;
 *   <li>{@code data-missing}: the file or folder does not exist;
 *   <li>{@code data-io}: the file cannot be read or written;
 *   <li>{@code data-mismatch}: predictions and gold data do not line up (metrics, CoNLL-U writer).
 * </ul>
 */
package dev.infuse.data;
