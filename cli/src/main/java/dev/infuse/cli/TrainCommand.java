package dev.infuse.cli;

import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.tasks.RunSpec;
import dev.infuse.tasks.TaskRunner;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code infuse train}: pretrain an adapter on a task and save it as an artifact. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Pretrain an adapter on a task over the frozen backbone; save it with its head as an artifact.",
            "Example: infuse train --adapter factual --task fewrel --data ../shared/data --out runs/factual"})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    RunOptions run;

    @Option(names = "--adapter", required = true, description = "Adapter plugin to train (see 'infuse plugins').")
    String adapter;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Adapter configuration, e.g. --set adapter_size=256 --set taps=0,6,11.")
    Map<String, String> settings;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        run.validate();
        run.requireWritableOutputs();
        try (Infuse infuse = common.open(spec.commandLine().getErr()); Backbone backbone = run.openBackbone(infuse)) {
            var use = new RunSpec.AdapterUse(adapter, null, RunSpec.AdapterMode.TRAIN, RunOptions.settings(settings));
            var result = TaskRunner.run(infuse, backbone, run.spec(List.of(use), backbone).build());
            Report.print(out, result);
            out.printf("adapter artifact: %s%n", run.out.resolve("adapters").resolve(adapter));
            return 0;
        }
    }
}
