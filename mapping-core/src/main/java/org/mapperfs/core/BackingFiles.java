package org.mapperfs.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens each backing file once, however many segments and tables use it, and closes it when
 * the last user lets go. A file is known by what its path names when a table is built (its
 * device and inode): a file deleted and made anew at the same path is a new file, which the new
 * table opens, while tables built before still use the one they opened. Guarded by
 * {@code this}; only table builds and closes come here, never the data path.
 */
final class BackingFiles {
    private static final Logger log = LoggerFactory.getLogger(BackingFiles.class);

    private final HolePuncher holes;
    private final VectorIo vectors;
    /** By the file's identity ({@link BasicFileAttributes#fileKey()}, or its real path where there is none). */
    private final Map<Object, Entry> open = new HashMap<>();
    private final Map<FileDevice, Entry> byDevice = new IdentityHashMap<>();

    private static final class Entry {
        final FileDevice device;
        final Object key;
        int users;

        Entry(FileDevice device, Object key) {
            this.device = device;
            this.key = key;
        }
    }

    BackingFiles(HolePuncher holes, VectorIo vectors) {
        this.holes = holes;
        this.vectors = vectors;
    }

    /** Opens {@code path} (or shares the open one); each call needs one {@link #release}. */
    synchronized FileDevice acquire(Path path) throws IOException {
        Path real = path.toRealPath();
        Object key = Files.readAttributes(real, BasicFileAttributes.class).fileKey();
        if (key == null) {
            key = real;
        }
        Entry entry = open.get(key);
        if (entry == null) {
            entry = new Entry(FileDevice.open(real, holes, vectors), key);
            open.put(key, entry);
            byDevice.put(entry.device, entry);
        } else {
            entry.device.refreshSize(); // a file grown since: a new table may use the rest
        }
        entry.users++;
        return entry.device;
    }

    synchronized void release(FileDevice device) {
        Entry entry = byDevice.get(device);
        if (entry == null) {
            throw new IllegalStateException(device + " is not open here");
        }
        if (--entry.users == 0) {
            open.remove(entry.key);
            byDevice.remove(device);
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
