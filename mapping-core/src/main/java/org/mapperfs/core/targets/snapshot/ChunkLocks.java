package org.mapperfs.core.targets.snapshot;

import java.util.BitSet;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Striped read/write locks over an origin's bytes, in grains of {@link #GRAIN} bytes. A snapshot
 * chunk is a power of two of at least one grain, so it covers whole grains; two operations on the
 * same chunk always share at least one stripe. Callers lock every stripe of a byte range at once,
 * in ascending stripe order, so that two lockers never wait on each other in a cycle.
 *
 * <p>Writers are whatever may change which bytes a snapshot sees for a chunk (an origin write
 * with its copy-out, a snapshot write that allocates, a merge step); readers are snapshot reads
 * that may fall through to the origin, which must not read an origin chunk between its copy-out
 * and its overwrite.
 */
final class ChunkLocks {
    /** The smallest chunk: 8 sectors. */
    static final int GRAIN = 4096;
    private static final int STRIPES = 1024;

    private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];

    ChunkLocks() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantReadWriteLock();
        }
    }

    /** The locks held on a range; {@link #close} releases them. */
    final class Held implements AutoCloseable {
        private final Lock[] locks;
        private int count;

        private Held(int size) {
            this.locks = new Lock[size];
        }

        @Override
        public void close() {
            for (int i = count - 1; i >= 0; i--) {
                locks[i].unlock();
            }
            count = 0;
        }
    }

    /** Locks the stripes of {@code [from, to)} (bytes) for writing. */
    Held write(long from, long to) {
        return write(new long[] {from}, new long[] {to}, 1);
    }

    /** Locks the stripes of every range {@code [from[i], to[i])}, {@code i < n}, for writing, all at once. */
    Held write(long[] from, long[] to, int n) {
        return lock(from, to, n, true);
    }

    /** Locks the stripes of {@code [from, to)} (bytes) for reading. */
    Held read(long from, long to) {
        return lock(new long[] {from}, new long[] {to}, 1, false);
    }

    private Held lock(long[] from, long[] to, int ranges, boolean write) {
        BitSet wanted = new BitSet(STRIPES);
        for (int r = 0; r < ranges; r++) {
            long first = from[r] / GRAIN;
            long last = (to[r] - 1) / GRAIN;
            if (last - first + 1 >= STRIPES) {
                wanted.set(0, STRIPES);
                break;
            }
            for (long g = first; g <= last; g++) {
                wanted.set((int) (g % STRIPES));
            }
        }
        Held held = new Held(wanted.cardinality());
        for (int i = wanted.nextSetBit(0); i >= 0; i = wanted.nextSetBit(i + 1)) {
            Lock lock = write ? stripes[i].writeLock() : stripes[i].readLock();
            lock.lock();
            held.locks[held.count++] = lock;
        }
        return held;
    }
}
