package org.mapperfs.cli;

import picocli.CommandLine.Option;

/** {@code --json} of the read commands: the daemon's report as one JSON object (schemas in the README). */
final class JsonOption {
    @Option(names = "--json", description = "Print the report as one JSON object (see the README for its schema).")
    boolean json;

    /** The option as the control command takes it, with a leading space; empty without it. */
    String word() {
        return json ? " --json" : "";
    }
}
