package org.mapperfs.control;

import static org.mapperfs.core.MapperException.Reason.INVALID;
import static org.mapperfs.core.MapperException.Reason.IO;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.mapperfs.core.Interrupts;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of the control file, as dmsetup names them. A command is one write: the first
 * line holds the verb, its options and arguments; {@code create} and {@code load} take their
 * table inline on the same line (one segment) or on the following lines, or from
 * {@code --table-file PATH}. Relative paths are relative to {@code baseDir}, the writer's
 * working directory.
 */
public final class ControlCommands {
    private static final Logger log = LoggerFactory.getLogger(ControlCommands.class);
    private static final Splitter WORDS = Splitter.on(CharMatcher.whitespace()).omitEmptyStrings();
    static final long WAIT_LIMIT_MILLIS = 24L * 3600 * 1000;
    /** How often a wait looks whether mapperfs is shutting down. */
    static final long WAIT_SLICE_MILLIS = 200;

    static final String HELP = """
            commands (one per write; the reply is read back on the same handle):
              create NAME [--uuid UUID] [TABLE | --table-file PATH]   table inline or on the
                                                following lines; UUID as dmsetup's -u
              load [--force] NAME [TABLE | --table-file PATH]   (also: reload) fill the inactive table;
                                                --force lets it shrink a device in use
              clear NAME                                drop the inactive table
              suspend [--noflush] NAME
              resume NAME                               swap in the inactive table, reopen I/O
              remove [--force] NAME
              rename NAME NEW_NAME
              message NAME SECTOR MESSAGE...
              table [--inactive] [--showkeys] [NAME]   keys (crypt) as zeros unless --showkeys
              status [NAME]
              info [NAME]
              deps [NAME]
              ls [--tree]
              stats [NAME] | stats --prometheus         the I/O counters of each device
              wait NAME [EVENT]
              targets
              version
            ls, info, table, status, deps, stats and targets take --json: one JSON object.
            """;

    private final Mapper mapper;
    private final Host host;
    private final ShutdownCommand shutdown;

    public ControlCommands(Mapper mapper, Host host) {
        this.mapper = mapper;
        this.host = host;
        this.shutdown = new ShutdownCommand(mapper, this::persist);
    }

    private static final Set<String> QUERIES =
            Set.of("table", "status", "info", "deps", "ls", "stats", "wait", "targets", "version", "daemon",
                    "help");

    /** False for the commands that only report; those are not worth a line in the daemon's log. */
    public static boolean changesState(String command) {
        List<String> words = WORDS.limit(2).splitToList(command);
        return !words.isEmpty() && !QUERIES.contains(words.get(0));
    }

    /** Runs one command; returns its reply. Throws with nothing changed if it is refused. */
    public String execute(String command, Path baseDir) throws MapperException {
        int eol = command.indexOf('\n');
        String first = eol < 0 ? command : command.substring(0, eol);
        String rest = eol < 0 ? "" : command.substring(eol + 1);
        CommandArgs args = new CommandArgs(WORDS.splitToList(first));
        if (!args.hasNext()) {
            throw new MapperException(INVALID, "empty command (try 'help')");
        }
        String verb = args.next("command");
        if (args.flag("--json")) {
            return json(verb, args);
        }
        return switch (verb) {
            case "create" -> create(args, rest, baseDir);
            case "load", "reload" -> load(args, rest, baseDir);
            case "clear" -> {
                String name = args.last("NAME");
                boolean had = mapper.clear(name);
                yield had ? "" : "no inactive table\n";
            }
            case "suspend" -> {
                boolean noflush = args.flag("--noflush");
                boolean nolockfs = args.flag("--nolockfs");
                log.debug("suspend nolockfs={}", nolockfs);
                mapper.suspend(args.last("NAME"), !noflush);
                yield "";
            }
            case "resume" -> {
                mapper.resume(args.last("NAME"));
                persist();
                yield "";
            }
            case "remove" -> {
                boolean force = args.flag("--force");
                mapper.remove(args.last("NAME"), force);
                persist();
                yield "";
            }
            case "rename" -> {
                String name = args.next("NAME");
                mapper.rename(name, args.last("NEW_NAME"));
                persist();
                yield "";
            }
            case "message" -> message(args);
            case "table" -> table(args);
            case "status" -> forEach(args, Reports::status);
            case "info" -> info(args);
            case "deps" -> forEach(args, (d, prefix) -> Reports.deps(d, prefix));
            case "stats" -> {
                if (args.flag("--prometheus")) {
                    args.end();
                    yield new PrometheusReport(mapper).text();
                }
                yield StatsReports.table(selected(args));
            }
            case "ls" -> {
                boolean tree = args.flag("--tree");
                args.end();
                yield tree ? Reports.tree(mapper) : Reports.ls(mapper.list());
            }
            case "wait" -> waitEvent(args);
            case "targets" -> {
                args.end();
                yield String.join("\n", mapper.registry().types()) + "\n";
            }
            case "version" -> {
                args.end();
                yield "mapperfs " + host.version() + "\n";
            }
            case "daemon" -> {
                args.end();
                yield "pid " + ProcessHandle.current().pid() + "\nmount " + host.mountPoint() + "\nstate "
                        + host.stateDir() + "\n";
            }
            case "shutdown" -> shutdown.run(args);
            case "help" -> HELP;
            default -> throw new MapperException(INVALID, "unknown command '" + verb + "' (try 'help')");
        };
    }

    /** A read command's report as JSON; see {@link JsonReports}. */
    private String json(String verb, CommandArgs args) throws MapperException {
        JsonReports json = new JsonReports(host);
        return switch (verb) {
            case "ls" -> {
                args.end();
                yield json.ls(mapper.list());
            }
            case "targets" -> {
                args.end();
                yield JsonReports.targets(mapper.registry());
            }
            case "info" -> json.info(selected(args));
            case "status" -> json.status(selected(args));
            case "deps" -> json.deps(selected(args));
            case "stats" -> json.stats(selected(args));
            case "table" -> {
                args.flag("--inactive"); // both tables are in the JSON
                boolean keys = args.flag("--showkeys");
                yield json.table(selected(args), keys);
            }
            default -> throw new MapperException(INVALID, verb + " has no --json form (ls, info, table, status, deps, "
                    + "stats and targets have)");
        };
    }

    private String create(CommandArgs args, String rest, Path baseDir) throws MapperException {
        String name = args.next("NAME");
        String uuid = args.leadingOption("--uuid").orElse("");
        String table = tableText(args, rest, baseDir);
        MappedDevice device = mapper.create(name, uuid, table, baseDir);
        persist();
        return "created " + device.name() + " (" + device.liveTable().sectors() + " sectors)\n";
    }

    private String load(CommandArgs args, String rest, Path baseDir) throws MapperException {
        boolean force = args.leadingFlag("--force");
        String name = args.next("NAME");
        String table = tableText(args, rest, baseDir);
        mapper.load(name, table, baseDir, force ? (device, t) -> {} : this::refuseShrinkInUse);
        return "";
    }

    /**
     * A table that makes a device smaller while something uses it (a loop device, an open
     * handle, another device) would cut the ground from under that user: refused unless forced.
     */
    private void refuseShrinkInUse(MappedDevice device, Table table) throws MapperException {
        long now = device.liveTable().sectors();
        if (table.sectors() >= now) {
            return;
        }
        List<String> users = new ArrayList<>();
        for (String loop : host.loopsAttachedTo(host.mountPoint().resolve(device.name()))) {
            users.add("attached to " + loop);
        }
        if (device.openCount() > 0) {
            users.add("open (" + device.openCount() + ")");
        }
        for (String user : mapper.users(device)) {
            users.add("used by " + user);
        }
        if (!users.isEmpty()) {
            throw new MapperException(MapperException.Reason.BUSY, "the table would shrink " + device.name()
                    + " from " + now + " to " + table.sectors() + " sectors while it is " + String.join(", ", users)
                    + " (use load --force)");
        }
    }

    /** The table from {@code --table-file}, the rest of the first line, or the following lines. */
    private static String tableText(CommandArgs args, String rest, Path baseDir) throws MapperException {
        String inline = args.rest();
        if (inline.startsWith("--table-file")) {
            List<String> words = WORDS.splitToList(inline);
            if (words.size() != 2) {
                throw new MapperException(INVALID, "--table-file takes one PATH");
            }
            return TableFile.read(baseDir.resolve(words.get(1)));
        }
        if (!inline.isEmpty() && !rest.isBlank()) {
            throw new MapperException(INVALID, "table given both on the command line and on the following lines");
        }
        String table = inline.isEmpty() ? rest : inline;
        if (table.isBlank()) {
            throw new MapperException(INVALID, "no table given: expected lines of <start> <length> <target> [args...]");
        }
        return table;
    }

    private String message(CommandArgs args) throws MapperException {
        String name = args.next("NAME");
        String sectorText = args.next("SECTOR");
        long sector;
        try {
            sector = Long.parseLong(sectorText);
        } catch (NumberFormatException e) {
            throw new MapperException(INVALID, "message: SECTOR '" + sectorText + "' is not a number");
        }
        List<String> words = new ArrayList<>();
        while (args.hasNext()) {
            words.add(args.next("MESSAGE"));
        }
        String reply = mapper.message(name, sector, words);
        // Printed as a line, as dmsetup prints a message's result.
        return reply.isEmpty() || reply.endsWith("\n") ? reply : reply + "\n";
    }

    private String table(CommandArgs args) throws MapperException {
        boolean inactive = args.flag("--inactive");
        boolean keys = args.flag("--showkeys");
        if (!inactive) {
            return forEach(args, (d, prefix) -> Reports.table(d.liveTable(), prefix, keys));
        }
        return forEach(args, (d, prefix) -> d.inactiveTable().map(t -> Reports.table(t, prefix, keys)).orElse(""));
    }

    private String info(CommandArgs args) throws MapperException {
        List<MappedDevice> devices = selected(args);
        List<String> blocks = new ArrayList<>();
        for (MappedDevice d : devices) {
            blocks.add(Reports.info(d));
        }
        return devices.isEmpty() ? "No devices found\n" : String.join("\n", blocks);
    }

    private String waitEvent(CommandArgs args) throws MapperException {
        MappedDevice device = mapper.device(args.next("NAME"));
        long after = device.eventNumber();
        if (args.hasNext()) {
            String text = args.next("EVENT");
            try {
                after = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new MapperException(INVALID, "wait: EVENT '" + text + "' is not a number");
            }
        }
        args.end();
        // In slices, so that a shutdown ends the wait: the caller holds the control file open,
        // and the unmount would wait for it.
        long start = System.nanoTime();
        long shutdownsBefore = shutdown.count();
        try {
            while (true) {
                if (shutdown.count() != shutdownsBefore) {
                    throw new MapperException(IO, "wait " + device.name() + ": mapperfs is shutting down");
                }
                if (Interrupts.requested()) {
                    throw new MapperException(MapperException.Reason.INTERRUPTED, "wait " + device.name()
                            + ": interrupted");
                }
                long left = WAIT_LIMIT_MILLIS - (System.nanoTime() - start) / 1_000_000;
                long event = device.awaitEvent(after, Math.min(WAIT_SLICE_MILLIS, Math.max(0, left)));
                if (event >= 0 || left <= WAIT_SLICE_MILLIS) {
                    return event + "\n";
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MapperException(IO, "wait interrupted");
        }
    }

    private interface Report {
        /** {@code prefix} is null for a named device, else the device's name for each line. */
        String of(MappedDevice device, String prefix) throws MapperException;
    }

    /** A report of the one named device, or of every device with each line prefixed by its name. */
    private String forEach(CommandArgs args, Report report) throws MapperException {
        boolean named = args.hasNext();
        List<MappedDevice> devices = selected(args);
        StringBuilder sb = new StringBuilder();
        for (MappedDevice d : devices) {
            sb.append(report.of(d, named ? null : d.name()));
        }
        return devices.isEmpty() ? "No devices found\n" : sb.toString();
    }

    private List<MappedDevice> selected(CommandArgs args) throws MapperException {
        if (args.hasNext()) {
            return List.of(mapper.device(args.last("NAME")));
        }
        return mapper.list();
    }

    private void persist() throws MapperException {
        try {
            host.saveTables(mapper);
        } catch (IOException e) {
            throw new MapperException(IO, "the device changed but its table could not be saved in " + host.stateDir()
                    + ": " + e.getMessage(), e);
        }
    }
}
