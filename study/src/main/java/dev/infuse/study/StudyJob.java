package dev.infuse.study;

import dev.infuse.api.Infuse;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything another JVM needs to rebuild a study's cell work: the study text (with the path it was
 * read from, against which relative paths resolve), the resolved data folder, the output folder and
 * the Infuse settings. Plain strings and numbers, so a cluster backend can ship it as it likes;
 * {@link StudyRunner#runCell} runs one cell from it.
 *
 * @param studyFile the study file's absolute path (for messages and relative paths)
 * @param studyText the study file's text
 * @param dataDir the data folder in effect (absolute), or null
 * @param out the study's output folder (absolute); cells write below it
 * @param cacheDir the Infuse cache root (activation caches live in {@code <cacheDir>/activations})
 * @param pluginsDir the plugins folder, or null for none (plugins on the class path are always found)
 * @param seed the Infuse runtime seed
 * @param failedPretrainings per pretraining id, the error that made it fail ({@code error[code]: message});
 *     evaluation cells needing one of them fail with it
 */
public record StudyJob(String studyFile, String studyText, String dataDir, String out, String cacheDir, String pluginsDir,
        long seed, Map<String, String> failedPretrainings) {

    public StudyJob {
        failedPretrainings = Map.copyOf(failedPretrainings);
    }

    /** The job of running {@code study} into {@code out} with this runtime's settings. */
    public static StudyJob of(Infuse infuse, Study study, Path out) {
        Path plugins = infuse.registry().pluginsDirectory();
        return new StudyJob(study.file().toAbsolutePath().toString(), study.source(),
                study.dataDir() == null ? null : study.dataDir().toAbsolutePath().toString(), out.toAbsolutePath().toString(),
                infuse.settings().cacheDirectory().toAbsolutePath().toString(),
                plugins == null ? null : plugins.toAbsolutePath().toString(), infuse.settings().seed(), Map.of());
    }

    /** The same job with another cache root (a cluster backend puts it on the shared folder). */
    public StudyJob withCacheDir(Path dir) {
        return new StudyJob(studyFile, studyText, dataDir, out, dir.toAbsolutePath().toString(), pluginsDir, seed,
                failedPretrainings);
    }

    /** The same job knowing which pretraining steps failed. */
    public StudyJob withFailedPretrainings(Map<String, String> failed) {
        return new StudyJob(studyFile, studyText, dataDir, out, cacheDir, pluginsDir, seed, new TreeMap<>(failed));
    }

    /** Parses the study again from its text. */
    public Study study() {
        return StudyFile.parse(Path.of(studyFile), studyText, dataDir == null ? null : Path.of(dataDir));
    }
}
