package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "table", description = "Print the table of a device (or of every device), in dmsetup's format.")
final class TableCommand extends ControlVerb {
    @Option(names = "--inactive", description = "Print the loaded, not yet resumed table.")
    boolean inactive;

    @Mixin
    JsonOption json;

    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    TableCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "table" + json.word() + (inactive ? " --inactive" : "") + (name == null ? "" : " " + name);
    }
}
