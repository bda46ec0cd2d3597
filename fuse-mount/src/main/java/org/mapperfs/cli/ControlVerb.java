package org.mapperfs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A verb that sends one command to the control file and prints the reply. */
abstract class ControlVerb implements Callable<Integer>, ContextAware {
    protected final Context context;

    @Spec
    CommandSpec spec;

    ControlVerb(Context context) {
        this.context = context;
    }

    /** The control command text. */
    abstract String command() throws CliException;

    @Override
    public Integer call() throws CliException {
        String reply = send();
        spec.commandLine().getOut().print(reply);
        spec.commandLine().getOut().flush();
        return Main.OK;
    }

    /** A table to send after the command line, for create and load; none by default. */
    String table() throws CliException {
        return null;
    }

    String send() throws CliException {
        String table = table();
        return table == null ? context.control().send(command())
                : context.control().sendWithTable(command(), table);
    }
}
