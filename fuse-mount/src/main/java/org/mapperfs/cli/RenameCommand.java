package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "rename", description = "Rename a device.")
final class RenameCommand extends ControlVerb {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "NEW_NAME")
    String newName;

    RenameCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "rename " + name + " " + newName;
    }
}
