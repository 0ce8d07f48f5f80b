package dev.infuse.spi;

/**
 * The one exception type Infuse reports to users. Each carries a stable {@linkplain #code() code}
 * (documented in {@code docs/ERRORS.md}) and a message that names the file, line, field or plugin
 * concerned and what was expected. The CLI prints {@code error[CODE]: message} without a stack
 * trace and exits with {@link #exitCode()}.
 */
public class InfuseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    /**
     * @param code stable identifier, e.g. {@code "plugin-spi-version"}
     * @param message what went wrong, where, and what was expected
     */
    public InfuseException(String code, String message) {
        super(message);
        this.code = code;
    }

    public InfuseException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** Stable, lower-case, hyphenated code. */
    public String code() {
        return code;
    }

    /**
     * Process exit code for this error: 2 for bad user input (arguments, configuration, data), 3 for
     * plugin problems, 4 for artifact and backbone files, 5 for training that diverged, 1 for
     * anything else.
     */
    public int exitCode() {
        if (code.startsWith("train")) {
            return 5;
        }
        if (code.startsWith("plugin")) {
            return 3;
        }
        if (code.startsWith("artifact") || code.startsWith("backbone")) {
            return 4;
        }
        if (code.startsWith("config") || code.startsWith("data") || code.startsWith("usage")) {
            return 2;
        }
        return 1;
    }
}
