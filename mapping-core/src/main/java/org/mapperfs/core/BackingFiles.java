package org.mapperfs.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens each backing file once, however many segments and tables use it, and closes it when
 * the last user lets go. Guarded by {@code this}; only table builds and closes come here, never
 * the data path.
 */
final class BackingFiles {
    private static final Logger log = LoggerFactory.getLogger(BackingFiles.class);

    private final HolePuncher holes;
    private final VectorIo vectors;
    private final Map<Path, Entry> open = new HashMap<>();

    private static final class Entry {
        final FileDevice device;
        int users;

        Entry(FileDevice device) {
            this.device = device;
        }
    }

    BackingFiles(HolePuncher holes, VectorIo vectors) {
        this.holes = holes;
        this.vectors = vectors;
    }

    /** Opens {@code path} (or shares the open one); each call needs one {@link #release}. */
    synchronized FileDevice acquire(Path path) throws IOException {
        Path key = path.toRealPath();
        Entry entry = open.get(key);
        if (entry == null) {
            entry = new Entry(FileDevice.open(key, holes, vectors));
            open.put(key, entry);
        } else {
            entry.device.refreshSize(); // a file grown since: a new table may use the rest
        }
        entry.users++;
        return entry.device;
    }

    synchronized void release(FileDevice device) {
        Entry entry = open.get(device.path());
        if (entry == null || entry.device != device) {
            throw new IllegalStateException(device + " is not open here");
        }
        if (--entry.users == 0) {
            open.remove(device.path());
            // Acknowledged writes stay durable at the next flush of any device, even one whose
            // new table no longer uses this file (a reload after suspend --noflush).
            try {
                device.flush();
            } catch (IOException e) {
                log.warn("flushing {} before closing it: {}", device, e.toString());
            }
            try {
                device.close();
            } catch (IOException e) {
                log.warn("closing {}: {}", device, e.toString());
            }
        }
    }

    synchronized int openFiles() {
        return open.size();
    }
}
