package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "clear", description = "Drop the inactive table of a device.")
final class ClearCommand extends ControlVerb {
    @Parameters(paramLabel = "NAME")
    String name;

    ClearCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "clear " + name;
    }
}
