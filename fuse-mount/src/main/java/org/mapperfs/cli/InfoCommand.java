package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "info", description = "Print state, tables present, open count and event number of a device.")
final class InfoCommand extends ControlVerb {
    @Mixin
    JsonOption json;

    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    InfoCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "info" + json.word() + (name == null ? "" : " " + name);
    }
}
