package dev.infuse.study;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs cells on a fixed pool of threads in this JVM. One thread is the right default on a small
 * machine: TensorFlow already spreads one cell over every core.
 */
public final class LocalCellExecutor implements CellExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCellExecutor.class);

    private final int threads;
    private final ExecutorService pool;

    /** @param threads cells run at once, at least 1 */
    public LocalCellExecutor(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.threads = threads;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "infuse-cell-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Cells run at once. */
    public int threads() {
        return threads;
    }

    @Override
    public List<CellOutcome> execute(List<Cell> cells, CellWork work) {
        List<Future<CellOutcome>> futures = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        for (Cell cell : cells) {
            futures.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                CellOutcome outcome;
                try {
                    outcome = work.run(cell);
                } catch (Exception | LinkageError | AssertionError | OutOfMemoryError e) {
                    outcome = CellOutcome.failed(cell, e, (System.nanoTime() - t0) / 1e9);
                    LOG.warn("{} failed: {}", cell.label(), outcome.error());
                }
                LOG.info("[{}/{}] {}: {}", done.incrementAndGet(), cells.size(), cell.label(),
                        outcome.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
                return outcome;
            }));
        }
        List<CellOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            try {
                outcomes.add(futures.get(i).get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcomes.add(CellOutcome.failed(cells.get(i), e, 0));
            } catch (ExecutionException e) {
                outcomes.add(CellOutcome.failed(cells.get(i), e.getCause(), 0));
            }
        }
        return outcomes;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
