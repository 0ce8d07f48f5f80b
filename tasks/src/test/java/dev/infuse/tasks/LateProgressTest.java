package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The evaluation progress bar: quiet for short passes, shown once a pass runs long, never for a finished one. */
class LateProgressTest {
    @Test
    void appearsOnlyAfterTheDelayAndOnlyWhileWorkIsLeft() {
        AtomicLong now = new AtomicLong(1_000);
        try (LateProgress p = new LateProgress("evaluating", 100, 10, now::get)) {
            p.advance(40);
            assertThat(p.shown()).isFalse(); // no time has passed
            now.addAndGet(10);
            p.advance(10);
            assertThat(p.shown()).isFalse(); // exactly the delay: not yet
            now.addAndGet(1);
            p.advance(10);
            assertThat(p.shown()).isTrue();
            p.advance(40);
            assertThat(p.shown()).isTrue();
        }
        try (LateProgress p = new LateProgress("evaluating", 100, 10, now::get)) {
            now.addAndGet(1_000);
            p.advance(100); // slow but already finished: nothing to show
            assertThat(p.shown()).isFalse();
        }
    }
}
