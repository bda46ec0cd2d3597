package org.mapperfs.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mapperfs.core.nbd.NbdDevice;
import org.mapperfs.core.nbd.NbdUri;

/**
 * Builds a table's text into a {@link Table} for {@link Mapper}, resolving each {@code <dev>}
 * argument: an NBD URI is a remote export, connected or shared ({@link RemoteDevices}); a device
 * name, or a path in the device directory, is a mapped device of the mapper's; anything else is
 * a backing file, opened or shared ({@link BackingFiles}). It refuses a table that names its own
 * device or would make a cycle (asking {@link DeviceGraph}). The files and exports a table holds
 * are let go when it closes.
 *
 * <p>Separate from the mapper's registry and verbs. They call {@link #connectRemotes} before
 * taking the mapper's lock (a slow server holds up only that command) and {@link #build} with it
 * held; {@code devices} is the mapper's own map, read here, never changed.
 */
final class TableBuilder {
    private final TargetRegistry registry;
    private final BackingFiles files;
    private final RemoteDevices remotes;
    private final Optional<Path> deviceDirectory;
    private final Map<String, MappedDevice> devices;

    TableBuilder(TargetRegistry registry, BackingFiles files, RemoteDevices remotes, Optional<Path> deviceDirectory,
            Map<String, MappedDevice> devices) {
        this.registry = registry;
        this.files = files;
        this.remotes = remotes;
        this.deviceDirectory = deviceDirectory;
        this.devices = devices;
    }

    /**
     * The table {@code text} for the device {@code self}, its {@code <dev>} arguments resolved
     * against {@code baseDir}; what it holds is let go when it closes, or at once if it fails.
     */
    Table build(String self, String text, Path baseDir, DeviceEvents events) throws TableException {
        List<FileDevice> leases = new ArrayList<>();
        List<NbdDevice> remoteLeases = new ArrayList<>();
        Runnable release = () -> {
            leases.forEach(files::release);
            remoteLeases.forEach(remotes::release);
        };
        return Table.build(text, registry, arg -> NbdUri.looksLike(arg)
                ? openRemote(arg, remoteLeases) : resolve(self, arg, baseDir, leases), release, events);
    }

    /**
     * Connects to the NBD exports a table names before its build takes the mapper's lock, so that
     * a slow or unreachable server holds up only this command; the build then shares these
     * connections. The caller hands the returned devices to {@link #release} after the build.
     */
    List<NbdDevice> connectRemotes(String tableText) throws TableException {
        try {
            return remotes.acquireAll(tableText);
        } catch (IOException e) {
            throw new TableException(e.getMessage());
        }
    }

    /** An NBD export named by its URI, connected (or shared) for the table being built. */
    private BlockDevice openRemote(String arg, List<NbdDevice> leases) throws TableException {
        NbdUri uri = NbdUri.parse(arg);
        try {
            NbdDevice device = remotes.acquire(uri);
            leases.add(device);
            return device;
        } catch (IOException e) {
            throw new TableException(e.getMessage());
        }
    }

    private BlockDevice resolve(String self, String arg, Path baseDir, List<FileDevice> leases)
            throws TableException {
        Optional<String> deviceName = deviceName(arg, baseDir);
        if (deviceName.isPresent()) {
            String name = deviceName.get();
            if (name.equals(self)) {
                throw new TableException("'" + arg + "' is the device itself");
            }
            MappedDevice lower = devices.get(name);
            if (lower == null && !arg.contains("/") && Files.exists(baseDir.resolve(arg))) {
                return openFile(baseDir.resolve(arg).normalize(), leases);
            }
            if (lower == null) {
                throw new TableException("'" + arg + "': no such device or file");
            }
            if (DeviceGraph.reaches(lower, self)) {
                throw new TableException("'" + arg + "' uses " + self + ": the table would make a cycle");
            }
            return lower;
        }
        return openFile(baseDir.resolve(arg).normalize(), leases);
    }

    private FileDevice openFile(Path path, List<FileDevice> leases) throws TableException {
        try {
            FileDevice file = files.acquire(path);
            leases.add(file);
            return file;
        } catch (NoSuchFileException e) {
            throw new TableException(path + " does not exist");
        } catch (IOException e) {
            throw new TableException(path + ": " + e.getMessage());
        }
    }

    /**
     * A bare name, or a path in the device directory, names a device (a bare name that is no
     * device but a file in {@code baseDir} is that file); anything else is a file.
     * Paths inside the device directory are told apart by their text alone: the mount must never
     * be touched from inside it.
     */
    private Optional<String> deviceName(String arg, Path baseDir) throws TableException {
        if (!arg.contains("/")) {
            return Optional.of(arg);
        }
        if (deviceDirectory.isPresent()) {
            Path path = baseDir.resolve(arg).normalize();
            if (path.startsWith(deviceDirectory.get()) && !path.equals(deviceDirectory.get())) {
                if (!deviceDirectory.get().equals(path.getParent())) {
                    throw new TableException("'" + arg + "' is inside the mapperfs mount but is not a device");
                }
                return Optional.of(path.getFileName().toString());
            }
        }
        return Optional.empty();
    }

    /** Lets go of what {@link #connectRemotes} connected. */
    void release(List<NbdDevice> connected) {
        connected.forEach(remotes::release);
    }

    int openBackingFiles() {
        return files.openFiles();
    }
}
