package dev.infuse.cli;

import static dev.infuse.cli.BadInputTableTest.cli;
import static dev.infuse.cli.BadInputTableTest.fails;
import static dev.infuse.cli.BadInputTableTest.nothingWritten;
import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.SafeTensors;
import dev.infuse.api.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA moves between Infuse and PEFT through the command line: a run that trains one on a BERT
 * backbone writes {@code <out>/lora-peft}, {@code --layer-plugin DIR} reads such a folder back and
 * trains it further, and a folder for another base model ends in one error line with nothing written.
 */
class PeftLoraCliTest {
    @TempDir
    Path tmp;

    private InProcessCli.Run eval(Path train, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("eval", "--task", "fewrel", "--train", train.toString(), "--out", out.toString(),
                "--backbone", "bert-random", "--epochs", "1", "--batch-size", "8", "--max-length", "32", "--no-checkpoint",
                "--plugins", tmp.resolve("no-plugins").toString(), "--cache", tmp.resolve("cache").toString()));
        a.addAll(List.of(more));
        return cli(a.toArray(String[]::new));
    }

    @Test
    void aTrainedLoraIsWrittenForPeftAndReadBack() throws Exception {
        Path train = Files.writeString(tmp.resolve("fewrel.json"), BadInputTableTest.fewRel(-1));
        InProcessCli.Run first = eval(train, tmp.resolve("first"), "--layer-plugin", "lora", "--layer-set", "r=4",
                "--layer-set", "sites=query,value,output");
        assertThat(first.exit()).as(first.err()).isZero();
        Path peft = tmp.resolve("first/lora-peft");
        assertThat(Files.readString(peft.resolve("adapter_config.json"))).contains("\"peft_type\": \"LORA\"", "\"r\": 4",
                // 'output' alone: a regular expression, as the suffix "output.dense" would also match attention.output.dense.
                "\"target_modules\": \".*encoder\\\\.layer\\\\.\\\\d+\\\\.(attention\\\\.self\\\\.query|attention\\\\.self\\\\.value|output\\\\.dense)\"");
        var tensors = SafeTensors.read(peft.resolve("adapter_model.safetensors")).tensors();
        assertThat(tensors).hasSize(2 * 2 * 3).containsKey("base_model.model.bert.encoder.layer.1.output.dense.lora_B.weight");
        assertThat(tensors.get("base_model.model.bert.encoder.layer.1.output.dense.lora_A.weight").shape()).containsExactly(4, 64);

        // Read back and trained further at a learning rate too small to move a float: the weights PEFT's folder holds are
        // the ones the run starts from and writes again (a new LoRA would start with B = 0).
        InProcessCli.Run second = eval(train, tmp.resolve("second"), "--layer-plugin", peft.toString(), "--lr", "1e-30");
        assertThat(second.exit()).as(second.err()).isZero();
        var again = SafeTensors.read(tmp.resolve("second/lora-peft/adapter_model.safetensors")).tensors();
        assertThat(again.keySet()).isEqualTo(tensors.keySet());
        tensors.forEach((name, v) -> assertThat(again.get(name).floats()).as(name).containsExactly(v.floats()));
        assertThat(tensors.get("base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight").floats())
                .as("the first run trained B").isNotEqualTo(new float[32 * 4]);
        // Trained further: the downstream model holds the same LoRA configuration, written again for PEFT.
        assertThat(Files.readString(tmp.resolve("second/head/adapter_config.json"))).contains("\"query,value,output\"");
        assertThat(Files.readString(tmp.resolve("second/lora-peft/adapter_config.json")))
                .isEqualTo(Files.readString(peft.resolve("adapter_config.json")));
    }

    @Test
    void anEarlierDownstreamModelIsConvertedByEvaluatingItFrozen() throws Exception {
        Path train = Files.writeString(tmp.resolve("fewrel.json"), BadInputTableTest.fewRel(-1));
        InProcessCli.Run first = eval(train, tmp.resolve("first"), "--layer-plugin", "lora", "--layer-set", "r=2");
        assertThat(first.exit()).as(first.err()).isZero();
        InProcessCli.Run frozen = eval(train, tmp.resolve("converted"), "--head", tmp.resolve("first/head").toString(),
                "--freeze-head");
        assertThat(frozen.exit()).as(frozen.err()).isZero();
        assertThat(frozen.out()).contains("parameters: 0 trainable");
        var written = SafeTensors.read(tmp.resolve("first/lora-peft/adapter_model.safetensors")).tensors();
        var converted = SafeTensors.read(tmp.resolve("converted/lora-peft/adapter_model.safetensors")).tensors();
        assertThat(converted).isEqualTo(written);
    }

    @Test
    void aPeftFolderForAnotherBaseModelIsOneErrorLineAndNothingIsWritten() throws Exception {
        Path train = Files.writeString(tmp.resolve("fewrel.json"), BadInputTableTest.fewRel(-1));
        Path dir = Files.createDirectories(tmp.resolve("bert-large-lora"));
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, "
                + "\"lora_dropout\": 0.1, \"target_modules\": [\"query\", \"value\"], \"bias\": \"none\", "
                + "\"base_model_name_or_path\": \"bert-large-uncased\", \"task_type\": \"SEQ_CLS\"}");
        Map<String, TensorData> t = new TreeMap<>();
        for (int layer = 0; layer < 24; layer++) {
            for (String m : List.of("query", "value")) {
                String stem = "base_model.model.bert.encoder.layer." + layer + ".attention.self." + m + ".lora_";
                t.put(stem + "A.weight", TensorData.f32(new float[8 * 1024], 8, 1024));
                t.put(stem + "B.weight", TensorData.f32(new float[8 * 1024], 1024, 8));
            }
        }
        SafeTensors.write(dir.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
        Path out = tmp.resolve("large");
        fails(eval(train, out, "--layer-plugin", dir.toString()), 4, "artifact-shape-mismatch",
                dir.resolve("adapter_model.safetensors").toString(),
                "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight", "[8, 1024]", "expected [8, 32]",
                "bert-large-uncased");
        nothingWritten(out);

        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"IA3\", \"target_modules\": [\"key\"]}");
        fails(eval(train, out, "--layer-plugin", dir.toString()), 4, "artifact-unsupported", "peft_type", "IA3");
        nothingWritten(out);

        fails(eval(train, out, "--layer-plugin", tmp.resolve("nowhere/lora").toString()), 4, "artifact-missing", "nowhere");
        Path plain = Files.createDirectories(tmp.resolve("not-peft"));
        fails(eval(train, out, "--layer-plugin", plain + "/"), 4, "artifact-config", "no in-layer plug-in reads this folder");
        nothingWritten(out);
    }
}
