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

    /** The locks held on several ranges; {@link #close} releases them. */
    static final class Held implements AutoCloseable {
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

    /**
     * Locks the stripes of {@code [from, to)} (bytes) for writing; returns what {@link #release}
     * takes. One range is held as a number, not an object, so that the request path allocates
     * nothing.
     */
    long write(long from, long to) {
        return span(from, to, true);
    }

    /** Locks the stripes of {@code [from, to)} (bytes) for reading; returns what {@link #release} takes. */
    long read(long from, long to) {
        return span(from, to, false);
    }

    /** {@link #read} of the whole chunks of {@code chunk} bytes that {@code [offset, end)} touches. */
    long readChunks(long offset, long end, long chunk) {
        return read(offset - offset % chunk, roundUp(end, chunk));
    }

    /** {@link #write} of the whole chunks of {@code chunk} bytes that {@code [offset, end)} touches. */
    long writeChunks(long offset, long end, long chunk) {
        return write(offset - offset % chunk, roundUp(end, chunk));
    }

    /** {@code offset} rounded up to a multiple of {@code chunk}. */
    static long roundUp(long offset, long chunk) {
        return offset % chunk == 0 ? offset : offset - offset % chunk + chunk;
    }

    /**
     * Locks the stripes {@code [low, high]} of a range, or where it wraps around the stripes,
     * {@code [0, high]} and {@code [low, STRIPES)}: ascending either way. Returns them as {@code
     * low | high << 16 | write << 32}.
     */
    private long span(long from, long to, boolean write) {
        long first = from / GRAIN;
        long last = (to - 1) / GRAIN;
        boolean all = last - first + 1 >= STRIPES;
        int low = all ? 0 : (int) (first % STRIPES);
        int high = all ? STRIPES - 1 : (int) (last % STRIPES);
        if (low <= high) {
            lockStripes(low, high, write);
        } else {
            lockStripes(0, high, write);
            lockStripes(low, STRIPES - 1, write);
        }
        return low | (long) high << 16 | (write ? 1L << 32 : 0);
    }

    /** Releases what {@link #read} or {@link #write} locked. */
    void release(long span) {
        int low = (int) (span & 0xffff);
        int high = (int) (span >>> 16 & 0xffff);
        boolean write = (span >>> 32) != 0;
        if (low <= high) {
            unlockStripes(low, high, write);
        } else {
            unlockStripes(low, STRIPES - 1, write);
            unlockStripes(0, high, write);
        }
    }

    private void lockStripes(int from, int to, boolean write) {
        for (int i = from; i <= to; i++) {
            (write ? stripes[i].writeLock() : stripes[i].readLock()).lock();
        }
    }

    private void unlockStripes(int from, int to, boolean write) {
        for (int i = to; i >= from; i--) {
            (write ? stripes[i].writeLock() : stripes[i].readLock()).unlock();
        }
    }

    /** Locks the stripes of every range {@code [from[i], to[i])}, {@code i < n}, for writing, all at once. */
    Held write(long[] from, long[] to, int ranges) {
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
            Lock lock = stripes[i].writeLock();
            lock.lock();
            held.locks[held.count++] = lock;
        }
        return held;
    }
}
