/**
 * Comparative studies: a YAML study file ({@link dev.infuse.study.StudyFile}, read into a {@link dev.infuse.study.Study})
 * names a backbone, tasks, methods and seeds; {@link dev.infuse.study.StudyRunner} runs its grid resumably and writes
 * tables, charts and a report ({@link dev.infuse.study.StudyResults}).
 *
 * <p>The public API is small: {@code StudyRunner} (run, report, the entry points of cluster backends), the
 * {@link dev.infuse.study.CellExecutor} SPI with its {@link dev.infuse.study.CellExecutorFactory}, {@code StudyStatus},
 * {@code StudyArchive} (export and import of results), {@code StudyReport#write} and the value types. The rest is
 * package-private, one class per concern — where a change belongs:
 * <ul>
 *   <li>{@code StudyRun}: one run, in its steps (knowledge graphs, groups of pretraining steps and cells wave by wave,
 *       tables); {@code TimeLimit} and {@code StepExport} are what a run's options add to it;</li>
 *   <li>{@code StudyGrid}: the cells and folders of the grid, the slice a run selects and the order it takes them in;</li>
 *   <li>{@code StepFolders} and {@code Recipes}: a step's folder on disk (complete, reusable for its recipe, written
 *       atomically, checkpointed per epoch) and what its result depends on;</li>
 *   <li>{@code StepWork}: the work of one pretraining step or cell through {@code TaskRunner};</li>
 *   <li>{@code RemoteCells}: the same work in another JVM, for cluster backends;</li>
 *   <li>{@code StudyValidation} and {@code StudyProvenance}: the checks before anything runs, and the provenance of
 *       the tables;</li>
 *   <li>{@code StudyReport} (summaries over seeds, and writing every output) with {@code StudyStatistics} (paired comparisons), and the outputs
 *       {@code ResultsJson}, {@code ResultsCsv}, {@code ResultsMarkdown}, {@code Charts}, {@code HtmlReport}.</li>
 * </ul>
 */
package dev.infuse.study;
