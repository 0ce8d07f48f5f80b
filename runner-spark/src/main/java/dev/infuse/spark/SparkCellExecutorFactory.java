package dev.infuse.spark;

import dev.infuse.spi.InfuseException;
import dev.infuse.study.CellExecutor;
import dev.infuse.study.CellExecutorFactory;
import java.util.Map;

/**
 * The {@code spark} cell executor, found by {@link java.util.ServiceLoader}. Loading this class needs
 * no Spark class, so a missing Spark is reported as one clear error rather than a linkage error.
 */
public final class SparkCellExecutorFactory implements CellExecutorFactory {
    static final String SPARK_CLASS = "org.apache.spark.api.java.JavaSparkContext";

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public String description() {
        return "cells as Spark tasks (options: master, shared, max-failures, startup-timeout, spark.*)";
    }

    @Override
    public CellExecutor create(Map<String, String> options) {
        requireClass(SPARK_CLASS, SparkCellExecutorFactory.class.getClassLoader());
        return SparkCellExecutor.start(SparkOptions.parse(options));
    }

    /** Fails with one clear message when Spark is not on the class path. */
    static void requireClass(String name, ClassLoader loader) {
        try {
            Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new InfuseException("config-executor-unavailable", "the Spark executor is on the class path but Spark is not ("
                    + name + " not found): add the jars of Spark 4.1 for Scala 2.13 (e.g. $SPARK_HOME/jars/*) to the class path,"
                    + " or run through spark-submit; see docs/SPARK.md");
        }
    }
}
