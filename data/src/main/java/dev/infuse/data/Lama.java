package dev.infuse.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Reader for a LAMA probe folder, in the layout of the LAMA release:
 *
 * <pre>
 * folder/relations.jsonl          {"relation": "P19", "template": "[X] was born in [Y] .", "label": ..., "type": ...}
 * folder/&lt;facts&gt;/P19.jsonl        {"sub_label", "obj_label", "sub_uri", "obj_uri", "predicate_id",
 *                                  "evidences": [{"masked_sentence": "..."}]}
 * </pre>
 *
 * <p>The facts sub-folder is found by scanning: of the folder's immediate sub-folders, the one
 * holding fact files for the most relations of {@code relations.jsonl} wins (ties go to the first
 * name in sorted order), so {@code TREx/} is found next to e.g. {@code Squad/}. A fact file is
 * {@code <relation>.jsonl}, or else {@code <relation>_test.jsonl}. Relations without a fact file are
 * listed in {@link LamaProbe#missingRelations()} and counted under {@code "relation-file-missing"};
 * they are not fatal.
 *
 * <p>LAMA probes only facts whose object is a single token of the model's vocabulary. The reader
 * has no vocabulary, so it takes an object filter: facts it rejects are skipped and counted under
 * {@code "object-label-filtered"}. The default, {@link #SINGLE_WORD}, keeps objects without
 * whitespace; pass a vocabulary check for the exact LAMA rule. Evidence sentences are read from
 * {@code evidences[].masked_sentence} or, in the Google-RE/SQuAD shape, {@code masked_sentences}.
 */
public final class Lama {
    /** Keeps objects that are one non-empty word (no whitespace). */
    public static final Predicate<String> SINGLE_WORD = s -> !s.isEmpty() && s.codePoints().noneMatch(Character::isWhitespace);

    /** Name of the relations file in a LAMA folder. */
    public static final String RELATIONS_FILE = "relations.jsonl";

    private static final String EXPECTED_RELATION =
            "a JSON object with relation, template (with one [X] and one [Y]), optional label and type";
    private static final String EXPECTED_FACT = "a JSON object with sub_label, obj_label, optional sub_uri, "
            + "obj_uri, predicate_id, evidences[].masked_sentence";

    private Lama() {}

    /** Reads the folder with the {@link #SINGLE_WORD} object filter. */
    public static LamaProbe read(Path folder) {
        return read(folder, SINGLE_WORD);
    }

    /** Reads the folder, finding the facts sub-folder by scanning. */
    public static LamaProbe read(Path folder, Predicate<String> objectFilter) {
        List<LamaRelation> templates = readRelations(folder.resolve(RELATIONS_FILE));
        return readFacts(templates, findFactsFolder(folder, templates), objectFilter);
    }

    /** Reads the folder, taking the facts from the named sub-folder. */
    public static LamaProbe read(Path folder, String factsSubfolder, Predicate<String> objectFilter) {
        List<LamaRelation> templates = readRelations(folder.resolve(RELATIONS_FILE));
        Path facts = folder.resolve(factsSubfolder);
        if (!Files.isDirectory(facts)) {
            throw new InfuseException("data-missing", facts + ": no such folder; expected a folder of "
                    + "<relation>.jsonl fact files");
        }
        return readFacts(templates, facts, objectFilter);
    }

    /** Reads {@code relations.jsonl}; the returned relations have no facts yet. */
    public static List<LamaRelation> readRelations(Path file) {
        List<LamaRelation> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long n = lines.lineNumber();
                JsonNode node = DataFiles.parseLine(file, n, line, EXPECTED_RELATION);
                DataFiles.Where where = new DataFiles.Where(file, n, null);
                String relation = where.text(node, "relation");
                String template = where.text(node, "template");
                if (count(template, "[X]") != 1 || count(template, "[Y]") != 1) {
                    throw where.error("template", "'" + template + "' does not hold exactly one [X] and one [Y]",
                            "a template like '[X] was born in [Y] .'");
                }
                if (!seen.add(relation)) {
                    throw where.error("relation", "'" + relation + "' appears twice", "unique relation ids");
                }
                out.add(new LamaRelation(relation, template, where.optionalText(node, "label"),
                        where.optionalText(node, "type"), List.of()));
            }
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, EXPECTED_RELATION + " per line");
        }
        return out;
    }

    private static int count(String s, String part) {
        int c = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            c++;
        }
        return c;
    }

    /** The fact file of a relation in a facts folder ({@code <relation>.jsonl}, else {@code <relation>_test.jsonl}), or null. */
    static Path factFile(Path dir, String relation) {
        Path plain = dir.resolve(relation + ".jsonl");
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path test = dir.resolve(relation + "_test.jsonl");
        return Files.isRegularFile(test) ? test : null;
    }

    private static Path findFactsFolder(Path folder, List<LamaRelation> relations) {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(folder)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw DataFiles.io(folder, e);
        }
        Path best = null;
        int bestCount = 0;
        for (Path d : dirs) {
            int c = 0;
            for (LamaRelation r : relations) {
                if (factFile(d, r.relation()) != null) {
                    c++;
                }
            }
            if (c > bestCount) {
                best = d;
                bestCount = c;
            }
        }
        if (best == null) {
            throw new InfuseException("data-format", folder + ": no sub-folder holds a <relation>.jsonl file for any "
                    + "relation of " + RELATIONS_FILE + "; expected the LAMA layout (e.g. TREx/P19.jsonl)");
        }
        return best;
    }

    private static LamaProbe readFacts(List<LamaRelation> templates, Path dir, Predicate<String> objectFilter) {
        ReadReport.Tally tally = new ReadReport.Tally();
        List<LamaRelation> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (LamaRelation r : templates) {
            Path file = factFile(dir, r.relation());
            if (file == null) {
                missing.add(r.relation());
                tally.add("relation-file-missing");
                continue;
            }
            out.add(new LamaRelation(r.relation(), r.template(), r.label(), r.type(),
                    readFactFile(file, r.relation(), objectFilter, tally)));
        }
        return new LamaProbe(out, missing, dir, tally.report());
    }

    private static List<LamaFact> readFactFile(Path file, String relation, Predicate<String> objectFilter,
            ReadReport.Tally tally) {
        List<LamaFact> facts = new ArrayList<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long n = lines.lineNumber();
                JsonNode node = DataFiles.parseLine(file, n, line, EXPECTED_FACT);
                DataFiles.Where where = new DataFiles.Where(file, n, null);
                String sub = where.text(node, "sub_label");
                String obj = where.text(node, "obj_label");
                String predicate = where.optionalText(node, "predicate_id");
                if (predicate != null && !predicate.equals(relation)) {
                    throw where.error("predicate_id", "'" + predicate + "' in the fact file of relation " + relation,
                            "'" + relation + "'");
                }
                List<String> masked = new ArrayList<>();
                List<String> subjectSurfaces = new ArrayList<>();
                List<String> objectSurfaces = new ArrayList<>();
                JsonNode evidences = node.get("evidences");
                if (evidences != null && !evidences.isNull()) {
                    if (!evidences.isArray()) {
                        throw where.error("evidences", "is not an array", "an array of {\"masked_sentence\": ...}");
                    }
                    for (int i = 0; i < evidences.size(); i++) {
                        JsonNode ev = evidences.get(i);
                        if (!ev.isObject()) {
                            throw where.error("evidences[" + i + "]", "is not an object", "{\"masked_sentence\": ...}");
                        }
                        String s = where.optionalText(ev, "masked_sentence");
                        if (s != null) {
                            masked.add(s);
                            String subSurface = where.optionalText(ev, "sub_surface");
                            String objSurface = where.optionalText(ev, "obj_surface");
                            subjectSurfaces.add(subSurface == null ? "" : subSurface);
                            objectSurfaces.add(objSurface == null ? "" : objSurface);
                        }
                    }
                }
                JsonNode sentences = node.get("masked_sentences");
                if (sentences != null && !sentences.isNull()) {
                    masked.addAll(where.stringArray(sentences, "masked_sentences"));
                }
                if (!objectFilter.test(obj)) {
                    tally.add("object-label-filtered");
                    continue;
                }
                if (subjectSurfaces.size() != masked.size()
                        || (subjectSurfaces.stream().allMatch(String::isEmpty) && objectSurfaces.stream().allMatch(String::isEmpty))) {
                    subjectSurfaces.clear(); // no surface forms given (masked_sentences of Google-RE, SQuAD; bare evidences)
                    objectSurfaces.clear();
                }
                facts.add(new LamaFact(sub, obj, where.optionalText(node, "sub_uri"), where.optionalText(node, "obj_uri"),
                        predicate == null ? relation : predicate, masked, subjectSurfaces, objectSurfaces));
            }
        }
        return facts;
    }

    /**
     * One corpus of a LAMA folder.
     *
     * @param name {@code trex}, {@code google-re}, {@code conceptnet} or {@code squad}
     */
    public record Corpus(String name, LamaProbe probe) {}

    /** Google-RE's templates, as LAMA's own experiment script defines them. */
    public static final List<LamaRelation> GOOGLE_RE = List.of(
            new LamaRelation("place_of_birth", "[X] was born in [Y] .", "place of birth", null, List.of()),
            new LamaRelation("date_of_birth", "[X] (born [Y]).", "date of birth", null, List.of()),
            new LamaRelation("place_of_death", "[X] died in [Y] .", "place of death", null, List.of()));

    /**
     * Every LAMA corpus present in {@code folder}: T-REx ({@code relations.jsonl} with a facts folder
     * such as {@code TREx/}), Google-RE ({@code Google_RE/<relation>_test.jsonl}, templates
     * {@link #GOOGLE_RE}), ConceptNet and SQuAD ({@code ConceptNet/test.jsonl}, {@code Squad/test.jsonl}:
     * no template, one relation {@code test}, each fact asked as its masked sentence), in that order.
     *
     * @throws InfuseException {@code data-missing} when the folder holds none of them
     */
    public static List<Corpus> readCorpora(Path folder, Predicate<String> objectFilter) {
        if (!Files.isDirectory(folder)) {
            throw new InfuseException("data-missing", folder + ": no such folder; expected a LAMA folder (relations.jsonl "
                    + "with TREx/, Google_RE/, ConceptNet/ or Squad/)");
        }
        List<Corpus> out = new ArrayList<>();
        Path google = sub(folder, "Google_RE");
        Path conceptNet = sub(folder, "ConceptNet");
        Path squad = sub(folder, "Squad");
        if (Files.isRegularFile(folder.resolve(RELATIONS_FILE))) {
            List<LamaRelation> templates = readRelations(folder.resolve(RELATIONS_FILE));
            Path facts = findFactsFolderOrNull(folder, templates);
            if (facts != null && !facts.equals(google) && !facts.equals(conceptNet) && !facts.equals(squad)) {
                out.add(new Corpus("trex", readFacts(templates, facts, objectFilter)));
            }
        }
        if (google != null) {
            out.add(new Corpus("google-re", readFacts(GOOGLE_RE, google, objectFilter)));
        }
        for (Path dir : java.util.Arrays.asList(conceptNet, squad)) {
            if (dir != null && Files.isRegularFile(dir.resolve("test.jsonl"))) {
                LamaRelation test = new LamaRelation("test", null, null, null, List.of());
                out.add(new Corpus(dir == conceptNet ? "conceptnet" : "squad", readFacts(List.of(test), dir, objectFilter)));
            }
        }
        if (out.isEmpty()) {
            throw new InfuseException("data-missing", folder + ": holds no LAMA corpus; expected relations.jsonl with a facts "
                    + "folder (TREx/P19.jsonl), Google_RE/<relation>_test.jsonl, ConceptNet/test.jsonl or Squad/test.jsonl");
        }
        return out;
    }

    /** A sub-folder by name, case-insensitively, or null. */
    private static Path sub(Path folder, String name) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isDirectory).filter(p -> p.getFileName().toString().equalsIgnoreCase(name)).findFirst()
                    .orElse(null);
        } catch (IOException e) {
            throw DataFiles.io(folder, e);
        }
    }

    private static Path findFactsFolderOrNull(Path folder, List<LamaRelation> relations) {
        try {
            return findFactsFolder(folder, relations);
        } catch (InfuseException e) {
            return null;
        }
    }

    /** Reads a LAMA common-vocabulary file: one word piece per line (blank lines ignored). */
    public static Set<String> readVocabulary(Path file) {
        Set<String> out = new java.util.LinkedHashSet<>();
        try (DataFiles.LineReader lines = new DataFiles.LineReader(file)) {
            String line;
            while ((line = lines.next()) != null) {
                if (!line.isBlank()) {
                    out.add(line.strip());
                }
            }
        }
        if (out.isEmpty()) {
            throw DataFiles.empty(file, "one vocabulary entry per line");
        }
        return out;
    }
}
