/**
 * Paired statistics over per-item outcomes ({@code outcomes.json}): the paired bootstrap of a task
 * metric's difference recomputed from summed item counts, the paired approximate randomisation test,
 * Holm–Bonferroni adjustment, McNemar's exact test, the minimum detectable effect and seed-count advice.
 * Pure Java; depends on Infuse core only.
 */
module dev.infuse.stats {
    requires transitive dev.infuse.core;

    exports dev.infuse.stats;
}
