package org.mapperfs.cli.dmsetup;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code dmsetup} on mapperfs: the kernel's device-mapper tool's command line, options and
 * output, driving the devices of the mapperfs mount at $MAPPERFS_MOUNT (default /run/mapperfs),
 * which it starts when it is not running. Each device is exposed as dm exposes its own: a
 * block device (a loop device) linked from {@code $DM_DEV_DIR/mapper/NAME}.
 *
 * <p>Exit codes as dmsetup's: 0 ok, 1 failure (after {@code Command failed.}), and usage
 * errors are failures too. udev options and cookie commands are accepted and do nothing: no udev
 * is involved, the links exist when a command returns.
 */
public final class Dmsetup {
    static final int OK = 0;
    static final int FAILED = 1;

    private static final List<String> COMMANDS = List.of("create", "load", "reload", "clear", "remove",
            "remove_all", "rename", "suspend", "resume", "message", "wait", "mknodes", "table", "status", "info", "ls",
            "deps");
    private static final List<String> UDEV_COMMANDS = List.of("udevcomplete", "udevcomplete_all",
            "udevcreatecookie", "udevreleasecookie", "udevflags", "help");

    private final PrintWriter out;
    private final PrintWriter err;
    private final InputStream stdin;
    private final Path mount;
    private final Path devDir;

    Dmsetup(PrintWriter out, PrintWriter err, InputStream stdin, Path mount, Path devDir) {
        this.out = out;
        this.err = err;
        this.stdin = stdin;
        this.mount = mount;
        this.devDir = devDir;
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 1 && argv[0].equals(CdsTraining.FLAG)) {
            CdsTraining.run();
            return;
        }
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
        int exit = new Dmsetup(out, err, System.in, Session.mountFromEnvironment(),
                KernelDevices.devDirFromEnvironment()).run(List.of(argv));
        out.flush();
        err.flush();
        System.exit(exit);
    }

    int run(List<String> argv) {
        try {
            Getopt.Parsed p = Getopt.parse(argv);
            if (p.has("help") || (!p.args().isEmpty() && p.args().get(0).equals("help"))) {
                out.print(USAGE);
                return OK;
            }
            if (p.args().isEmpty()) {
                if (p.has("version")) {
                    out.print(ReportCommands.version());
                    return OK;
                }
                err.print(USAGE);
                return FAILED;
            }
            String command = p.args().get(0);
            List<String> args = p.args().subList(1, p.args().size());
            if (command.equals("version")) {
                out.print(ReportCommands.version());
                return OK;
            }
            if (command.equals("targets")) {
                out.print(ReportCommands.targets());
                return OK;
            }
            if (UDEV_COMMANDS.contains(command)) {
                if (command.equals("udevcreatecookie")) {
                    out.println("0");
                }
                return OK;
            }
            if (!COMMANDS.contains(command)) {
                throw new DmFailure("Unknown command: " + command + " (mapperfs's dmsetup knows: "
                        + String.join(" ", COMMANDS) + " targets version)");
            }
            Session session = new Session(mount, devDir, out, err);
            session.ensureDaemon();
            DeviceCommands devices = new DeviceCommands(session, p, stdin);
            ReportCommands reports = new ReportCommands(session, p);
            switch (command) {
                case "create" -> devices.create(args);
                case "load", "reload" -> devices.load(args);
                case "clear" -> devices.clear(args);
                case "remove" -> devices.remove(args);
                case "remove_all" -> devices.removeAll();
                case "rename" -> devices.rename(args);
                case "suspend" -> devices.suspend(args);
                case "resume" -> devices.resume(args);
                case "message" -> devices.message(args);
                case "wait" -> devices.await(args);
                case "mknodes" -> devices.mknodes(args);
                case "table", "status" -> reports.lines(command, args);
                case "info" -> reports.info(args);
                case "ls" -> reports.ls(args);
                case "deps" -> reports.deps(args);
                default -> throw new IllegalStateException(command);
            }
            return OK;
        } catch (Getopt.UsageError e) {
            err.println("dmsetup: " + e.getMessage());
            err.print(USAGE);
            return FAILED;
        } catch (DmFailure e) {
            err.println(e.getMessage());
            err.println("Command failed.");
            return FAILED;
        }
    }

    static final String USAGE = """
            Usage:

            dmsetup
                    [--version] [-h|--help [-c|-C|--columns]]
                    [-v|--verbose [-v|--verbose ...]] [-f|--force]
                    [--noudevrules] [--noudevsync] [--verifyudev]
                    [-y|--yes] [--readonly] [-j|--major <major>] [-m|--minor <minor>]

                create <dev_name> [-u|uuid <uuid>] [--notable | --table <table> | <table_file>]
                create --concise [<concise_device_spec_list>]
                remove [--deferred] [-f|--force] [--retry] <device>...
                remove_all [-f|--force]
                suspend [--noflush] [--nolockfs] <device>...
                resume [--noflush] [--nolockfs] <device>...
                load|reload <device> [<table_file>]
                clear <device>...
                rename <device> <new_name>
                message <device> <sector> <message>
                ls [--target <target_type>] [-o devname|blkdevname] [--tree]
                info [<device>...]
                info -c|-C|--columns [--noheadings] [--separator <separator>]
                    [-o <fields>] [--nameprefixes] [<device>...]
                deps [-o devname|blkdevname] [<device>...]
                status [<device>...] [--target <target_type>]
                table [<device>...] [--target <target_type>] [--showkeys]
                wait <device> [<event_nr>]
                mknodes [<device>...]
                targets
                version
                udevcomplete_all | udevcreatecookie | udevreleasecookie   (accepted; no udev is used)

            <device> may be a name, /dev/mapper/<name>, its block device or <major>:<minor>.
            mapperfs: devices live in the mount at $MAPPERFS_MOUNT (default /run/mapperfs), started
            on first use; /dev/mapper/<name> links to each device's loop device ($DM_DEV_DIR honoured).
            """;
}
