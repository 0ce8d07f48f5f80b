package dev.infuse.cli;

import dev.infuse.tasks.OutputFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Atomic JSON output of the commands (shared with the task runner). */
final class Json {
    private Json() {}

    static void write(Path file, Object value) {
        OutputFiles.writeJson(file, value);
    }

    static void writeLines(Path file, List<Map<String, Object>> rows) {
        OutputFiles.writeJsonLines(file, rows);
    }
}
