package dev.infuse.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import dev.infuse.study.CellExecutors;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input of the Spark backend gives one clear error, fast, before Spark starts. */
class SparkBadInputTest {
    @TempDir
    Path tmp;

    @Test
    void theBackendIsDiscoveredByName() {
        assertThat(CellExecutors.available()).containsExactly("local", "spark");
    }

    @Test
    void anUnknownBackendNamesTheAvailableOnes() {
        assertThatThrownBy(() -> CellExecutors.open("flink", Map.of()))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-executor-unavailable"))
                .hasMessageContaining("'flink'").hasMessageContaining("local, spark");
    }

    @Test
    void missingSparkIsOneClearMessage() {
        assertThatThrownBy(() -> SparkCellExecutorFactory.requireClass("org.apache.spark.NotHere", getClass().getClassLoader()))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-executor-unavailable"))
                .hasMessageContaining("Spark 4.1").hasMessageContaining("docs/SPARK.md");
        SparkCellExecutorFactory.requireClass(SparkCellExecutorFactory.SPARK_CLASS, getClass().getClassLoader());
    }

    @Test
    void anUnreachableMasterFailsFast() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String master = "spark://127.0.0.1:" + port;
        assertThatThrownBy(() -> CellExecutors.open("spark", Map.of("master", master, "shared", tmp.toString())))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-spark-unreachable"))
                .hasMessageContaining(master).hasMessageContaining("--spark-master");
    }

    @Test
    void aSharedFolderThatCannotBeWrittenIsRefusedUpFront() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        assertThatThrownBy(() -> CellExecutors.open("spark", Map.of("master", "local[1]", "shared", file.resolve("sub").toString())))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-shared-folder"))
                .hasMessageContaining(file.resolve("sub").toString()).hasMessageContaining("not writable");
    }

    @Test
    void optionsAreCheckedAndLocalMastersRetry() {
        assertThat(SparkOptions.parse(Map.of("master", "local[2]", "shared", "/x", "max-failures", "3")).effectiveMaster())
                .isEqualTo("local[2,3]");
        assertThat(SparkOptions.parse(Map.of("master", "local", "shared", "/x")).effectiveMaster()).isEqualTo("local[1,4]");
        assertThat(SparkOptions.parse(Map.of("master", "local[*,5]", "shared", "/x")).effectiveMaster()).isEqualTo("local[*,4]");
        SparkOptions cluster = SparkOptions.parse(Map.of("master", "spark://h:7077", "shared", "/x", "spark.executor.memory", "6g"));
        assertThat(cluster.effectiveMaster()).isEqualTo("spark://h:7077");
        assertThat(cluster.local()).isFalse();
        assertThat(cluster.conf()).containsEntry("spark.executor.memory", "6g");
        assertThatThrownBy(() -> SparkOptions.parse(Map.of("master", "local", "shared", "/x", "mem", "1")))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("usage")).hasMessageContaining("'mem'");
        assertThatThrownBy(() -> SparkOptions.parse(Map.of("master", "local", "shared", "/x", "max-failures", "0")))
                .hasMessageContaining("max-failures=0");
        assertThatThrownBy(() -> SparkOptions.parse(Map.of("master", "local"))).hasMessageContaining("--shared");
    }
}
