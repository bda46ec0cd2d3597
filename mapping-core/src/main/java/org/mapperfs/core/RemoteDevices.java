package org.mapperfs.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mapperfs.core.nbd.NbdDevice;
import org.mapperfs.core.nbd.NbdUri;
import org.mapperfs.core.nbd.RemoteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens each remote export (an NBD URI) once, however many segments and tables use it, and
 * closes it when the last user lets go, as {@link BackingFiles} does for files. The map is
 * guarded by {@code this}, never held while a server is talked to: connecting, flushing and
 * closing happen outside it, so a slow or dead server holds up only the caller.
 */
final class RemoteDevices {
    private static final Logger log = LoggerFactory.getLogger(RemoteDevices.class);
    private final Map<String, Entry> open = new HashMap<>();
    private final RemoteOptions options;

    private static final class Entry {
        final NbdDevice device;
        int users;

        Entry(NbdDevice device) {
            this.device = device;
        }
    }

    RemoteDevices(RemoteOptions options) {
        this.options = options;
    }

    /** Connects to {@code uri} (or shares the open connection); each call needs one {@link #release}. */
    NbdDevice acquire(NbdUri uri) throws IOException {
        NbdDevice shared = share(uri);
        if (shared != null) {
            return shared;
        }
        NbdDevice fresh = NbdDevice.open(uri, options);
        synchronized (this) {
            Entry entry = open.get(uri.text());
            if (entry == null) {
                entry = new Entry(fresh);
                open.put(uri.text(), entry);
                entry.users++;
                return fresh;
            }
            entry.users++;
            shared = entry.device;
        }
        fresh.close(); // another caller connected meanwhile: share theirs
        return shared;
    }

    private synchronized NbdDevice share(NbdUri uri) {
        Entry entry = open.get(uri.text());
        if (entry == null) {
            return null;
        }
        entry.users++;
        return entry.device;
    }

    /**
     * Connects to every NBD URI among a table's words before the table is built under the
     * mapper's lock, so that the build finds them open and never waits on a server there.
     * The caller releases the returned devices once the build is done.
     */
    List<NbdDevice> acquireAll(String tableText) throws IOException, TableException {
        List<NbdDevice> acquired = new ArrayList<>();
        try {
            for (String word : tableText.split("\\s+")) {
                if (NbdUri.looksLike(word)) {
                    acquired.add(acquire(NbdUri.parse(word)));
                }
            }
        } catch (IOException | TableException | RuntimeException e) {
            acquired.forEach(this::release);
            throw e;
        }
        return acquired;
    }

    void release(NbdDevice device) {
        synchronized (this) {
            Entry entry = open.get(device.name());
            if (entry == null || entry.device != device) {
                throw new IllegalStateException(device + " is not open here");
            }
            if (--entry.users > 0) {
                return;
            }
            open.remove(device.name());
        }
        if (device.connected()) {
            try {
                device.flush();
            } catch (IOException e) {
                log.warn("{}: the last flush before closing failed: {}", device.name(), e.getMessage());
            }
        } else {
            log.warn("{}: closed while disconnected; writes it acknowledged before are as durable as the server"
                    + " made them", device.name());
        }
        device.close();
    }
}
