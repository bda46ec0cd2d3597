package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "deps", description = "List the files and devices a device uses.")
final class DepsCommand extends ControlVerb {
    @Mixin
    JsonOption json;

    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    DepsCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "deps" + json.word() + (name == null ? "" : " " + name);
    }
}
