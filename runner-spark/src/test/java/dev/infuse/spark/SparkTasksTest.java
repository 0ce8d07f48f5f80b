package dev.infuse.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.InfuseException;
import org.junit.jupiter.api.Test;

/** How a failed cell's last attempt is reported. */
class SparkTasksTest {
    @Test
    void aClassMissingOnAnExecutorIsAJarNotShipped() {
        Throwable t = SparkTasks.explain(new RuntimeException(new NoClassDefFoundError("com/fasterxml/jackson/dataformat/yaml/YAMLParser")),
                "node-7");
        assertThat(t).isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-executor-unavailable"))
                .hasMessageContaining("com.fasterxml.jackson.dataformat.yaml.YAMLParser").hasMessageContaining("node-7")
                .hasMessageContaining("--jars").hasMessageContaining("docs/SPARK.md");
        assertThat(SparkTasks.explain(new ClassNotFoundException("org.example.MyAdapter"), "h"))
                .isInstanceOf(InfuseException.class).hasMessageContaining("org.example.MyAdapter");
    }

    @Test
    void otherFailuresStayAsTheyAre() {
        RuntimeException plain = new IllegalStateException("boom");
        assertThat(SparkTasks.explain(plain, "h")).isSameAs(plain);
        NoClassDefFoundError init = new NoClassDefFoundError("Could not initialize class org.tensorflow.Graph");
        assertThat(SparkTasks.explain(init, "h")).isSameAs(init);
        InfuseException known = new InfuseException("config-unknown-key", "adapter_sise");
        assertThat(SparkTasks.explain(known, "h")).isSameAs(known);
        InfuseException explained = new InfuseException("plugin-load-failed", "plugin jar x.jar: class not found",
                new ClassNotFoundException("org.example.Gone"));
        assertThat(SparkTasks.explain(explained, "h")).isSameAs(explained);
    }
}
