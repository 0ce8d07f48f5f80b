package dev.infuse.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in this JVM ({@link InfuseCli#run}) and keeps what it printed, for the CLI's tests. */
final class InProcessCli {
    private InProcessCli() {}

    /** One command's exit code, standard output and standard error. */
    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = InfuseCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }
}
