/** The {@code infuse} command line. */
module dev.infuse.cli {
    requires dev.infuse.core;
    requires dev.infuse.tasks;
    requires dev.infuse.kg;
    requires dev.infuse.study;
    requires dev.infuse.stats;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;

    opens dev.infuse.cli to info.picocli;
}
