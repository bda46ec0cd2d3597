package org.mapperfs.core;

import static org.mapperfs.core.MapperException.Reason.BUSY;
import static org.mapperfs.core.MapperException.Reason.EXISTS;
import static org.mapperfs.core.MapperException.Reason.INTERRUPTED;
import static org.mapperfs.core.MapperException.Reason.INVALID;
import static org.mapperfs.core.MapperException.Reason.IO;
import static org.mapperfs.core.MapperException.Reason.NO_SUCH_DEVICE;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import org.mapperfs.core.nbd.NbdDevice;
import org.mapperfs.core.nbd.RemoteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of mapped devices and the operations of dmsetup on them. It knows which device
 * uses which (its {@code DeviceGraph}): a device another one uses cannot be removed, and no table
 * may make a cycle.
 *
 * <p>Locking: registry changes and table builds hold {@code this}; suspend and resume hold only
 * the device's own {@code control} lock, so that draining one device's I/O (which may wait on a
 * suspended lower device) never stops commands on the others. All methods are thread-safe.
 *
 * <p>Table text is dmsetup's: one segment a line, {@code <start> <length> <type> <args...>} in
 * 512-byte sectors, from sector 0 without gaps; {@code #} starts a comment. A {@code <dev>}
 * argument is a device name or, failing that, a file in the {@code baseDir} the operation is
 * given; a path is a file, resolved against {@code baseDir}, unless it lies in the device
 * directory. Each table line is built by the factory its {@link TargetRegistry} has for the
 * type.
 *
 * <p>A {@code MapperException} means the operation was refused; its
 * {@link MapperException#reason()} says why. Closing the mapper closes every device.
 */
public final class Mapper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Mapper.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.+-]{1,127}");

    private final TargetRegistry registry;
    private final ConcurrentSkipListMap<String, MappedDevice> devices = new ConcurrentSkipListMap<>();
    private final TableBuilder tables;
    private final DeviceGraph graph = new DeviceGraph(devices);

    /**
     * A mapper with no devices.
     *
     * @param registry the target types tables may use; {@link TargetRegistry#standard()}, or that
     *     plus targets of an embedder's own (see {@link TargetRegistry#with})
     * @param holes punches holes in backing files for discards; {@link HolePuncher#NONE} writes
     *     zeros instead
     * @param vectors vectored I/O on backing files; {@link VectorIo#NONE} makes one call a piece
     * @param deviceDirectory where the devices appear as files (the mount point), so that a table
     *     may name a device by that path; such paths are recognised by text, never opened
     */
    public Mapper(TargetRegistry registry, HolePuncher holes, VectorIo vectors, Optional<Path> deviceDirectory) {
        this(registry, holes, vectors, deviceDirectory, RemoteOptions.DEFAULT);
    }

    /**
     * As {@link #Mapper(TargetRegistry, HolePuncher, VectorIo, Optional)}, with the time a request
     * to a remote export (an NBD URI in a table) may take, reconnections included, before it
     * fails with an I/O error.
     *
     * @param remoteTimeoutMillis that time, in milliseconds (at least 1)
     */
    public Mapper(TargetRegistry registry, HolePuncher holes, VectorIo vectors, Optional<Path> deviceDirectory,
            long remoteTimeoutMillis) {
        this(registry, holes, vectors, deviceDirectory, new RemoteOptions(remoteTimeoutMillis, 1));
    }

    /**
     * As {@link #Mapper(TargetRegistry, HolePuncher, VectorIo, Optional)}, with how remote exports
     * (NBD URIs in tables) are reached.
     *
     * @param remote the time a request may take and the connections per export
     */
    public Mapper(TargetRegistry registry, HolePuncher holes, VectorIo vectors, Optional<Path> deviceDirectory,
            RemoteOptions remote) {
        this.registry = registry;
        this.tables = new TableBuilder(registry, new BackingFiles(holes, vectors), new RemoteDevices(remote),
                deviceDirectory.map(p -> p.toAbsolutePath().normalize()), devices);
    }

    /**
     * A mapper with the standard targets, for embedding and tests: no hole punching, no
     * vectored I/O, no device directory. For targets of your own, use the constructor with
     * {@code TargetRegistry.standard().with(...)}.
     *
     * @return a new, empty mapper
     */
    public static Mapper standalone() {
        return new Mapper(TargetRegistry.standard(), HolePuncher.NONE, VectorIo.NONE, Optional.empty());
    }

    /**
     * The target types this mapper builds tables with.
     *
     * @return the registry given at construction
     */
    public TargetRegistry registry() {
        return registry;
    }

    /**
     * Checks a device name: letters, digits, {@code - _ . +}; not starting with a dot; not
     * {@code control}. Not starting with {@code -} either, and at most 127 characters.
     *
     * @param name the proposed name
     * @throws MapperException with {@link MapperException.Reason#INVALID} if the name is not
     *     allowed
     */
    public static void checkName(String name) throws MapperException {
        // A leading '-' would make the name an option on every command line that names it.
        if (!NAME.matcher(name).matches() || name.startsWith(".") || name.startsWith("-") || name.equals("control")) {
            throw new MapperException(INVALID, "invalid device name '" + name
                    + "': use letters, digits, '-', '_', '.', '+' (not first '.' or '-', not 'control', at most 127)");
        }
    }

    private static void checkUuid(String uuid) throws MapperException {
        if (uuid.length() > 128 || !uuid.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new MapperException(INVALID, "invalid UUID: use at most 128 printable characters, no spaces");
        }
    }

    /**
     * As dmsetup create: a device without UUID; see {@link #create(String, String, String, Path)}.
     *
     * @param name the device's name (see {@link #checkName})
     * @param tableText the table, in dmsetup's text form
     * @param baseDir the directory relative file paths and bare file names in the table are
     *     resolved against
     * @return the new device, live and resumed
     * @throws MapperException if the name is invalid or taken, or the table is refused (a
     *     {@link TableException})
     */
    public MappedDevice create(String name, String tableText, Path baseDir) throws MapperException {
        return create(name, "", tableText, baseDir);
    }

    /**
     * As dmsetup create with {@code -u UUID}: a UUID is unique among devices; "" for none. Builds
     * the table (each line by its target's factory, under this mapper's lock), resumes its
     * targets ({@link Target#resume()}) and only then registers the device, so no I/O can reach
     * it earlier. On failure nothing is left open.
     *
     * @param name the device's name (see {@link #checkName})
     * @param uuid the device's UUID, at most 128 printable characters without spaces; "" for none
     * @param tableText the table, in dmsetup's text form
     * @param baseDir the directory relative file paths and bare file names in the table are
     *     resolved against
     * @return the new device, live and resumed
     * @throws MapperException {@link MapperException.Reason#INVALID} for a bad name, UUID or table
     *     (a {@link TableException} for the table); {@link MapperException.Reason#EXISTS} if the
     *     name or UUID is taken
     */
    public MappedDevice create(String name, String uuid, String tableText, Path baseDir) throws MapperException {
        checkName(name);
        checkUuid(uuid);
        List<NbdDevice> connected = tables.connectRemotes(tableText);
        try {
            return createConnected(name, uuid, tableText, baseDir);
        } finally {
            tables.release(connected);
        }
    }

    private MappedDevice createConnected(String name, String uuid, String tableText, Path baseDir)
            throws MapperException {
        synchronized (this) {
            if (devices.containsKey(name)) {
                throw new MapperException(EXISTS, "device " + name + " already exists");
            }
            if (!uuid.isEmpty()) {
                for (MappedDevice other : devices.values()) {
                    if (other.uuid().equals(uuid)) {
                        throw new MapperException(EXISTS, "UUID " + uuid + " is already used by " + other.name());
                    }
                }
            }
            DeviceEvents events = new DeviceEvents();
            MappedDevice device = new MappedDevice(name, uuid, tables.build(name, tableText, baseDir, events));
            events.bind(device);
            device.liveTable().resume(); // before anyone can reach it
            devices.put(name, device);
            log.info("created {} ({} sectors)", name, device.liveTable().sectors());
            return device;
        }
    }

    /**
     * dmsetup load/reload: fills the inactive slot; the live table keeps serving. A table already
     * in the slot is closed. The new table's targets are built but not resumed until
     * {@link #resume} swaps it in.
     *
     * @param name the device's name
     * @param tableText the table, in dmsetup's text form
     * @param baseDir the directory relative file paths in the table are resolved against
     * @throws MapperException {@link MapperException.Reason#NO_SUCH_DEVICE} if there is no such
     *     device; a {@link TableException} if the table is refused
     */
    public void load(String name, String tableText, Path baseDir) throws MapperException {
        load(name, tableText, baseDir, (device, table) -> {});
    }

    /** A last word on a table about to be loaded; throwing refuses it with nothing changed. */
    @FunctionalInterface
    public interface LoadCheck {
        /**
         * Looks at a built table before it goes into the inactive slot. Runs under the mapper's
         * lock; the table is closed if this throws.
         *
         * @param device the device the table is for
         * @param table the table, built but not resumed
         * @throws MapperException to refuse the table
         */
        void check(MappedDevice device, Table table) throws MapperException;
    }

    /**
     * Like {@link #load(String, String, Path)}, refused if {@code check} throws.
     *
     * @param name the device's name
     * @param tableText the table, in dmsetup's text form
     * @param baseDir the directory relative file paths in the table are resolved against
     * @param check a last look at the built table
     * @throws MapperException as {@link #load(String, String, Path)}, or what {@code check} throws
     */
    public void load(String name, String tableText, Path baseDir, LoadCheck check) throws MapperException {
        List<NbdDevice> connected = tables.connectRemotes(tableText);
        try {
            loadConnected(name, tableText, baseDir, check);
        } finally {
            tables.release(connected);
        }
    }

    private void loadConnected(String name, String tableText, Path baseDir, LoadCheck check)
            throws MapperException {
        synchronized (this) {
            MappedDevice device = device(name);
            DeviceEvents events = new DeviceEvents();
            events.bind(device);
            Table table = tables.build(name, tableText, baseDir, events);
            try {
                check.check(device, table);
            } catch (MapperException | RuntimeException e) {
                table.close();
                throw e;
            }
            synchronized (device.control) {
                device.load(table);
            }
        }
    }

    /**
     * dmsetup clear: closes the inactive table, if one is loaded.
     *
     * @param name the device's name
     * @return true if a table was cleared; false if there was none
     * @throws MapperException {@link MapperException.Reason#NO_SUCH_DEVICE} if there is no such
     *     device
     */
    public boolean clear(String name) throws MapperException {
        MappedDevice device = device(name);
        synchronized (device.control) {
            checkNotRemoved(device);
            return device.clear();
        }
    }

    /**
     * dmsetup suspend: tells the live table's targets ({@link Target#presuspend()}), waits for
     * the I/O in flight, and holds new I/O at the device's gate until {@link #resume}. With
     * {@code flush}, then flushes the table (targets, then the devices under them). Suspending a
     * suspended device only flushes again, if asked.
     *
     * @param name the device's name
     * @param flush whether to flush after the I/O has drained ({@code --noflush} is false)
     * @throws MapperException {@link MapperException.Reason#NO_SUCH_DEVICE} if there is no such
     *     device; {@link MapperException.Reason#INTERRUPTED} if the caller gave up while I/O
     *     drained (see {@link Interrupts}), the device still active;
     *     {@link MapperException.Reason#IO} if the flush failed, the device then left as it was
     *     before
     */
    public void suspend(String name, boolean flush) throws MapperException {
        MappedDevice device = device(name);
        synchronized (device.control) {
            checkNotRemoved(device);
            boolean wasSuspended = device.isSuspended();
            try {
                if (!device.suspend(flush)) {
                    throw new MapperException(INTERRUPTED, "suspend " + name
                            + ": interrupted while waiting for its I/O in flight; it is still active");
                }
            } catch (IOException e) {
                if (!wasSuspended) {
                    device.cancelSuspend();
                }
                throw new MapperException(IO, "suspend " + name + ": flush failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Swaps in the inactive table if one is loaded (suspending first), then reopens I/O. A
     * swap closes the old table, resumes the new one's targets before any I/O reaches them, and
     * raises the device's event. Without an inactive table, resumes the live table's targets
     * again and reopens the gate.
     *
     * @param name the device's name
     * @throws MapperException {@link MapperException.Reason#NO_SUCH_DEVICE} if there is no such
     *     device; {@link MapperException.Reason#INTERRUPTED} or {@link MapperException.Reason#IO}
     *     if the suspend before a swap was given up or its flush failed, the old table still live
     */
    public void resume(String name) throws MapperException {
        MappedDevice device = device(name);
        synchronized (device.control) {
            checkNotRemoved(device);
            if (device.inactiveTable().isPresent() && !device.isSuspended()) {
                try {
                    if (!device.suspend(true)) {
                        throw new MapperException(INTERRUPTED, "resume " + name + ": interrupted while waiting for"
                                + " its I/O in flight; the old table is still live");
                    }
                } catch (IOException e) {
                    // Not resume(): that would swap in the inactive table after all.
                    device.cancelSuspend();
                    throw new MapperException(IO, "resume " + name + ": flush failed: " + e.getMessage(), e);
                }
            }
            device.resume();
        }
    }

    /**
     * Removes a device that no other device uses. Its I/O in flight drains first, as a suspend
     * (holding only the device's own lock, and given up if the caller gives up, see
     * {@link Interrupts}); only then is it taken out of the registry and closed.
     *
     * @param name the device's name
     * @param force remove it even if handles are open (their I/O then fails)
     * @throws MapperException {@link MapperException.Reason#NO_SUCH_DEVICE} if there is no such
     *     device; {@link MapperException.Reason#BUSY} if another device uses it, or a handle is
     *     open and {@code force} is not set; {@link MapperException.Reason#INTERRUPTED} if the
     *     caller gave up while its I/O drained
     */
    public void remove(String name, boolean force) throws MapperException {
        MappedDevice device;
        synchronized (this) {
            device = device(name);
            refuseRemoval(device, force);
        }
        boolean wasSuspended;
        synchronized (device.control) {
            checkNotRemoved(device);
            wasSuspended = device.isSuspended();
            try {
                if (!device.suspend(false)) {
                    throw new MapperException(INTERRUPTED, "remove " + name
                            + ": interrupted while waiting for its I/O in flight; it is still there");
                }
            } catch (IOException e) {
                throw new AssertionError("a suspend without flush does no I/O", e);
            }
        }
        try {
            synchronized (this) {
                refuseRemoval(device, force); // a user or an open may have come meanwhile
                if (!device.markRemoved(force)) {
                    throw openError(device);
                }
                devices.remove(device.name());
            }
        } catch (MapperException e) {
            synchronized (device.control) {
                if (!wasSuspended && !device.isRemoved()) {
                    device.cancelSuspend();
                }
            }
            throw e;
        }
        synchronized (device.control) {
            device.destroy();
        }
        log.info("removed {}", device.name());
    }

    private void refuseRemoval(MappedDevice device, boolean force) throws MapperException {
        List<String> users = users(device);
        if (!users.isEmpty()) {
            throw new MapperException(BUSY, "device " + device.name() + " is in use by " + String.join(", ", users));
        }
        if (device.openCount() > 0 && !force) {
            throw openError(device);
        }
    }

    private static MapperException openError(MappedDevice device) {
        return new MapperException(BUSY, "device " + device.name() + " is open (" + device.openCount()
                + " handle(s)); close it first or use --force");
    }

    /**
     * dmsetup rename. Tables that stack on the device keep it; their text shows the new name.
     *
     * @param name the device's current name
     * @param newName its new name (see {@link #checkName})
     * @throws MapperException {@link MapperException.Reason#INVALID} for a bad new name,
     *     {@link MapperException.Reason#NO_SUCH_DEVICE} if there is no such device,
     *     {@link MapperException.Reason#EXISTS} if the new name is taken
     */
    public void rename(String name, String newName) throws MapperException {
        checkName(newName);
        synchronized (this) {
            MappedDevice device = device(name);
            if (devices.containsKey(newName)) {
                throw new MapperException(EXISTS, "device " + newName + " already exists");
            }
            // The new name first: a lookup in between finds the device under one name or both.
            devices.put(newName, device);
            device.rename(newName);
            devices.remove(name);
        }
    }

    /**
     * dmsetup message: sends {@code args} to the target of the live segment at {@code sector}
     * (see {@link Target#message}), under the device's control lock.
     *
     * @param name the device's name
     * @param sector a sector of the device, in 512-byte sectors; picks the segment
     * @param args the message's words, at least one
     * @return the target's reply, often empty
     * @throws MapperException {@link MapperException.Reason#NO_SUCH_DEVICE} if there is no such
     *     device; {@link MapperException.Reason#INVALID} if the sector is outside the device or
     *     {@code args} is empty; or what the target throws
     */
    public String message(String name, long sector, List<String> args) throws MapperException {
        MappedDevice device = device(name);
        // Under the control lock: a resume must not close the table while its target handles this.
        synchronized (device.control) {
            checkNotRemoved(device);
            Table table = device.liveTable();
            if (sector < 0 || sector >= table.sectors()) {
                throw new MapperException(INVALID, "sector " + sector + " is outside " + name + " ("
                        + table.sectors() + " sectors)");
            }
            if (args.isEmpty()) {
                throw new MapperException(INVALID, "message: no message given");
            }
            return table.segmentAtSector(sector).target().message(args);
        }
    }

    /** A device looked up before its control lock was taken may have been removed meanwhile. */
    private static void checkNotRemoved(MappedDevice device) throws MapperException {
        if (device.isRemoved()) {
            throw new MapperException(NO_SUCH_DEVICE, "no device named '" + device.name() + "'");
        }
    }

    /**
     * The device of that name.
     *
     * @param name the device's name
     * @return the device
     * @throws MapperException {@link MapperException.Reason#NO_SUCH_DEVICE} if there is none
     */
    public MappedDevice device(String name) throws MapperException {
        MappedDevice device = devices.get(name);
        if (device == null) {
            throw new MapperException(NO_SUCH_DEVICE, "no device named '" + name + "'");
        }
        return device;
    }

    /**
     * The device of that name, if there is one.
     *
     * @param name the device's name
     * @return the device, or empty
     */
    public Optional<MappedDevice> find(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    /**
     * Every device, by name.
     *
     * @return the devices now, in name order; a copy
     */
    public List<MappedDevice> list() {
        return ImmutableList.copyOf(devices.values());
    }

    /**
     * The devices whose live or inactive table uses {@code device}, by name.
     *
     * @param device a device of this mapper
     * @return the names of the devices stacked directly on it; empty if none
     */
    public synchronized List<String> users(MappedDevice device) {
        return graph.users(device);
    }

    /**
     * Closes all devices, users before the devices they use; each backing file is flushed as it
     * closes. Suspended devices are let go first: I/O of a device above one of them may be
     * waiting at its gate, and closing the device above waits for that I/O.
     */
    @Override
    public synchronized void close() {
        for (MappedDevice device : devices.values()) {
            synchronized (device.control) {
                if (device.isSuspended()) {
                    device.cancelSuspend();
                }
            }
        }
        List<MappedDevice> remaining = new ArrayList<>(devices.values());
        while (!remaining.isEmpty()) {
            boolean progress = false;
            for (MappedDevice device : new ArrayList<>(remaining)) {
                if (users(device).isEmpty()) {
                    devices.remove(device.name());
                    synchronized (device.control) {
                        device.destroy();
                    }
                    remaining.remove(device);
                    progress = true;
                }
            }
            if (!progress) {
                throw new IllegalStateException("dependency cycle among " + remaining);
            }
        }
    }

    /**
     * For a forced shutdown: I/O waiting at a suspended device, and all I/O from now on, fails
     * with an error instead of waiting; I/O in flight ends as it would. Takes no lock, so that
     * a command stuck behind a suspended device cannot hold it up. The devices are closed by
     * {@link #close()} afterwards.
     */
    public void abandonIo() {
        for (MappedDevice device : devices.values()) {
            device.abandon();
        }
        log.info("I/O of every device fails from now on: the mount is going away");
    }

    int openBackingFiles() {
        return tables.openBackingFiles();
    }
}
