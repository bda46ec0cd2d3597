package org.mapperfs.core.targets.thin;

import java.io.InterruptedIOException;
import java.util.HashSet;
import java.util.Set;
import org.mapperfs.core.Interrupts;

/**
 * One request at a time per virtual block of a thin device (dm-thin's bio prison cells): a block
 * is provisioned once, and sharing is broken once, however many requests race for it. Requests
 * for other blocks never wait.
 */
final class Cells {
    private record Key(long device, long block) {
    }

    private final Set<Key> held = new HashSet<>();

    synchronized void lock(long device, long block) throws InterruptedIOException {
        Key k = new Key(device, block);
        while (held.contains(k)) {
            Interrupts.await(this, "thin block " + block);
        }
        held.add(k);
    }

    synchronized void unlock(long device, long block) {
        held.remove(new Key(device, block));
        notifyAll();
    }

    /** Locks {@code count} blocks from {@code first} on, in ascending order (as every multi-block holder does). */
    void lock(long device, long first, int count) throws InterruptedIOException {
        for (int i = 0; i < count; i++) {
            try {
                lock(device, first + i);
            } catch (InterruptedIOException e) {
                unlock(device, first, i);
                throw e;
            }
        }
    }

    synchronized void unlock(long device, long first, int count) {
        for (int i = 0; i < count; i++) {
            held.remove(new Key(device, first + i));
        }
        notifyAll();
    }
}
