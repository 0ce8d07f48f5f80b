package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.ArtifactManifest;
import dev.infuse.api.Artifacts;
import dev.infuse.api.Fingerprints;
import dev.infuse.api.LoadedArtifact;
import dev.infuse.api.TensorData;
import dev.infuse.cli.InProcessCli.Run;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * The bad-input table of docs/RELIABILITY.md, end to end through the command line with the tiny
 * backbone: every row ends in one {@code error[code]} line naming the file and line or field, the
 * documented exit code, and no output left behind. Reader-level variants of the data rows live in
 * {@code data/src/test} (one test per reader and fault).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTableTest {
    @TempDir
    Path tmp;

    /** One good artifact, trained once for the artifact rows. */
    Path goodArtifact;

    static Run cli(String... args) {
        return InProcessCli.run(args);
    }

    /** {@code infuse eval --task T --train FILE} on the tiny backbone, one quick epoch. */
    Run eval(String task, Path train, String... more) {
        List<String> a = new ArrayList<>(List.of("eval", "--task", task, "--train", train.toString(), "--out",
                out(task).toString(), "--backbone", "bert-random", "--epochs", "1", "--batch-size", "8", "--max-length", "32",
                "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString()));
        a.addAll(List.of(more));
        return cli(a.toArray(String[]::new));
    }

    Path out(String name) {
        return tmp.resolve("out-" + name);
    }

    Path write(String name, String content) throws IOException {
        return writeBytes(name, content.getBytes(StandardCharsets.UTF_8));
    }

    Path writeBytes(String name, byte[] content) throws IOException {
        Path p = tmp.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        return Files.write(p, content);
    }

    /** One clean error line with the code and every fragment, the exit code, and no stack trace. */
    static void fails(Run r, int exit, String code, String... mentions) {
        assertThat(r.err()).as(r.err()).startsWith("error[" + code + "]: ");
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().lines().filter(l -> l.startsWith("error[")).count()).isEqualTo(1);
        assertThat(r.err()).contains(mentions);
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
    }

    /** Nothing half-written: the output folder holds no file (a failed run may leave at most empty folders). */
    static void nothingWritten(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertThat(files.filter(Files::isRegularFile).toList()).as("files left in " + out).isEmpty();
        }
    }

    static byte[] latin1In(String text, String marker) {
        int at = text.indexOf(marker);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(text.substring(0, at).getBytes(StandardCharsets.UTF_8));
        b.write(0xE9);
        b.writeBytes(text.substring(at + marker.length()).getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    // ------------------------------------------------------------------ data

    static String fewRelRecord(int head) {
        return "{\"tokens\":[\"the\",\"cat\",\"is\",\"near\",\"a\",\"dog\"],\"h\":[\"cat\",\"Q1\",[[" + head
                + "]]],\"t\":[\"dog\",\"Q2\",[[5]]]}";
    }

    /** Two relations of six records, one record a line: record {@code i} is on line {@code i + 2} (P1) or {@code i + 3} (P2). */
    static String fewRel(int badRecord) {
        StringBuilder s = new StringBuilder("{\"P1\":[\n");
        for (int i = 0; i < 12; i++) {
            s.append(i == 6 ? "\n],\"P2\":[\n" : i > 0 ? ",\n" : "").append(fewRelRecord(i == badRecord ? 42 : 1));
        }
        return s.append("\n]}").toString();
    }

    static String trexLine(int objEnd) {
        return "{\"token\":[\"Ada\",\"was\",\"born\",\"in\",\"London\"],\"subj_start\":0,\"subj_end\":0,\"obj_start\":4,"
                + "\"obj_end\":" + objEnd + ",\"relation\":\"P19\"}";
    }

    @Test
    void fewrelEmptyFile() throws Exception {
        Path f = write("fewrel-empty.json", "");
        fails(eval("fewrel", f), 2, "data-empty", f.toString());
        nothingWritten(out("fewrel"));
    }

    @Test
    void fewrelTruncatedFile() throws Exception {
        String full = fewRel(-1);
        Path f = write("fewrel-truncated.json", full.substring(0, full.length() / 2));
        fails(eval("fewrel", f), 2, "data-format", f + ":");
        nothingWritten(out("fewrel"));
    }

    @Test
    void fewrelOutOfRangeIndexInTheMiddle() throws Exception {
        Path f = write("fewrel-index.json", fewRel(3));
        fails(eval("fewrel", f), 2, "data-format", f + ":5", "42");
        nothingWritten(out("fewrel"));
    }

    @Test
    void fewrelWrongEncoding() throws Exception {
        Path f = writeBytes("fewrel-latin1.json", latin1In(fewRel(-1), "near"));
        fails(eval("fewrel", f), 2, "data-format", f + ":2", "UTF-8");
        nothingWritten(out("fewrel"));
    }

    @Test
    void fewrelSingleRelation() throws Exception {
        Path f = write("fewrel-one.json", "{\"P1\":[" + String.join(",", java.util.Collections.nCopies(12, fewRelRecord(1))) + "]}");
        fails(eval("fewrel", f), 2, "data-too-few-labels", f.toString(), "P1");
        nothingWritten(out("fewrel"));
    }

    @Test
    void trexMalformedLineInTheMiddle() throws Exception {
        Path f = write("trex-malformed.jsonl", trexLine(4) + "\n" + trexLine(4) + "\n{\"token\": [\"x\"\n" + trexLine(4) + "\n");
        fails(eval("trex", f), 2, "data-format", f + ":3");
        nothingWritten(out("trex"));
    }

    @Test
    void trexOutOfRangeSpan() throws Exception {
        Path f = write("trex-span.jsonl", trexLine(4) + "\n" + trexLine(9) + "\n");
        fails(eval("trex", f), 2, "data-format", f + ":2", "obj_end");
        nothingWritten(out("trex"));
    }

    @Test
    void trexHugeLine() throws Exception {
        Path f = write("trex-huge.jsonl", trexLine(4) + "\n" + "x".repeat((1 << 22) + 10) + "\n");
        fails(eval("trex", f), 2, "data-format", f + ":2", "longer than");
        nothingWritten(out("trex"));
    }

    static String conllRow(String id, String form, String head, String rel) {
        return String.join("\t", id, form, form.toLowerCase(), "X", "_", "_", head, rel, "_", "_");
    }

    static String conll(String badRow) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            s.append("# sent_id = s").append(i).append('\n').append(conllRow("1", "Dogs", "2", "nsubj")).append('\n')
                    .append(i == 2 && badRow != null ? badRow : conllRow("2", "bark", "0", "root")).append("\n\n");
        }
        return s.toString();
    }

    @Test
    void conlluMalformedLineInTheMiddle() throws Exception {
        Path f = write("ud-columns.conllu", conll("2\tbark\t0"));
        fails(eval("ud", f), 2, "data-format", f + ":11");
        nothingWritten(out("ud"));
    }

    @Test
    void conlluOutOfRangeHead() throws Exception {
        Path f = write("ud-head.conllu", conll(conllRow("2", "bark", "7", "root")));
        fails(eval("ud", f), 2, "data-format", f + ":11", "7");
        nothingWritten(out("ud"));
    }

    static String semEval(String badLabel) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= 6; i++) {
            s.append(i).append("\t\"the <e1>cat</e1> is near a <e2>tree</e2> .\"\n")
                    .append(i == 4 && badLabel != null ? badLabel : "Other").append("\nComment:\n\n");
        }
        return s.toString();
    }

    @Test
    void semevalUnknownLabel() throws Exception {
        Path f = write("semeval-label.txt", semEval("Kinship(e1,e2)"));
        fails(eval("semeval", f), 2, "data-format", f + ":14", "Kinship(e1,e2)");
        nothingWritten(out("semeval"));
    }

    @Test
    void semevalWrongEncoding() throws Exception {
        Path f = writeBytes("semeval-latin1.txt", latin1In(semEval(null), "near"));
        fails(eval("semeval", f), 2, "data-format", f + ":1");
        nothingWritten(out("semeval"));
    }

    @Test
    void tacredOutOfRangeSpan() throws Exception {
        String ok = "{\"id\":\"a%d\",\"relation\":\"per:spouse\",\"token\":[\"Ed\",\"married\",\"Jo\"],\"subj_start\":0,"
                + "\"subj_end\":0,\"obj_start\":2,\"obj_end\":%d,\"subj_type\":\"PERSON\",\"obj_type\":\"PERSON\"}";
        Path f = write("tacred-span.json", "[" + String.format(ok, 1, 2) + ",\n" + String.format(ok, 2, 5) + "]");
        fails(eval("tacred", f), 2, "data-format", f + ":2", "obj_end");
        nothingWritten(out("tacred"));
    }

    @Test
    void tacredTruncatedFile() throws Exception {
        Path f = write("tacred-truncated.json", "[{\"id\":\"a1\",\"relation\":\"per:spouse\",\"token\":[\"Ed\",");
        fails(eval("tacred", f), 2, "data-format", f + ":1");
        nothingWritten(out("tacred"));
    }

    @Test
    void openEntityMalformedLineInTheMiddle() throws Exception {
        String ok = "{\"y_str\":[\"person\"],\"mention_span\":\"She\",\"left_context_token\":[],\"right_context_token\":[\"said\"]}";
        Path f = write("oe-malformed.json", ok + "\n" + ok + "\n{\"y_str\": 3, \"mention_span\": \"x\"}\n" + ok + "\n");
        fails(eval("open-entity", f), 2, "data-format", f + ":3", "y_str");
        nothingWritten(out("open-entity"));
    }

    @Test
    void openEntityEmptyFile() throws Exception {
        Path f = write("oe-empty.json", "\n\n");
        fails(eval("open-entity", f), 2, "data-empty", f.toString());
        nothingWritten(out("open-entity"));
    }

    @Test
    void missingDataFile() throws Exception {
        Path f = tmp.resolve("in/none.json");
        fails(eval("fewrel", f), 2, "data-missing", f.toString());
        nothingWritten(out("fewrel"));
    }

    // ------------------------------------------------------------------ CLI arguments

    @Test
    void argumentOutOfRange() throws Exception {
        Path f = write("fewrel-ok.json", fewRel(-1));
        fails(cli("eval", "--task", "fewrel", "--train", f.toString(), "--out", out("fewrel").toString(), "--epochs", "0"), 2,
                "config-bad-value", "--epochs");
        fails(eval("fewrel", f, "--clip", "-1"), 2, "config-bad-value", "--clip");
        fails(eval("fewrel", f, "--lr", "-1"), 2, "config-bad-value", "--lr");
        fails(eval("fewrel", f, "--evaluate-every", "0"), 2, "config-bad-value", "--evaluate-every");
        fails(eval("fewrel", f, "--warmup", "2"), 2, "config-bad-value", "--warmup");
        fails(eval("fewrel", f, "--head-dropout", "1.5"), 2, "config-bad-value", "--head-dropout");
        fails(eval("fewrel", f, "--backbone-dropout", "1"), 2, "config-bad-value", "--backbone-dropout");
        fails(cli("eval", "--task", "fewrel", "--train", f.toString(), "--out", out("fewrel").toString(), "--max-length", "2"),
                2, "config-bad-value", "--max-length");
        nothingWritten(out("fewrel"));
    }

    @Test
    void argumentNotANumberOrUnknown() {
        Run r = cli("eval", "--task", "fewrel", "--out", "x", "--epochs", "many");
        fails(r, 2, "usage", "--epochs", "many");
        fails(cli("train", "--task", "fewrel", "--out", "x", "--adapter", "factual", "--bogus"), 2, "usage", "--bogus");
        fails(cli("eval", "--task", "fewrel"), 2, "usage", "--out");
    }

    @Test
    void unknownTaskAndAdapterSetting() throws Exception {
        Path f = write("fewrel-ok2.json", fewRel(-1));
        fails(eval("fewrl", f), 2, "config-unknown-task", "fewrel");
        Run r = cli("train", "--task", "fewrel", "--train", f.toString(), "--out", out("train").toString(), "--adapter",
                "factual", "--backbone", "bert-random", "--set", "adapter_sise=8", "--cache", tmp.resolve("cache").toString());
        fails(r, 2, "config-unknown-key", "adapter_sise", "adapter_size");
        nothingWritten(out("train"));
    }

    // ------------------------------------------------------------------ artifact folders

    @BeforeAll
    void trainOneArtifact(@TempDir Path scratch) throws Exception {
        Path f = Files.writeString(scratch.resolve("fewrel.json"), fewRel(-1));
        Path out = Files.createDirectories(scratch.resolve("table"));
        Run r = cli("train", "--task", "fewrel", "--train", f.toString(), "--out", out.toString(), "--adapter", "factual",
                "--backbone", "bert-random", "--epochs", "1", "--batch-size", "8", "--max-length", "32",
                "--set", "adapter_size=8", "--set", "heads=2", "--set", "intermediate_size=16", "--set", "adapter_layers=1",
                "--cache", out.resolve("cache").toString(), "--no-checkpoint");
        assertThat(r.exit()).as(r.err()).isZero();
        goodArtifact = out.resolve("adapters/factual");
    }

    Path copyArtifact(String name) throws IOException {
        Path dst = tmp.resolve("artifacts").resolve(name);
        try (Stream<Path> files = Files.walk(goodArtifact)) {
            for (Path p : files.toList()) {
                Path t = dst.resolve(goodArtifact.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return dst;
    }

    Run evalWith(Path artifact) throws IOException {
        Path f = tmp.resolve("in/semeval-ok.txt");
        if (!Files.exists(f)) {
            write("semeval-ok.txt", semEval(null));
        }
        return eval("semeval", f, "--adapter", artifact.toString());
    }

    @Test
    void artifactMissingConfig() throws Exception {
        Path a = copyArtifact("no-config");
        Files.delete(a.resolve("adapter_config.json"));
        fails(evalWith(a), 4, "artifact-missing", a.resolve("adapter_config.json").toString());
        nothingWritten(out("semeval"));
    }

    @Test
    void artifactTruncatedWeights() throws Exception {
        Path a = copyArtifact("truncated");
        Path w = a.resolve("adapter.safetensors");
        byte[] b = Files.readAllBytes(w);
        Files.write(w, java.util.Arrays.copyOf(b, b.length / 2));
        fails(evalWith(a), 4, "artifact-corrupt", w.toString());
        fails(cli("inspect", a.toString()), 4, "artifact-corrupt", w.toString());
        nothingWritten(out("semeval"));
    }

    @Test
    void artifactConfigNotJson() throws Exception {
        Path a = copyArtifact("bad-json");
        Files.writeString(a.resolve("adapter_config.json"), "{\"format_version\": 1, ");
        fails(cli("inspect", a.toString()), 4, "artifact-config", a.resolve("adapter_config.json").toString());
    }

    /** Rewrites an artifact with changed weights, so that its SHA-256 is consistent and only the content is wrong. */
    static void rewrite(Path a, java.util.function.UnaryOperator<Map<String, TensorData>> change) {
        LoadedArtifact l = Artifacts.read(a);
        Map<String, TensorData> head = l.head().map(LoadedArtifact::weights).orElse(null);
        ArtifactManifest hm = l.head().map(LoadedArtifact::manifest).orElse(null);
        Artifacts.write(a, l.manifest(), change.apply(new LinkedHashMap<>(l.weights())), hm, head);
    }

    @Test
    void artifactWrongTensorShape() throws Exception {
        Path a = copyArtifact("shape");
        rewrite(a, w -> {
            String k = w.keySet().iterator().next();
            float[] v = w.get(k).floats();
            w.put(k, TensorData.f32(java.util.Arrays.copyOf(v, v.length + 1), v.length + 1));
            return w;
        });
        fails(evalWith(a), 4, "artifact-shape-mismatch", "adapter.factual");
        nothingWritten(out("semeval"));
    }

    @Test
    void artifactWrongDtype() throws Exception {
        Path a = copyArtifact("dtype");
        rewrite(a, w -> {
            String k = w.keySet().iterator().next();
            TensorData t = w.get(k);
            w.put(k, TensorData.i32(new int[(int) t.size()], t.shape()));
            return w;
        });
        fails(evalWith(a), 4, "artifact-corrupt", "adapter.safetensors", "I32");
        nothingWritten(out("semeval"));
    }

    @Test
    void artifactNanWeights() throws Exception {
        Path a = copyArtifact("nan");
        Path w = a.resolve("adapter.safetensors");
        byte[] b = Files.readAllBytes(w);
        String oldSha = Fingerprints.sha256(w);
        // The last four bytes are the last float32 of the data section.
        ByteBuffer.wrap(b, b.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        Files.write(w, b);
        Path cfg = a.resolve("adapter_config.json");
        Files.writeString(cfg, Files.readString(cfg).replace(oldSha, Fingerprints.sha256(w)));
        fails(evalWith(a), 4, "artifact-corrupt", w.toString(), "NaN");
        fails(cli("inspect", a.toString()), 4, "artifact-corrupt", w.toString());
        nothingWritten(out("semeval"));
    }

    @Test
    void artifactOfAnUnknownPlugin() throws Exception {
        Path a = copyArtifact("unknown-plugin");
        rewriteManifestPluginName(a, "factually");
        fails(evalWith(a), 3, "plugin-not-found", "factually", "factual");
        nothingWritten(out("semeval"));
    }

    static void rewriteManifestPluginName(Path a, String name) throws IOException {
        Path cfg = a.resolve("adapter_config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("\"name\" ?: ?\"factual\"", "\"name\": \"" + name + "\""));
    }

    // ------------------------------------------------------------------ backbone folders

    Run encode(Path backbonePath) {
        return cli("encode", "--backbone-path", backbonePath.toString(), "--cache", tmp.resolve("cache").toString(),
                "--plugins", tmp.resolve("no-plugins").toString(), "hello");
    }

    @Test
    void backbonePathIsAFile() throws Exception {
        Path f = write("model.bin", "not a model");
        fails(encode(f), 4, "backbone-invalid", f.toString());
    }

    @Test
    void backboneFolderWithoutWeights() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("empty-model"));
        Files.writeString(d.resolve("vocab.txt"), "[PAD]\n");
        fails(encode(d), 4, "backbone-invalid", d.toString(), ".index");
    }

    @Test
    void backboneTruncatedCheckpoint() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("truncated-model"));
        Files.writeString(d.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        Files.write(d.resolve("bert_model.ckpt.index"), new byte[] {1, 2, 3});
        Files.write(d.resolve("bert_model.ckpt.data-00000-of-00001"), new byte[] {4, 5});
        Run r = encode(d);
        fails(r, 4, "backbone-invalid", d.toString());
    }

    @Test
    void backboneSavedModelWithFileOperations() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("unsafe-model"));
        GraphDef g = GraphDef.newBuilder().addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder"))
                .addNode(NodeDef.newBuilder().setName("exfiltrate").setOp("ReadFile")).build();
        Files.write(d.resolve("saved_model.pb"),
                SavedModel.newBuilder().addMetaGraphs(MetaGraphDef.newBuilder().setGraphDef(g)).build().toByteArray());
        fails(encode(d), 4, "backbone-unsafe-graph", "ReadFile", "'exfiltrate'", "allow_unsafe_ops");
    }

    @Test
    void backboneZipWithPathTraversal() throws Exception {
        Path zip = tmp.resolve("in/evil-model.zip");
        Files.createDirectories(zip.getParent());
        try (OutputStream o = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("model/vocab.txt"));
            z.write("[PAD]\n".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
            z.putNextEntry(new ZipEntry("../../../escaped.txt"));
            z.write("x".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        fails(encode(zip), 4, "backbone-invalid", "../../../escaped.txt", zip.toString());
        assertThat(tmp.resolve("escaped.txt")).doesNotExist();
        assertThat(tmp.resolve("cache/escaped.txt")).doesNotExist();
    }

    @Test
    void backboneZipThatIsNotAZip() throws Exception {
        Path zip = write("broken.zip", "PK\u0003\u0004 this is not really a zip");
        fails(encode(zip), 4, "backbone-invalid", zip.toString());
    }

    // ------------------------------------------------------------------ plugin jars

    @Test
    void truncatedOrEmptyPluginJarIsReportedAndTheRestStillWorks() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad-plugins"));
        Files.write(dir.resolve("empty.jar"), new byte[0]);
        Files.write(dir.resolve("truncated.jar"), new byte[] {'P', 'K', 3, 4, 20, 0, 8, 0});
        Run r = cli("plugins", "--plugins", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning[plugin-bad-jar]", "empty.jar", "truncated.jar").doesNotContain("\tat ");
        assertThat(r.out()).contains("bert-random", "factual");
    }

    @Test
    void triplesMalformedLineInTheMiddle() throws Exception {
        Path train = write("kg/train.tsv", "Q1\tP1\tQ2\nQ2\tP1\nQ3\tP1\tQ1\n");
        Path valid = write("kg/valid.tsv", "Q1\tP1\tQ3\n");
        Run r = cli("transe", "--train", train.toString(), "--valid", valid.toString(), "--test", valid.toString(),
                "--out", out("transe").toString(), "--epochs", "1", "--no-progress");
        fails(r, 2, "data-format", train + ":2");
        nothingWritten(out("transe"));
    }

    @Test
    void embeddingsWithNonFiniteValueOrWrongDimension() throws Exception {
        Path fewrel = write("fewrel-mt.json", fewRel(-1));
        Path nan = write("emb-nan.txt", "Q1\t0.1 0.2\nQ2\tNaN 0.3\n");
        Run bad = cli("train", "--adapter", "map-tuning", "--set", "embeddings=" + nan, "--task", "fewrel", "--train",
                fewrel.toString(), "--out", out("mt-nan").toString(), "--backbone", "bert-random", "--epochs", "1",
                "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString());
        fails(bad, 2, "data-format", nan + ":2");
        nothingWritten(out("mt-nan"));
        Path ragged = write("emb-ragged.txt", "Q1\t0.1 0.2\nQ2\t0.3\n");
        Run dim = cli("train", "--adapter", "map-tuning", "--set", "embeddings=" + ragged, "--task", "fewrel", "--train",
                fewrel.toString(), "--out", out("mt-dim").toString(), "--backbone", "bert-random", "--epochs", "1",
                "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString());
        fails(dim, 2, "data-format", ragged + ":2");
        nothingWritten(out("mt-dim"));
    }

    // ------------------------------------------------------------------ issue 18, item 1

    /** A file of {@code bytes} bytes without a single newline. */
    Path noNewline(String name, int bytes) throws IOException {
        Path p = tmp.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        byte[] block = new byte[1 << 16];
        java.util.Arrays.fill(block, (byte) 'x');
        try (OutputStream o = Files.newOutputStream(p)) {
            for (int n = 0; n < bytes; n += block.length) {
                o.write(block);
            }
        }
        return p;
    }

    @Test
    void triplesFileWithoutNewlines() throws Exception {
        Path train = noNewline("kg/huge-train.tsv", 5 << 20);
        Path valid = write("kg/valid2.tsv", "Q1\tP1\tQ3\n");
        Run r = cli("transe", "--train", train.toString(), "--valid", valid.toString(), "--test", valid.toString(),
                "--out", out("transe-huge").toString(), "--epochs", "1", "--no-progress");
        fails(r, 2, "data-format", train + ":1", "longer than");
        nothingWritten(out("transe-huge"));
    }

    @Test
    void entityNamesThatNeverEnd() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")));
        Path fewrel = write("fewrel-names.json", fewRel(-1));
        Path emb = write("emb-ok.txt", "Q1\t0.1 0.2\nQ2\t0.3 0.4\n");
        Run r = cli("train", "--adapter", "map-tuning", "--set", "embeddings=" + emb, "--set", "names=/dev/zero", "--task", "fewrel",
                "--train", fewrel.toString(), "--out", out("mt-zero").toString(), "--backbone", "bert-random", "--epochs", "1",
                "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString());
        fails(r, 2, "data-format", "/dev/zero:1", "longer than");
        nothingWritten(out("mt-zero"));
    }

    @Test
    void maxLengthBeyondTheBackbonesPositions() throws Exception {
        Path f = write("fewrel-len.json", fewRel(-1));
        fails(cli("eval", "--task", "fewrel", "--train", f.toString(), "--out", out("fewrel").toString(), "--backbone", "bert-random",
                "--max-length", "128", "--cache", tmp.resolve("cache").toString()), 2, "config-bad-value", "--max-length", "128", "at most 64", "bert-random");
        nothingWritten(out("fewrel"));
        String longText = "word ".repeat(80);
        fails(cli("encode", "--backbone", "bert-random", "--cache", tmp.resolve("cache").toString(), longText), 2,
                "config-bad-value", "text 1", "at most 64", "--truncate");
        Run truncated = cli("encode", "--backbone", "bert-random", "--cache", tmp.resolve("cache").toString(), "--truncate", longText);
        assertThat(truncated.exit()).as(truncated.err()).isZero();
        assertThat(truncated.err()).contains("warning[encode-truncated]: text 1 has 82 word pieces; only its first 64");
        assertThat(truncated.out()).contains(" 63 [SEP]").doesNotContain(" 64 ");
    }

    @Test
    void outputFolderThatCannotBeWritten() throws Exception {
        Path readOnly = Path.of("/sys/kernel");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(readOnly), "needs Linux's /sys/kernel (not writable, even by root)");
        Path f = write("fewrel-ro.json", fewRel(-1));
        Run r = cli("eval", "--task", "fewrel", "--train", f.toString(), "--out", readOnly.toString(), "--backbone", "bert-random",
                "--max-length", "32", "--cache", tmp.resolve("cache").toString());
        fails(r, 2, "config-output-folder", "--out /sys/kernel", "permission denied");
        Run train = cli("train", "--adapter", "factual", "--task", "fewrel", "--train", f.toString(), "--out", tmp.resolve("t").toString(),
                "--checkpoint", readOnly.resolve("ckpt").toString(), "--backbone", "bert-random", "--cache", tmp.resolve("cache").toString());
        fails(train, 2, "config-output-folder", "--checkpoint /sys/kernel/ckpt");
        Path blocker = write("a-file", "x");
        fails(cli("probe", "--lama", tmp.toString(), "--out", blocker.resolve("out").toString(), "--backbone", "bert-random"), 2,
                "config-output-folder", blocker.toString());
        Path study = write("ro.yaml", "name: ro\nbackbone: bert-random\ndata: .\ntasks: [semeval]\n");
        fails(cli("study", study.toString(), "--out", readOnly.toString(), "--plugins", tmp.resolve("no-plugins").toString()), 2,
                "config-shared-folder", "/sys/kernel", "permission denied");
        fails(cli("study", study.toString(), "--out", blocker.toString(), "--status"), 2, "config-shared-folder",
                "--out " + blocker + ": a file, not a folder");
    }

    @Test
    void studyWithAMisspeltAdapterKeyFailsBeforeTheFirstCell() throws Exception {
        Path study = write("misspelt.yaml", """
                name: misspelt
                backbone: bert-random
                data: .
                tasks: [semeval]
                methods:
                  - name: broken
                    adapters: [{adapter: factual, mode: control, config: {adapter_sise: 8}}]
                """);
        Path folder = tmp.resolve("study-misspelt");
        Run r = cli("study", study.toString(), "--out", folder.toString(), "--plugins", tmp.resolve("no-plugins").toString());
        fails(r, 2, "config-unknown-key", study + ":7", "adapter_sise", "did you mean 'adapter_size'");
        assertThat(folder.resolve("cells")).doesNotExist();
        nothingWritten(folder);
    }

    @Test
    void inspectingAnArtifactOfAnUnknownPlugin() throws Exception {
        Path a = copyArtifact("inspect-unknown");
        rewriteManifestPluginName(a, "factually");
        Run r = cli("inspect", a.toString(), "--plugins", tmp.resolve("no-plugins").toString());
        assertThat(r.out()).contains("adapter 'factually'");
        assertThat(r.err()).startsWith("error[plugin-not-found]: " + a).contains("'factually'", "did you mean 'factual'");
        assertThat(r.exit()).isEqualTo(3);
    }

    @Test
    void controlNamesAPluginUnlessWrittenAsAPath() throws Exception {
        // The working directory of the tests (cli/) holds a folder "src": the bare name is still a plugin name.
        assertThat(Path.of("src")).isDirectory();
        Path f = write("semeval-ctl.txt", semEval(null));
        fails(eval("semeval", f, "--control", "src"), 3, "plugin-not-found", "'src'");
        assertThat(EvalCommand.isArtifactPath("houlsby")).isFalse();
        assertThat(EvalCommand.isArtifactPath("./houlsby")).isTrue();
        fails(eval("semeval", f, "--control", "./src"), 4, "artifact-missing", "src");
        nothingWritten(out("semeval"));
    }

    @Test
    void unknownFusionIsAnError() throws Exception {
        Path f = write("semeval-fu.txt", semEval(null));
        fails(eval("semeval", f, "--fusion", "gatd"), 3, "plugin-not-found", "fusion", "'gatd'");
        fails(cli("probe", "--lama", tmp.toString(), "--out", out("probe").toString(), "--backbone", "bert-random", "--fusion", "gatd",
                "--cache", tmp.resolve("cache").toString()), 3, "plugin-not-found", "'gatd'");
        nothingWritten(out("semeval"));
    }

    /** Runs {@code body} with {@code System.err} captured (picocli's tracer and SLF4J write there, not to the command's stream). */
    static String systemErr(Runnable body) {
        java.io.PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpHasNoFormattingWarnings() {
        // Every command and sub-command, as the CLI declares them (a '%' in a description is a format directive).
        List<String[]> commands = new ArrayList<>();
        collect(new picocli.CommandLine(new InfuseCli()), List.of(), commands);
        assertThat(commands.stream().map(c -> String.join(" ", c))).contains("compare", "cache prune", "study");
        for (String[] command : commands) {
            String[] args = java.util.Arrays.copyOf(command, command.length + 1);
            args[command.length] = "--help";
            Run[] r = new Run[1];
            String stderr = systemErr(() -> r[0] = cli(args));
            assertThat(r[0].exit()).isZero();
            assertThat(stderr + r[0].out() + r[0].err()).as(String.join(" ", command)).doesNotContain("picocli WARN")
                    .doesNotContain("Could not format");
        }
        assertThat(cli("eval", "--help").out()).contains("10% of --train");
    }

    private static void collect(picocli.CommandLine cl, List<String> path, List<String[]> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getValue().getCommandName().equals(e.getKey())) {
                continue; // an alias
            }
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            out.add(p.toArray(String[]::new));
            collect(e.getValue(), p, out);
        }
    }

    @Test
    void aFusionWithOnlyInputSideAdaptersIsAWarning() throws Exception {
        Path fewrel = write("fewrel-unused.json", fewRel(-1));
        Path emb = write("emb-unused.txt", "Q1\t0.1 0.2\nQ2\t0.3 0.4\n");
        Run[] r = new Run[1];
        String stderr = systemErr(() -> r[0] = cli("train", "--adapter", "map-tuning", "--set", "embeddings=" + emb, "--set",
                "mapper_hidden=8", "--task", "fewrel", "--train", fewrel.toString(), "--out", out("unused").toString(), "--backbone",
                "bert-random", "--epochs", "1", "--batch-size", "8", "--max-length", "32", "--fusion", "attention", "--no-checkpoint",
                "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString()));
        assertThat(r[0].exit()).as(r[0].err()).isZero();
        assertThat(stderr).contains("warning[config-unused-fusion]: fusion 'attention' is not used");
    }

    @Test
    void artifactFilesOutsideTheArtifactFolder() throws Exception {
        Path fewrel = write("fewrel-conf.json", fewRel(-1));
        Path emb = write("emb-conf.txt", "Q1\t0.1 0.2\nQ2\t0.3 0.4\n");
        Path names = write("names-conf.tsv", "Q1\tcat\nQ2\tdog\n");
        Path runs = tmp.resolve("runs-conf");
        Run trained = cli("train", "--adapter", "map-tuning", "--set", "embeddings=" + emb, "--set", "names=" + names, "--set",
                "mapper_hidden=8", "--task", "fewrel", "--train", fewrel.toString(), "--out", runs.toString(), "--backbone", "bert-random",
                "--epochs", "1", "--batch-size", "8", "--max-length", "32", "--no-checkpoint",
                "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString());
        assertThat(trained.exit()).as(trained.err()).isZero();
        Path artifact = runs.resolve("adapters/map-tuning");
        // The files it was trained with are copied in and named plainly: the artifact is self-contained.
        assertThat(artifact.resolve("embeddings-emb-conf.txt")).hasSameTextualContentAs(emb);
        assertThat(artifact.resolve("names-names-conf.tsv")).hasSameTextualContentAs(names);
        String manifest = Files.readString(artifact.resolve("adapter_config.json"));
        assertThat(manifest).contains("\"embeddings-emb-conf.txt\"").doesNotContain(emb.toString());
        Run reused = cli("eval", "--task", "fewrel", "--train", fewrel.toString(), "--out", out("conf-ok").toString(), "--adapter",
                artifact.toString(), "--backbone", "bert-random", "--epochs", "1", "--batch-size", "8", "--max-length", "32",
                "--no-checkpoint", "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString());
        assertThat(reused.exit()).as(reused.err()).isZero();

        for (String[] bad : new String[][] {{"names", "../../../../etc/passwd"}, {"names", "/dev/zero"}, {"embeddings", "/etc/hostname"}}) {
            Path a = tmp.resolve("artifacts/outside-" + bad[0] + "-" + Math.abs(bad[1].hashCode()));
            Files.createDirectories(a.getParent());
            try (Stream<Path> files = Files.walk(artifact)) {
                for (Path p : files.toList()) {
                    Path t = a.resolve(artifact.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(p, t);
                    }
                }
            }
            String cfg = Files.readString(a.resolve("adapter_config.json"))
                    .replaceFirst("\"" + bad[0] + "\" ?: ?\"[^\"]*\"", "\"" + bad[0] + "\": \"" + bad[1] + "\"");
            Files.writeString(a.resolve("adapter_config.json"), cfg);
            fails(evalWith(a), 4, "artifact-config", "'" + bad[0] + "'", bad[1], "inside the artifact folder");
        }
        nothingWritten(out("semeval"));
    }

    @Test
    void fusionSettingsReachTheFusionAndAMisspeltOneIsNamed() throws Exception {
        Path f = write("fewrel-fs.json", fewRel(-1));
        String[] control = {"--control", "factual", "--set", "adapter_size=8", "--set", "heads=2", "--set", "intermediate_size=16",
            "--set", "adapter_layers=1", "--fusion", "attention", "--no-checkpoint"};
        List<String> bad = new ArrayList<>(List.of(control));
        bad.addAll(List.of("--fusion-set", "temprature=2"));
        fails(eval("fewrel", f, bad.toArray(String[]::new)), 2, "config-unknown-key", "temprature", "temperature");
        nothingWritten(out("fewrel"));
        List<String> good = new ArrayList<>(List.of(control));
        good.addAll(List.of("--fusion-set", "temperature=2"));
        Run r = eval("fewrel", f, good.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(out("fewrel").resolve("metrics.json"))).contains("\"fusion_config\"", "\"temperature\" : \"2\"");
        Path study = write("fusion-config.yaml", """
                name: fc
                backbone: bert-random
                data: .
                tasks: [semeval]
                methods:
                  - name: att
                    fusion: attention
                    fusion_config: {temprature: 2}
                    adapters: [{adapter: factual, mode: control, config: {adapter_size: 8}}]
                """);
        fails(cli("study", study.toString(), "--out", tmp.resolve("study-fc").toString(), "--plugins", tmp.resolve("no-plugins").toString()),
                2, "config-unknown-key", "method 'att'", "fusion 'attention'", "temprature", "did you mean 'temperature'");
        assertThat(tmp.resolve("study-fc/cells")).doesNotExist();
    }

    @Test
    void studyBudgetBeyondTheBackbonesPositions() throws Exception {
        Path study = write("too-long.yaml", """
                name: too-long
                backbone: bert-random
                data: .
                tasks: [semeval]
                budgets:
                  default: {epochs: 1}
                  semeval: {max_length: 100}
                """);
        Path folder = tmp.resolve("study-too-long");
        Run r = cli("study", study.toString(), "--out", folder.toString(), "--plugins", tmp.resolve("no-plugins").toString(),
                "--cache", tmp.resolve("cache").toString());
        fails(r, 2, "config-bad-value", study.toString(), "'max_length'", "64", "task 'semeval' (100)");
        assertThat(folder.resolve("cells")).doesNotExist();
    }
}
