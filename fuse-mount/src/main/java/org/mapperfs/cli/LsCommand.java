package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ls", description = "List the devices with their state and size.")
final class LsCommand extends ControlVerb {
    @Option(names = "--tree", description = "Show which device stands on which.")
    boolean tree;

    @Mixin
    JsonOption json;

    LsCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return (tree ? "ls --tree" : "ls") + json.word();
    }
}
