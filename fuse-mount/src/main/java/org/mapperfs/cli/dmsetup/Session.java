package org.mapperfs.cli.dmsetup;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mapperfs.cli.CliException;
import org.mapperfs.cli.ControlClient;
import org.mapperfs.cli.Main;

/**
 * One dmsetup command's view of mapperfs: the mount it talks to (started on first need, as the
 * kernel's device-mapper is always there), the devices it holds, and the kernel side of each
 * (loop device, numbers, /dev/mapper link).
 */
final class Session {
    static final Path DEFAULT_MOUNT = Path.of("/run/mapperfs");

    final Path mount;
    final KernelDevices kernel;
    final PrintWriter out;
    final PrintWriter err;
    private final ControlClient control;
    private Map<String, Listed> listed;

    /** A device as the daemon's {@code ls} shows it. */
    record Listed(String name, boolean suspended, long sectors) {}

    Session(Path mount, Path devDir, PrintWriter out, PrintWriter err) {
        this.mount = mount;
        this.kernel = new KernelDevices(mount, devDir);
        this.out = out;
        this.err = err;
        this.control = new ControlClient(mount);
    }

    static Path mountFromEnvironment() {
        String env = System.getenv("MAPPERFS_MOUNT");
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath().normalize() : DEFAULT_MOUNT;
    }

    /** Starts the daemon at the mount if none serves it (default state folder). */
    void ensureDaemon() throws DmFailure {
        if (Files.exists(mount.resolve("control"))) {
            return;
        }
        StringWriter said = new StringWriter();
        int exit = Main.run(new PrintWriter(said), new PrintWriter(said), "mount", mount.toString());
        if (exit != 0 || !Files.exists(mount.resolve("control"))) {
            throw new DmFailure("mapperfs: could not start the daemon at " + mount + ": " + said.toString().strip());
        }
    }

    /** Sends one control command; a refusal becomes a failure naming {@code verb} and {@code name}. */
    String send(String verb, String name, String command) throws DmFailure {
        try {
            return control.send(command);
        } catch (CliException e) {
            throw DmFailure.ioctl(verb, name, e.getMessage());
        }
    }

    String sendWithTable(String verb, String name, String verbAndName, String table) throws DmFailure {
        try {
            return control.sendWithTable(verbAndName, table);
        } catch (CliException e) {
            throw DmFailure.ioctl(verb, name, e.getMessage());
        }
    }

    /** Every device, in the daemon's order (by name). */
    Map<String, Listed> devices() throws DmFailure {
        if (listed == null) {
            listed = new LinkedHashMap<>();
            String reply = send("ls", "", "ls");
            for (String line : reply.split("\n")) {
                String[] f = line.split("\t");
                if (f.length == 3 && f[2].endsWith(" sectors")) {
                    listed.put(f[0], new Listed(f[0], f[1].equals("SUSPENDED"),
                            Long.parseLong(f[2].substring(0, f[2].length() - " sectors".length()))));
                }
            }
        }
        return listed;
    }

    /** Forgets what {@link #devices()} read: after a change. */
    void changed() {
        listed = null;
    }

    List<String> names() throws DmFailure {
        return new ArrayList<>(devices().keySet());
    }

    /** The device {@code arg} names (a name, /dev/mapper/NAME, its loop device, major:minor). */
    Optional<String> find(String arg) throws DmFailure {
        return kernel.deviceNamed(arg, names());
    }

    /** As {@link #find}, failing as dmsetup does for a device that does not exist. */
    String device(String verb, String arg) throws DmFailure {
        return find(arg).orElseThrow(() -> DmFailure.ioctl(verb, arg, "No such device or address"));
    }

    /** The daemon's {@code info NAME} as its "Key: value" fields. */
    Map<String, String> info(String name) throws DmFailure {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : send("info", name, "info " + name).split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    /** major:minor of device NAME's loop device, or empty if it has none. */
    Optional<String> numbers(String name) {
        return kernel.loopOf(name).flatMap(KernelDevices::numbers);
    }
}
