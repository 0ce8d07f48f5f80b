package dev.infuse.kg;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entity names read from {@code id<TAB>text} files such as WN18RR's and FB15k-237's
 * {@code entity2text.txt} (the text may itself hold commas, e.g. "name, definition").
 */
public final class EntityNames {
    private EntityNames() {}

    /**
     * Reads {@code id<TAB>text} lines into an insertion-ordered map.
     *
     * @throws InfuseException {@code data-format} for a line without a tab or with an empty id, or a
     *     repeated id; {@code data-missing} when the file does not exist
     */
    public static Map<String, String> read(Path file) {
        Map<String, String> names = new LinkedHashMap<>();
        KnowledgeGraph.forEachLine(file, (line, no) -> {
            int tab = line.indexOf('\t');
            if (tab <= 0) {
                throw new InfuseException("data-format", file + ":" + no
                        + ": expected id<TAB>text, found " + (tab < 0 ? "no tab" : "an empty id"));
            }
            String id = line.substring(0, tab);
            if (names.put(id, line.substring(tab + 1).trim()) != null) {
                throw new InfuseException("data-format", file + ":" + no + ": id '" + id + "' appears twice, expected unique ids");
            }
        });
        return Collections.unmodifiableMap(names);
    }
}
