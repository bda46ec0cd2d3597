package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "resume", description = "Swap in the inactive table, if any, and let I/O through again.")
final class ResumeCommand extends ControlVerb {
    @Parameters(paramLabel = "NAME")
    String name;

    ResumeCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "resume " + name;
    }
}
