package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "targets", description = "List the target types.")
final class TargetsCommand extends ControlVerb {
    @Mixin
    JsonOption json;

    TargetsCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "targets" + json.word();
    }
}
