package dev.infuse.tasks.declarative;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Task;
import java.nio.file.Path;

/** Declarative tasks: a YAML or JSON file mapping a data file's fields to a common task shape. */
public final class TaskFile {
    private TaskFile() {}

    /** Reads a task file. */
    public static Task read(Path file) {
        throw new InfuseException("usage", file + ": task files are not supported yet");
    }
}
