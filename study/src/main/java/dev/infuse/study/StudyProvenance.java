package dev.infuse.study;

import dev.infuse.api.Fingerprints;
import dev.infuse.api.Infuse;
import dev.infuse.api.PluginInfo;
import dev.infuse.api.Provenance;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Spi;
import dev.infuse.spi.Task;
import dev.infuse.tasks.Tasks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The provenance of a study's tables: the study file, backbone, data files (hashed), versions, plugins and machine. */
final class StudyProvenance {
    private StudyProvenance() {}

    static Map<String, Object> provenance(Infuse infuse, Study study, Backbone backbone, CellExecutor executor) {
        Provenance env = Provenance.builder().build();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        p.put("study_file", study.file().toAbsolutePath().toString());
        p.put("study_sha256", Fingerprints.sha256(study.source().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        p.put("data_folder", study.dataDir() == null ? null : study.dataDir().toString());
        Map<String, Object> bb = new LinkedHashMap<>();
        bb.put("name", study.backbone().name());
        bb.put("config", study.backbone().config());
        bb.put("fingerprint", backbone.fingerprint());
        bb.put("precision", backbone.precision().label());
        p.put("backbone", bb);
        List<Map<String, Object>> data = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        for (Study.TaskEntry t : study.tasks()) {
            dataFiles(infuse, t.ref(), study.dataDir(), t.train(), t.dev(), seen, data);
        }
        for (Study.Pretraining pre : study.pretrainings()) {
            dataFiles(infuse, pre.task(), study.dataDir(), pre.train(), pre.dev(), seen, data);
        }
        p.put("data", data);
        Map<String, Object> versions = new LinkedHashMap<>();
        String v = StudyRunner.class.getPackage().getImplementationVersion();
        versions.put("infuse", v == null ? "development build" : v);
        versions.put("spi", Spi.VERSION);
        versions.put("java", env.java());
        versions.put("os", env.os());
        List<String> plugins = new ArrayList<>();
        for (PluginInfo info : infuse.registry().plugins()) {
            plugins.add(info.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + info.name() + " " + info.version());
        }
        versions.put("plugins", plugins);
        p.put("versions", versions);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", env.machine().cores());
        machine.put("memory_bytes", env.machine().memory());
        machine.put("parallel_cells", executor instanceof LocalCellExecutor l ? l.threads() : null);
        machine.put("executor", executor.getClass().getSimpleName());
        p.put("machine", machine);
        p.put("config", study.source());
        return p;
    }

    private static void dataFiles(Infuse infuse, String task, Path dataDir, Path train, Path dev, Set<Path> seen, List<Map<String, Object>> out) {
        List<Path> files = new ArrayList<>();
        try {
            Task t = Tasks.of(infuse.registry(), List.of()).create(task, Map.of());
            Tasks.DataFiles f = Tasks.resolve(t, dataDir, train, dev);
            if (f.train() == null) {
                if (seen.add(Path.of("embedded:" + task))) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("task", task);
                    row.put("path", "built in (" + t.description() + ")");
                    out.add(row);
                }
                return;
            }
            files.add(f.train());
            if (f.dev() != null) {
                files.add(f.dev());
            }
        } catch (InfuseException e) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", task);
            row.put("error", e.getMessage());
            out.add(row);
            return;
        }
        for (Path file : files) {
            if (!seen.add(file.toAbsolutePath())) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", task);
            row.put("path", file.toString());
            try {
                row.put("sha256", Fingerprints.sha256(file));
                row.put("bytes", Files.size(file));
            } catch (InfuseException | IOException e) {
                row.put("error", e.getMessage());
            }
            out.add(row);
        }
    }
}
