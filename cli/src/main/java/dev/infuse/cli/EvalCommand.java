package dev.infuse.cli;

import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.tasks.RunSpec;
import dev.infuse.tasks.TaskRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code infuse eval}: train a task's head (and the fusion) over the frozen backbone with frozen
 * pretrained adapters, or none (the baseline), and score the development split.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Train a downstream head over the frozen backbone (+ frozen adapters) and score the dev split.",
            "Example: infuse eval --task semeval --data ../shared/data --adapter runs/factual/adapters/factual --out runs/semeval-f"})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    RunOptions run;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A pretrained adapter artifact, used frozen (repeatable).")
    List<Path> adapters = new ArrayList<>();

    @Option(names = "--control", paramLabel = "NAME|DIR",
            description = {"A same-shape adapter left at its random initialisation (frozen), repeatable: a plugin name (houlsby),",
                "or an artifact folder whose shape to copy, written as a path with a '/' (./houlsby, runs/x/adapters/factual)."})
    List<String> controls = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Configuration of --control adapters given by name.")
    Map<String, String> settings;

    @Spec
    CommandSpec spec;

    /**
     * Whether a {@code --control} value names an artifact folder rather than a plugin: a path has a
     * {@code /} (write {@code ./houlsby} for a folder in the working directory); a bare name is always
     * a plugin name, even when a folder of that name exists.
     */
    static boolean isArtifactPath(String value) {
        return value.indexOf('/') >= 0 || value.indexOf(java.io.File.separatorChar) >= 0;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<RunSpec.AdapterUse> uses = new ArrayList<>();
        for (Path a : adapters) {
            uses.add(new RunSpec.AdapterUse(null, a, RunSpec.AdapterMode.PRETRAINED, Map.of()));
        }
        for (String c : controls) {
            uses.add(isArtifactPath(c)
                    ? new RunSpec.AdapterUse(null, Path.of(c), RunSpec.AdapterMode.CONTROL, Map.of())
                    : new RunSpec.AdapterUse(c, null, RunSpec.AdapterMode.CONTROL, RunOptions.settings(settings)));
        }
        run.validate();
        run.requireWritableOutputs();
        try (Infuse infuse = common.open(spec.commandLine().getErr()); Backbone backbone = run.openBackbone(infuse)) {
            var result = TaskRunner.run(infuse, backbone, run.spec(uses, backbone).build());
            Report.print(out, result);
            return 0;
        }
    }
}
