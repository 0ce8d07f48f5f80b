package dev.infuse.cli;

import dev.infuse.spi.InfuseException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code infuse} command.
 *
 * <p>Exit codes: 0 success; 1 internal error; 2 bad arguments, configuration or data; 3 plugin
 * problems (not found, wrong SPI version, duplicate); 4 artifact or backbone files missing or
 * invalid; 5 training diverged; 6 a study finished with failed cells. Errors print one line {@code error[code]: message}; {@code --verbose} adds the stack trace.
 */
@Command(name = "infuse", mixinStandardHelpOptions = true, versionProvider = InfuseCli.Version.class,
        description = "Plug-in knowledge injection into frozen pre-trained language models.",
        subcommands = {PluginsCommand.class, EncodeCommand.class, TrainCommand.class, EvalCommand.class, ProbeCommand.class, TransECommand.class, InspectCommand.class, StudyCommand.class, CompareCommand.class, CacheCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error", "2:bad arguments, configuration or data",
            "3:plugin problem (not found, wrong SPI version, duplicate name)",
            "4:artifact or backbone files missing or invalid", "5:training diverged (non-finite loss)",
            "6:a study finished with failed cells (see its report)"})
public final class InfuseCli {

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new InfuseCli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            boolean verbose = parse.originalArgs().contains("--verbose");
            if (ex instanceof InfuseException ie) {
                err.println("error[" + ie.code() + "]: " + ie.getMessage());
                if (verbose) {
                    ex.printStackTrace(err);
                }
                return ie.exitCode();
            }
            err.println("error[internal]: " + ex + (verbose ? "" : " (run with --verbose for details)"));
            if (verbose) {
                ex.printStackTrace(err);
            }
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("error[usage]: " + ex.getMessage());
            err.println("Run 'infuse " + (ex.getCommandLine().getCommandName().equals("infuse") ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help' for usage.");
            return 2;
        });
        return cl.execute(args);
    }

    /** Reports the version of the Infuse build and its SPI. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"infuse " + versionOf(InfuseCli.class, "(development build)") + ", SPI " + dev.infuse.spi.Spi.VERSION};
        }
    }

    /** The Infuse version in the manifest of the jar that holds {@code c}, or {@code fallback} when run from classes. */
    static String versionOf(Class<?> c, String fallback) {
        String v = c.getPackage().getImplementationVersion();
        return v == null ? fallback : v;
    }
}
