package org.mapperfs.core;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.mapperfs.core.nbd.NbdDevice;
import org.mapperfs.core.nbd.NbdUri;

/**
 * Opens each remote export (an NBD URI) once, however many segments and tables use it, and
 * closes it when the last user lets go, as {@link BackingFiles} does for files. Guarded by
 * {@code this}; only table builds and closes come here.
 */
final class RemoteDevices {
    private final Map<String, Entry> open = new HashMap<>();
    private final long timeoutMillis;

    private static final class Entry {
        final NbdDevice device;
        int users;

        Entry(NbdDevice device) {
            this.device = device;
        }
    }

    RemoteDevices(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** Connects to {@code uri} (or shares the open connection); each call needs one {@link #release}. */
    synchronized NbdDevice acquire(NbdUri uri) throws IOException {
        Entry entry = open.get(uri.text());
        if (entry == null) {
            entry = new Entry(NbdDevice.open(uri, timeoutMillis));
            open.put(uri.text(), entry);
        }
        entry.users++;
        return entry.device;
    }

    synchronized void release(NbdDevice device) {
        Entry entry = open.get(device.name());
        if (entry == null || entry.device != device) {
            throw new IllegalStateException(device + " is not open here");
        }
        if (--entry.users == 0) {
            open.remove(device.name());
            try {
                device.flush();
            } catch (IOException e) {
                // closing anyway; the flush's failure was the device's to report
            }
            device.close();
        }
    }
}
