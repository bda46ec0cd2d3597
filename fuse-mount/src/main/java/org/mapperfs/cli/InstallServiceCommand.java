package org.mapperfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Installs the systemd unit (src/systemd/mapperfs.service, filled in for this checkout and the
 * mount) and mount(8)'s helper (a link /sbin/mount.fuse.mapperfs to src/bin/mount.fuse.mapperfs),
 * so that systemd starts the daemon, or an /etc/fstab line mounts it.
 */
@Command(name = "install-service", description = {
    "Install the systemd unit mapperfs.service (Type=notify: ready once the mount is live) for the mount "
        + "(-m, default /run/mapperfs), and mount.fuse.mapperfs, the helper of 'mount -t fuse.mapperfs' and of "
        + "/etc/fstab lines such as: mapperfs /run/mapperfs fuse.mapperfs state=/var/lib/mapperfs/x,nofail 0 0",
    "Then: systemctl enable --now mapperfs"})
final class InstallServiceCommand implements Callable<Integer>, ContextAware {
    static final Path UNIT_DIR = Path.of("/etc/systemd/system");
    static final Path HELPER_DIR = Path.of("/sbin");

    private final Context context;

    @Spec
    CommandSpec spec;

    @Option(names = "--unit-dir", paramLabel = "DIR", description = "Where the unit goes (default: /etc/systemd/system).")
    Path unitDir = UNIT_DIR;

    @Option(names = "--helper-dir", paramLabel = "DIR",
            description = "Where the mount helper's link goes (default: /sbin, where mount(8) looks).")
    Path helperDir = HELPER_DIR;

    @Option(names = "--state", paramLabel = "DIR",
            description = "The daemon's state folder (default: the one 'mapperfs mount' takes for the mount).")
    Path state;

    @Option(names = "--uninstall", description = "Remove the unit and the helper's link.")
    boolean uninstall;

    InstallServiceCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws CliException {
        Path root = InstallDmsetupCommand.checkout();
        Path unit = unitDir.resolve("mapperfs.service");
        Path helper = helperDir.resolve("mount.fuse.mapperfs");
        List<String> done = new ArrayList<>();
        try {
            if (uninstall) {
                if (Files.deleteIfExists(unit)) {
                    done.add("removed " + unit);
                }
                if (Files.isSymbolicLink(helper) && Files.readSymbolicLink(helper).startsWith(root)) {
                    Files.delete(helper);
                    done.add("removed " + helper);
                }
            } else {
                Path template = root.resolve("src/systemd/mapperfs.service");
                Path script = root.resolve("src/bin/mount.fuse.mapperfs");
                if (!Files.isRegularFile(template) || !Files.isExecutable(script)) {
                    throw new CliException("no " + template + " or " + script + ": install from a checkout");
                }
                Path mount = context.mountPoint();
                Path stateDir = state != null ? state.toAbsolutePath().normalize() : MountCommand.defaultState(mount);
                Files.createDirectories(unitDir);
                Files.writeString(unit, Files.readString(template).replace("@ROOT@", root.toString())
                        .replace("@MOUNT@", mount.toString()).replace("@STATE@", stateDir.toString()));
                done.add("unit " + unit + " (mount " + mount + ", state " + stateDir + ")");
                Files.createDirectories(helperDir);
                if (Files.exists(helper, LinkOption.NOFOLLOW_LINKS)) {
                    if (!Files.isSymbolicLink(helper) || !Files.readSymbolicLink(helper).equals(script)) {
                        throw new CliException(helper + " exists and is not this checkout's helper; remove it first");
                    }
                } else {
                    Files.createSymbolicLink(helper, script);
                }
                done.add("mount helper " + helper + " -> " + script);
            }
        } catch (IOException e) {
            throw new CliException(e.getMessage(), e);
        }
        if (unitDir.equals(UNIT_DIR) && Files.isDirectory(Path.of("/run/systemd/system"))) {
            done.add(reload());
        }
        for (String line : done) {
            spec.commandLine().getOut().println(line);
        }
        if (!uninstall) {
            spec.commandLine().getOut().println("start it: systemctl enable --now mapperfs");
        }
        return Main.OK;
    }

    private static String reload() {
        try {
            Process p = new ProcessBuilder("systemctl", "daemon-reload").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? "systemctl daemon-reload: done"
                    : "systemctl daemon-reload failed: " + out;
        } catch (IOException e) {
            return "systemctl daemon-reload failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "systemctl daemon-reload interrupted";
        }
    }
}
