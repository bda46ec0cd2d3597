package org.mapperfs.cli;

import picocli.CommandLine.Command;

@Command(name = "targets", description = "List the target types.")
final class TargetsCommand extends ControlVerb {
    TargetsCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "targets";
    }
}
