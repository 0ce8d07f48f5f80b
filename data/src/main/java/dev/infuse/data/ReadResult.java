package dev.infuse.data;

import java.util.List;
import java.util.Objects;

/**
 * Records read from one file together with the reader's {@link ReadReport}.
 *
 * @param records the records, in file order
 * @param report what was skipped or noted, by reason
 * @param <T> record type
 */
public record ReadResult<T>(List<T> records, ReadReport report) {
    public ReadResult {
        records = List.copyOf(records);
        Objects.requireNonNull(report, "report");
    }
}
