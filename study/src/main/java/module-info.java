/**
 * Comparative studies: a YAML study file names a backbone, tasks, methods (sets of adapters and a
 * fusion) and seeds; the runner trains and evaluates every cell of the grid, resumably and in
 * parallel where the machine allows, and writes tables, charts and a self-contained HTML report.
 */
module dev.infuse.study {
    requires transitive dev.infuse.tasks;
    requires transitive dev.infuse.stats;
    requires dev.infuse.kg;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires org.jfree.jfreechart;
    requires org.jfree.svg;
    requires java.desktop;

    exports dev.infuse.study;

    uses dev.infuse.study.CellExecutorFactory;
}
