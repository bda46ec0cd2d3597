package org.mapperfs.cli.dmsetup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mapperfs.cli.AttachCommand;
import org.mapperfs.daemon.Loops;

/**
 * dmsetup's verbs that make, change and remove devices. A device made here is exposed as
 * device-mapper's are: attached to a loop device (direct I/O) and linked from
 * {@code $DM_DEV_DIR/mapper/NAME} before the command returns, the link gone before a remove
 * returns.
 */
final class DeviceCommands {
    private static final long SETTLE_MILLIS = 5_000;

    private final Session session;
    private final Getopt.Parsed options;
    private final InputStream stdin;

    DeviceCommands(Session session, Getopt.Parsed options, InputStream stdin) {
        this.session = session;
        this.options = options;
        this.stdin = stdin;
    }

    /** {@code create NAME [--table T | FILE]} (or the table on stdin), or {@code create --concise LIST}. */
    void create(List<String> args) throws DmFailure {
        if (options.has("concise")) {
            need(args, 0, 1, "create --concise [<concise_device_spec_list>]");
            String list = args.isEmpty() ? table(null) : args.get(0);
            for (String spec : list.strip().split(";")) {
                if (!spec.isBlank()) {
                    concise(spec);
                }
            }
            return;
        }
        need(args, 1, 2, "create <dev_name> [-u <uuid>] [--notable | --table <table> | <table_file>]");
        if (options.has("notable")) {
            throw new DmFailure("mapperfs: create --notable: a mapperfs device always has a table; give it one");
        }
        create(args.get(0), options.value("uuid"), table(args.size() > 1 ? args.get(1) : null),
                options.has("readonly"));
    }

    /** One device of {@code --concise}: {@code name,uuid,minor,flags,table[,table]...}. */
    private void concise(String spec) throws DmFailure {
        String[] f = spec.split(",", -1);
        if (f.length < 5) {
            throw new DmFailure("dmsetup: --concise: expected name,uuid,minor,flags,table in '" + spec + "'");
        }
        List<String> lines = new ArrayList<>(List.of(f).subList(4, f.length));
        create(f[0].strip(), f[1].isBlank() ? null : f[1].strip(), String.join("\n", lines) + "\n",
                f[3].strip().equals("ro"));
    }

    private void create(String name, String uuid, String table, boolean readOnly) throws DmFailure {
        if (name.contains("/")) {
            throw new DmFailure("dmsetup: create: device name '" + name + "' may not contain '/'");
        }
        String command = "create " + name + (uuid == null ? "" : " --uuid " + uuid);
        session.sendWithTable("create", name, command, TableDevices.in(table, session));
        session.changed();
        String loop;
        try {
            loop = Loops.attach(session.mount.resolve(name), true, readOnly, AttachCommand.logicalBlockSize(table));
        } catch (IOException e) {
            undoCreate(name);
            throw DmFailure.ioctl("create", name, "cannot attach a loop device: " + e.getMessage());
        }
        firstBackingFile(table).ifPresent(file -> KernelDevices.copyRotational(loop, file));
        try {
            session.kernel.link(name, loop);
        } catch (IOException e) {
            detach(loop);
            undoCreate(name);
            throw DmFailure.ioctl("create", name, "cannot link " + session.kernel.link(name) + ": " + e);
        }
    }

    private void undoCreate(String name) {
        try {
            session.send("remove", name, "remove " + name);
        } catch (DmFailure ignored) {
            // the failure being reported says more
        }
    }

    /** {@code load|reload NAME [--table T | FILE]}: the inactive table; a later resume swaps it in. */
    void load(List<String> args) throws DmFailure {
        need(args, 1, 2, "load <device> [<table_file>]");
        String name = session.device("reload", args.get(0));
        // --force: dm lets a table shrink a device in use; the loop device learns the size at resume.
        session.sendWithTable("reload", name, "load --force " + name,
                TableDevices.in(table(args.size() > 1 ? args.get(1) : null), session));
    }

    void clear(List<String> args) throws DmFailure {
        for (String arg : atLeastOne(args, "clear <device>...")) {
            String name = session.device("clear", arg);
            session.send("clear", name, "clear " + name);
        }
    }

    /** {@code remove [-f] [--retry] [--deferred] DEV...}: link, loop device, then the device. */
    void remove(List<String> args) throws DmFailure {
        for (String arg : atLeastOne(args, "remove [-f] [--retry] [--deferred] <device>...")) {
            remove(session.device("remove", arg));
        }
    }

    void removeAll() throws DmFailure {
        boolean progress = true;
        while (progress && !session.names().isEmpty()) {
            progress = false;
            for (String name : session.names()) {
                try {
                    remove(name);
                    progress = true;
                } catch (DmFailure e) {
                    // used by another device, or busy: the next round, or the error below
                }
                session.changed();
            }
        }
        if (!session.names().isEmpty()) {
            throw new DmFailure("Unable to remove " + String.join(", ", session.names()));
        }
    }

    private void remove(String name) throws DmFailure {
        Optional<String> loop = session.kernel.loopOf(name);
        if (loop.isPresent() && KernelDevices.busy(loop.get())) {
            long deadline = System.currentTimeMillis() + (options.has("retry") ? SETTLE_MILLIS : 0);
            while (KernelDevices.busy(loop.get()) && System.currentTimeMillis() < deadline) {
                sleep(200);
            }
            if (KernelDevices.busy(loop.get())) {
                if (options.has("force")) {
                    // As dmsetup -f: whoever still holds the device gets I/O errors from now on.
                    session.sendWithTable("reload", name, "load --force " + name,
                            "0 " + session.devices().get(name).sectors() + " error\n");
                    session.send("resume", name, "resume " + name);
                }
                throw DmFailure.ioctl("remove", name, "Device or resource busy");
            }
        }
        try {
            session.kernel.unlink(name);
        } catch (IOException e) {
            throw DmFailure.ioctl("remove", name, "cannot unlink " + session.kernel.link(name) + ": " + e);
        }
        loop.ifPresent(DeviceCommands::detach);
        // The loop device lets go of the device file a moment after it is detached.
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        while (true) {
            try {
                session.send("remove", name, "remove " + name);
                session.changed();
                return;
            } catch (DmFailure e) {
                if (!e.getMessage().contains("is open") || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                sleep(20);
            }
        }
    }

    private static void detach(String loop) {
        try {
            Loops.losetup("-d", loop);
        } catch (IOException e) {
            // already gone, or the remove below says what holds the device
        }
    }

    void rename(List<String> args) throws DmFailure {
        need(args, 2, 2, "rename <device> <new_name>");
        String name = session.device("rename", args.get(0));
        String newName = args.get(1);
        Optional<String> loop = session.kernel.loopOf(name);
        session.send("rename", name, "rename " + name + " " + newName);
        session.changed();
        try {
            session.kernel.unlink(name);
            if (loop.isPresent()) {
                session.kernel.link(newName, loop.get());
            }
        } catch (IOException e) {
            throw DmFailure.ioctl("rename", name, "cannot move the link to " + session.kernel.link(newName) + ": " + e);
        }
    }

    /**
     * {@code suspend [--nolockfs] [--noflush] DEV...}: without --nolockfs, the file system on the
     * device is frozen first (as dm's lockfs), and thawed again by resume.
     */
    void suspend(List<String> args) throws DmFailure {
        for (String arg : atLeastOne(args, "suspend [--noflush] [--nolockfs] <device>...")) {
            String name = session.device("suspend", arg);
            boolean wasSuspended = session.devices().get(name).suspended();
            Optional<Path> frozen = Optional.empty();
            Optional<String> loop = session.kernel.loopOf(name);
            if (!options.has("nolockfs") && !wasSuspended && loop.isPresent()) {
                frozen = KernelDevices.mountPointOf(loop.get());
                if (frozen.isPresent()) {
                    Freezes.freeze(name, frozen.get());
                }
            }
            try {
                session.send("suspend", name, "suspend " + (options.has("noflush") ? "--noflush " : "") + name);
            } catch (DmFailure e) {
                if (frozen.isPresent()) {
                    Freezes.thaw(name, frozen.get());
                }
                throw e;
            }
        }
        session.changed();
    }

    /**
     * {@code resume DEV...}: swaps in a loaded table and lets I/O go; the loop device then learns
     * a new size, a buffered loop device drops what it cached of the old table, and a file
     * system frozen by suspend is thawed.
     */
    void resume(List<String> args) throws DmFailure {
        for (String arg : atLeastOne(args, "resume <device>...")) {
            String name = session.device("resume", arg);
            session.send("resume", name, "resume " + name);
            session.changed();
            Optional<String> loop = session.kernel.loopOf(name);
            if (loop.isEmpty()) {
                continue;
            }
            long sectors = session.devices().get(name).sectors();
            try {
                if (KernelDevices.sectors(loop.get()) != sectors) {
                    Loops.losetup("-c", loop.get());
                }
                if (!KernelDevices.directIo(loop.get())) {
                    Tools.run("blockdev", "--flushbufs", loop.get());
                }
            } catch (IOException e) {
                throw DmFailure.ioctl("resume", name, "cannot refresh " + loop.get() + ": " + e.getMessage());
            }
            KernelDevices.mountPointOf(loop.get()).ifPresent(mp -> Freezes.thawIfFrozenHere(name, mp));
        }
    }

    void message(List<String> args) throws DmFailure {
        if (args.size() < 3) {
            throw new DmFailure("Usage: message <device> <sector> <message>");
        }
        String name = session.device("message", args.get(0));
        String reply = session.send("message", name, "message " + name + " " + String.join(" ", args.subList(1,
                args.size())));
        session.out.print(reply);
    }

    void await(List<String> args) throws DmFailure {
        need(args, 1, 2, "wait <device> [<event_nr>]");
        String name = session.device("wait", args.get(0));
        session.send("wait", name, "wait " + name + (args.size() > 1 ? " " + args.get(1) : ""));
    }

    /** {@code mknodes [DEV...]}: every device gets its loop device and link; stale links go. */
    void mknodes(List<String> args) throws DmFailure {
        List<String> names = args.isEmpty() ? session.names() : new ArrayList<>();
        for (String arg : args) {
            names.add(session.device("mknodes", arg));
        }
        for (String name : names) {
            Optional<String> loop = session.kernel.loopOf(name);
            try {
                String l = loop.isPresent() ? loop.get() : Loops.attach(session.mount.resolve(name), true, false,
                        AttachCommand.logicalBlockSize(session.send("mknodes", name, "table " + name)));
                if (!session.kernel.linked(name, l)) {
                    session.kernel.link(name, l);
                }
            } catch (IOException e) {
                throw DmFailure.ioctl("mknodes", name, e.getMessage());
            }
        }
        if (args.isEmpty()) {
            removeStaleLinks(session.names());
        }
    }

    /** Links in the mapper folder to a loop device that no device of this mount holds. */
    private void removeStaleLinks(List<String> names) {
        Path dir = session.kernel.mapperDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var links = Files.list(dir)) {
            for (Path link : links.filter(Files::isSymbolicLink).toList()) {
                String target = Files.readSymbolicLink(link).toString();
                boolean loopLink = target.startsWith("/dev/loop");
                if (loopLink && (!names.contains(link.getFileName().toString()) || !Files.exists(link))) {
                    Files.deleteIfExists(link);
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /** The table from --table, from FILE, or from standard input. */
    private String table(String file) throws DmFailure {
        if (options.has("table")) {
            return options.value("table");
        }
        try {
            if (file != null) {
                return Files.readString(Path.of(file), StandardCharsets.UTF_8);
            }
            return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DmFailure("Couldn't open '" + file + "' for reading: " + e.getMessage());
        }
    }

    /** The first argument of a table that is an existing regular file: what the device stands on. */
    private static Optional<Path> firstBackingFile(String table) {
        for (String line : table.split("\n")) {
            String[] words = line.strip().split("\\s+");
            for (int i = 3; i < words.length; i++) {
                if (words[i].startsWith("/")) {
                    Path p = Path.of(words[i]);
                    if (Files.exists(p)) {
                        return Optional.of(p);
                    }
                }
            }
        }
        return Optional.empty();
    }

    static void need(List<String> args, int min, int max, String usage) throws DmFailure {
        if (args.size() < min || args.size() > max) {
            throw new DmFailure("Usage: " + usage);
        }
    }

    private static List<String> atLeastOne(List<String> args, String usage) throws DmFailure {
        if (args.isEmpty()) {
            throw new DmFailure("Usage: " + usage);
        }
        return args;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
