package org.mapperfs.control;

import static org.mapperfs.core.MapperException.Reason.IO;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shutdown [--force]}, what the unmount asks of the daemon before it goes: refused while a
 * device is open unless forced; flushes the backing files and saves the tables; counts itself,
 * so that every {@code wait} ends (a waiter holds the control file open, and the unmount would
 * wait for it); forced, makes all I/O from now on fail instead of waiting at a suspended device.
 */
final class ShutdownCommand {
    private static final Logger log = LoggerFactory.getLogger(ShutdownCommand.class);

    /** Saves the tables of every device, as after any command that changes them. */
    interface TableSaver {
        void save() throws MapperException;
    }

    private final Mapper mapper;
    private final TableSaver tables;
    /**
     * Shutdowns so far: a wait that sees it change ends with an error instead of holding the
     * unmount. Not a flag: if the unmount then fails, the daemon goes on and later waits work.
     */
    private final AtomicLong shutdowns = new AtomicLong();

    ShutdownCommand(Mapper mapper, TableSaver tables) {
        this.mapper = mapper;
        this.tables = tables;
    }

    /** The shutdowns so far; a wait ends once this changes. */
    long count() {
        return shutdowns.get();
    }

    String run(CommandArgs args) throws MapperException {
        boolean force = args.flag("--force");
        args.end();
        List<String> open = new ArrayList<>();
        for (MappedDevice d : mapper.list()) {
            if (d.openCount() > 0) {
                open.add(d.name() + " (" + d.openCount() + ")");
            }
        }
        if (!open.isEmpty() && !force) {
            throw new MapperException(MapperException.Reason.BUSY,
                    "devices still open: " + String.join(", ", open) + "; close them or use --force");
        }
        // The backing files, not the devices: a device's flush passes its gate, which a suspended
        // device (or one above it) keeps closed, and the reply would never come.
        for (BlockDevice file : backingFiles()) {
            try {
                file.flush();
            } catch (IOException e) {
                if (!force) {
                    throw new MapperException(IO, "flushing " + file.name() + ": " + e.getMessage()
                            + " (unmount --force goes on without it)", e);
                }
                // A dead backing store (a remote export gone) must not keep a forced unmount.
                log.warn("shutdown --force: flushing {} failed, going on: {}", file.name(), e.getMessage());
            }
        }
        tables.save();
        shutdowns.incrementAndGet();
        if (force) {
            // The unmount that follows is lazy: I/O waiting at a suspended device would keep the
            // mount, the daemon and the loop device's writer alive for good. It fails instead.
            mapper.abandonIo();
        }
        return "pid " + ProcessHandle.current().pid() + "\n";
    }

    /** The devices under every live table that are no mapped devices, each once. */
    private Set<BlockDevice> backingFiles() {
        Set<BlockDevice> files = new LinkedHashSet<>();
        for (MappedDevice d : mapper.list()) {
            for (BlockDevice lower : d.liveTable().devices()) {
                if (!(lower instanceof MappedDevice)) {
                    files.add(lower);
                }
            }
        }
        return files;
    }
}
