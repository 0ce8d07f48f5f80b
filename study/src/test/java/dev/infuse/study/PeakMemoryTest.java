package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** A cell's peak RSS starts from its own floor, not from the mapped activation cache an earlier step left behind. */
@EnabledOnOs(OS.LINUX)
class PeakMemoryTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void aCellsPeakDoesNotCarryTheMappedPagesOfAnEarlierStep() throws Exception {
        Path file = tmp.resolve("cache.bin");
        int mib = 256;
        byte[] ones = new byte[(int) MIB];
        Arrays.fill(ones, (byte) 1);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < mib; i++) {
                ch.write(ByteBuffer.wrap(ones));
            }
        }
        long withMapping = residentAfterReading(file);

        // The step ended: nothing references the buffer any more. A new cell starts and ends at once.
        PeakMemory.Reading reading = PeakMemory.start().end();
        assertThat(reading.scope()).isEqualTo("cell");
        assertThat(reading.bytes()).isPositive().isLessThan(withMapping - 200 * MIB);
    }

    /** Maps the file, reads every page (as a training epoch reads its cache) and returns the RSS meanwhile. */
    private static long residentAfterReading(Path file) throws Exception {
        long before = PeakMemory.statusBytes("RssFile");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            long sum = 0;
            for (int i = 0; i < map.capacity(); i += 4096) {
                sum += map.get(i);
            }
            assertThat(sum).isEqualTo(map.capacity() / 4096);
            // The earlier step's cache is resident in this process (checked while the buffer is still reachable).
            assertThat(PeakMemory.statusBytes("RssFile") - before).isGreaterThan(200 * MIB);
            return PeakMemory.statusBytes("VmRSS");
        }
    }
}
