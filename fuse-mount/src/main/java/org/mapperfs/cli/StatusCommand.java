package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = "Print the targets' status of a device (or of every device), as dmsetup does.")
final class StatusCommand extends ControlVerb {
    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    StatusCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "status" + (name == null ? "" : " " + name);
    }
}
