package org.mapperfs.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code mapperfs}: the daemon ({@code mount}, {@code unmount}), dmsetup's verbs as a thin client
 * of the control file, and {@code attach}/{@code detach} for loop devices. Exit codes: 0 ok,
 * 1 failure, 2 usage.
 */
@Command(name = "mapperfs", mixinStandardHelpOptions = true, version = "mapperfs 0.1.0",
        scope = ScopeType.INHERIT, // every command answers --help (and --version)
        description = "A device mapper in user space: dmsetup tables, one FUSE mount, loop devices.",
        footerHeading = "%nNotes:%n",
        footer = {
            "dmsetup mode: src/bin/dmsetup (linked onto PATH by 'mapperfs install-dmsetup') takes device-mapper's "
                + "own command line (create, load, suspend, resume, remove, table, status, info -c, ls, deps, "
                + "message, mknodes, udevcomplete, ...) for the devices of the mount at $MAPPERFS_MOUNT (default "
                + "/run/mapperfs), starting a daemon there on first use; each device gets a loop device and a "
                + "link /dev/mapper/NAME, so scripts written for device-mapper run unchanged.",
            "",
            "Files: MNT/control (commands, one per write; reading lists the devices), MNT/NAME (a device), "
                + "MNT/.meta/NAME/{table,status,info,stats}.",
            "Exit status: 0 ok, 1 failure (one line on standard error names it), 2 usage."})
public final class Main implements Runnable {
    /**
     * The commands, in the order help lists them. A command line holds only the one it runs
     * (see {@link #commandLine(Context, String...)}): picocli's model of every command costs
     * a client more time than its whole work.
     */
    static final List<Class<?>> COMMANDS = List.of(
            MountCommand.class, UnmountCommand.class,
            CreateCommand.class, LoadCommand.class, ClearCommand.class,
            SuspendCommand.class, ResumeCommand.class, RemoveCommand.class, RenameCommand.class,
            MessageCommand.class, TableCommand.class, StatusCommand.class, InfoCommand.class,
            LsCommand.class, DepsCommand.class, StatsCommand.class, WaitCommand.class, TargetsCommand.class,
            AttachCommand.class, DetachCommand.class, InstallDmsetupCommand.class, InstallCompletionCommand.class, InstallServiceCommand.class,
            LuksCommand.class,
            ReplayLogCommand.class);

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    final Context context;

    @Spec
    CommandSpec spec;

    Main(Context context) {
        this.context = context;
    }

    @Option(names = {"-m", "--mount"}, scope = ScopeType.INHERIT, paramLabel = "MNT",
            description = "The mapperfs mount point (default: $MAPPERFS_MOUNT or /run/mapperfs).")
    void mount(Path mount) {
        context.mountOption = mount;
    }

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    void verbose(boolean verbose) {
        context.verbose = verbose;
    }

    @Override
    public void run() {
        // This command line, not a new one: a new one cannot build the subcommands (no Context).
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** A command line with every command, sharing one {@link Context}: for help, completion and the man page. */
    static CommandLine commandLine(Context context) {
        return commandLine(context, COMMANDS);
    }

    /** Every command's model, as help prints it: what the manual pages are made from. */
    public static CommandLine allCommands() {
        return commandLine(new Context());
    }

    /**
     * A command line for {@code args}: with only the command they name when they name one (the
     * first word that is no option of its own), else with all.
     */
    static CommandLine commandLine(Context context, String... args) {
        Class<?> named = named(args);
        return commandLine(context, named == null ? COMMANDS : List.of(named));
    }

    private static Class<?> named(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-m") || a.equals("--mount")) {
                i++; // its value
            } else if (!a.startsWith("-")) {
                for (Class<?> c : COMMANDS) {
                    Command command = c.getAnnotation(Command.class);
                    if (command.name().equals(a) || List.of(command.aliases()).contains(a)) {
                        return c;
                    }
                }
                return null;
            }
        }
        return null;
    }

    private static CommandLine commandLine(Context context, List<Class<?>> commands) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (ContextAware.class.isAssignableFrom(cls)) {
                    return cls.getDeclaredConstructor(Context.class).newInstance(context);
                }
                return defaults.create(cls);
            }
        };
        CommandLine cl = new CommandLine(new Main(context), factory);
        for (Class<?> c : commands) {
            cl.addSubcommand(new CommandLine(c, factory));
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            // The notes are mapperfs's own: help options are inherited, they are not.
            sub.getCommandSpec().usageMessage().footerHeading("").footer(new String[0]);
        }
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException || e instanceof java.io.IOException) {
                commandLine.getErr().println("mapperfs: " + e.getMessage());
            } else {
                commandLine.getErr().println("mapperfs: " + e);
            }
            if (context.verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            return FAILURE;
        });
        cl.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("mapperfs: " + e.getMessage());
            e.getCommandLine().getErr().println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help' for more information.");
            return USAGE;
        });
        return cl;
    }

    /** Runs {@code mapperfs ARGS} in this process, printing to {@code out} and {@code err}; the exit code. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = commandLine(new Context(), args);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Context(), args).execute(args));
    }
}
