package org.mapperfs.core.targets.snapshot;

import java.util.concurrent.locks.StampedLock;

/**
 * Origin chunk to COW chunk, for a snapshot's exceptions: an open-addressing table of longs
 * (linear probing, keys and values side by side in one array), so that a lookup boxes nothing.
 * Lookups read without a lock and check that no change ran meanwhile (an optimistic read), and
 * take the read lock only if one did; changes take the write lock.
 */
final class ChunkMap {
    private static final long EMPTY = -1;

    private final StampedLock lock = new StampedLock();
    /** Key at {@code 2i}, value at {@code 2i + 1}; a power of two of pairs, at most half full. */
    private long[] table = emptyTable(64);
    private int size;

    private static long[] emptyTable(int pairs) {
        long[] t = new long[pairs * 2];
        for (int i = 0; i < t.length; i += 2) {
            t[i] = EMPTY;
        }
        return t;
    }

    private static int home(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The COW chunk of origin chunk {@code key} (not negative), or -1. */
    long get(long key) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            long value = find(table, key);
            if (lock.validate(stamp)) {
                return value;
            }
        }
        stamp = lock.readLock();
        try {
            return find(table, key);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Bounded by the table's size, so that a read torn by a change ends (and is then retried). */
    private static long find(long[] t, long key) {
        int mask = t.length / 2 - 1;
        int i = home(key, mask);
        for (int probes = 0; probes <= mask; probes++) {
            long k = t[2 * i];
            if (k == key) {
                return t[2 * i + 1];
            }
            if (k == EMPTY) {
                return -1;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** Maps {@code key} (not negative) to {@code value}, replacing what it had. */
    void put(long key, long value) {
        if (key < 0) {
            throw new IllegalArgumentException("chunk " + key);
        }
        long stamp = lock.writeLock();
        try {
            if ((size + 1) * 2 > table.length / 2) {
                long[] old = table;
                table = emptyTable(old.length);
                size = 0;
                for (int i = 0; i < old.length; i += 2) {
                    if (old[i] != EMPTY) {
                        insert(old[i], old[i + 1]);
                    }
                }
            }
            insert(key, value);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void insert(long key, long value) {
        long[] t = table;
        int mask = t.length / 2 - 1;
        int i = home(key, mask);
        while (t[2 * i] != EMPTY && t[2 * i] != key) {
            i = (i + 1) & mask;
        }
        if (t[2 * i] == EMPTY) {
            size++;
        }
        t[2 * i + 1] = value;
        t[2 * i] = key;
    }

    /** Unmaps {@code key}, if it is mapped. */
    void remove(long key) {
        long stamp = lock.writeLock();
        try {
            long[] t = table;
            int mask = t.length / 2 - 1;
            int i = home(key, mask);
            while (t[2 * i] != key) {
                if (t[2 * i] == EMPTY) {
                    return;
                }
                i = (i + 1) & mask;
            }
            size--;
            // Backward shift: later keys of the probe run move up into the gap, so that none is cut off.
            int gap = i;
            for (int j = (i + 1) & mask; t[2 * j] != EMPTY; j = (j + 1) & mask) {
                int h = home(t[2 * j], mask);
                boolean movable = gap <= j ? h <= gap || h > j : h <= gap && h > j;
                if (movable) {
                    t[2 * gap] = t[2 * j];
                    t[2 * gap + 1] = t[2 * j + 1];
                    gap = j;
                }
            }
            t[2 * gap] = EMPTY;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The mapped chunks. */
    int size() {
        long stamp = lock.readLock();
        try {
            return size;
        } finally {
            lock.unlockRead(stamp);
        }
    }
}
