package dev.infuse.kg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.SafeTensors;
import dev.infuse.api.TensorData;
import dev.infuse.spi.InfuseException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Entity id → vector table: {@code ids.size()} rows of {@code dimension} floats, row-major.
 *
 * <p>Two file formats:
 * <ul>
 *   <li>Text: one {@code id<TAB>v1 v2 ...} line per entity (space-separated floats).</li>
 *   <li>Safetensors: tensor {@code entity_embeddings} of shape [N, d] (F32) and the metadata key
 *       {@code entity_ids} holding the ids as a JSON array of strings, row i ↔ id i; plus
 *       {@code format = infuse-entity-embeddings} and {@code format_version = 1}.</li>
 * </ul>
 * Both refuse NaN and infinite values and check the dimension of every row.
 */
public final class EntityEmbeddings {
    /** Tensor name in safetensors files. */
    public static final String TENSOR = "entity_embeddings";
    /** Metadata key holding the JSON id list. */
    public static final String IDS_KEY = "entity_ids";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> ids;
    private final int dimension;
    private final float[] vectors;
    private Map<String, Integer> index;

    /**
     * @param ids entity ids, unique
     * @param dimension vector size
     * @param vectors {@code ids.size() * dimension} values, row-major (not copied)
     */
    public EntityEmbeddings(List<String> ids, int dimension, float[] vectors) {
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be positive, got " + dimension);
        }
        if ((long) ids.size() * dimension != vectors.length) {
            throw new IllegalArgumentException(ids.size() + " ids × dimension " + dimension + " != " + vectors.length + " values");
        }
        this.ids = List.copyOf(ids);
        this.dimension = dimension;
        this.vectors = vectors;
    }

    public List<String> ids() {
        return ids;
    }

    public int dimension() {
        return dimension;
    }

    public int size() {
        return ids.size();
    }

    /** The row-major values (not copied). */
    public float[] vectors() {
        return vectors;
    }

    /** The row of {@code id} as a copy, or null when unknown. */
    public float[] vector(String id) {
        if (index == null) {
            Map<String, Integer> m = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                m.put(ids.get(i), i);
            }
            index = m;
        }
        Integer i = index.get(id);
        return i == null ? null : Arrays.copyOfRange(vectors, i * dimension, (i + 1) * dimension);
    }

    /** Writes the text format atomically (temp file in the same folder, then rename). */
    public void writeText(Path file) {
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < ids.size(); i++) {
                    String id = ids.get(i);
                    if (id.indexOf('\t') >= 0 || id.indexOf('\n') >= 0) {
                        throw new InfuseException("data-format", "entity id '" + id + "' holds a tab or newline and cannot be written as text");
                    }
                    sb.setLength(0);
                    sb.append(id).append('\t');
                    for (int j = 0; j < dimension; j++) {
                        float v = vectors[i * dimension + j];
                        if (!Float.isFinite(v)) {
                            throw new InfuseException("data-invalid", "entity '" + id + "' has a non-finite value " + v + " at " + j);
                        }
                        if (j > 0) {
                            sb.append(' ');
                        }
                        sb.append(v);
                    }
                    w.append(sb).append('\n');
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new InfuseException("data-io", target + ": could not write (" + e + ")", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temp file is hidden and will be overwritten next time
            }
        }
    }

    /**
     * Reads the text format.
     *
     * @param expectedDimension the required dimension, or 0 to take it from the first line
     * @throws InfuseException {@code data-format} for a line without a tab, an unparsable or non-finite
     *     number, a repeated id or a row whose size differs from the first; {@code data-dimension-mismatch}
     *     when the file's dimension differs from {@code expectedDimension}
     */
    public static EntityEmbeddings readText(Path file, int expectedDimension) {
        List<String> ids = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        float[][] rows = {new float[1024]};
        int[] dim = {0};
        int[] n = {0};
        KnowledgeGraph.forEachLine(file, (line, no) -> {
            int tab = line.indexOf('\t');
            if (tab <= 0) {
                throw new InfuseException("data-format", file + ":" + no + ": expected id<TAB>v1 v2 ..., found "
                        + (tab < 0 ? "no tab" : "an empty id"));
            }
            String id = line.substring(0, tab);
            String[] parts = line.substring(tab + 1).trim().split(" +");
            if (dim[0] == 0) {
                dim[0] = parts.length;
                if (expectedDimension > 0 && dim[0] != expectedDimension) {
                    throw mismatch(file, dim[0], expectedDimension);
                }
            } else if (parts.length != dim[0]) {
                throw new InfuseException("data-format", file + ":" + no + ": found " + parts.length
                        + " values, expected " + dim[0] + " like the lines before");
            }
            if (seen.put(id, no) != null) {
                throw new InfuseException("data-format", file + ":" + no + ": id '" + id + "' appears twice (first on line "
                        + seen.get(id) + "), expected unique ids");
            }
            int base = n[0] * dim[0];
            if (base + dim[0] > rows[0].length) {
                rows[0] = Arrays.copyOf(rows[0], Math.max(rows[0].length * 2, base + dim[0]));
            }
            for (int j = 0; j < parts.length; j++) {
                float v;
                try {
                    v = Float.parseFloat(parts[j]);
                } catch (NumberFormatException e) {
                    throw new InfuseException("data-format", file + ":" + no + ": value " + (j + 1) + " '" + parts[j]
                            + "' is not a number");
                }
                if (!Float.isFinite(v)) {
                    throw new InfuseException("data-format", file + ":" + no + ": value " + (j + 1) + " is " + parts[j]
                            + ", expected a finite number");
                }
                rows[0][base + j] = v;
            }
            ids.add(id);
            n[0]++;
        });
        if (ids.isEmpty()) {
            throw new InfuseException("data-format", file + ": no embeddings, expected id<TAB>v1 v2 ... lines");
        }
        return new EntityEmbeddings(ids, dim[0], Arrays.copyOf(rows[0], n[0] * dim[0]));
    }

    private static InfuseException mismatch(Path file, int found, int expected) {
        return new InfuseException("data-dimension-mismatch", file + ": embeddings have dimension " + found
                + ", expected " + expected);
    }

    /** Writes the safetensors format atomically. */
    public void writeSafeTensors(Path file) {
        Map<String, String> meta = new HashMap<>();
        try {
            meta.put(IDS_KEY, JSON.writeValueAsString(ids));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        meta.put("format", "infuse-entity-embeddings");
        meta.put("format_version", "1");
        SafeTensors.write(file, Map.of(TENSOR, TensorData.f32(vectors, ids.size(), dimension)), meta);
    }

    /**
     * Reads the safetensors format.
     *
     * @param expectedDimension the required dimension, or 0 for any
     * @throws InfuseException {@code data-format} when the tensor or id list is missing or they
     *     disagree; {@code data-dimension-mismatch}; the {@code artifact-*} codes of {@link SafeTensors#read}
     */
    public static EntityEmbeddings readSafeTensors(Path file, int expectedDimension) {
        SafeTensorFile f = SafeTensors.read(file);
        TensorData t = f.tensors().get(TENSOR);
        if (t == null) {
            throw new InfuseException("data-format", file + ": no tensor '" + TENSOR + "', found " + f.tensors().keySet());
        }
        if (t.rank() != 2) {
            throw new InfuseException("data-format", file + ": tensor '" + TENSOR + "' has shape "
                    + Arrays.toString(t.shape()) + ", expected [entities, dimension]");
        }
        int d = (int) t.shape()[1];
        if (expectedDimension > 0 && d != expectedDimension) {
            throw mismatch(file, d, expectedDimension);
        }
        String json = f.metadata().get(IDS_KEY);
        if (json == null) {
            throw new InfuseException("data-format", file + ": metadata has no '" + IDS_KEY + "' (JSON list of entity ids)");
        }
        List<String> ids;
        try {
            ids = List.of(JSON.readValue(json, String[].class));
        } catch (IOException | NullPointerException e) {
            throw new InfuseException("data-format", file + ": metadata '" + IDS_KEY + "' is not a JSON list of strings");
        }
        if (ids.size() != t.shape()[0]) {
            throw new InfuseException("data-format", file + ": " + ids.size() + " ids but " + t.shape()[0]
                    + " rows, expected one id per row");
        }
        if (ids.stream().distinct().count() != ids.size()) {
            throw new InfuseException("data-format", file + ": metadata '" + IDS_KEY + "' repeats an id, expected unique ids");
        }
        return new EntityEmbeddings(ids, d, t.floats());
    }
}
