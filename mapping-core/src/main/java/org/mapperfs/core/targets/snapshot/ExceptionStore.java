package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Sectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot's exception table: which origin chunks have their own copy in the COW device, and
 * where. Exceptions are added in allocation order and, for a merge, removed from the newest
 * back; {@link TransientStore} keeps them in memory only, {@link PersistentStore} in the kernel's
 * on-disk layout.
 *
 * <p>Guarded by {@code this}: adding, removing and invalidating are serialized, so exceptions
 * reach the device in the order of their slots. Lookups read a concurrent map without a lock;
 * an exception is published there only once its data is written (and, if persistent, its data and
 * entry are durable).
 */
abstract sealed class ExceptionStore permits TransientStore, PersistentStore {
    private static final Logger log = LoggerFactory.getLogger(ExceptionStore.class);

    /** The COW device has no room for one more chunk. */
    static final class FullException extends IOException {
        FullException(String message) {
            super(message);
        }
    }

    final BlockDevice cow;
    final int chunkSectors;
    final int chunkBytes;
    private final ConcurrentHashMap<Long, Long> map = new ConcurrentHashMap<>();
    /** Origin chunk and COW chunk of each exception, by slot (allocation order); guarded by {@code this}. */
    private long[] olds = new long[64];
    private long[] news = new long[64];
    private int count;
    private volatile boolean valid = true;
    private volatile boolean overflowed;

    ExceptionStore(BlockDevice cow, int chunkSectors) {
        this.cow = cow;
        this.chunkSectors = chunkSectors;
        this.chunkBytes = Math.toIntExact(Sectors.toBytes(chunkSectors));
    }

    /** The COW chunk that slot {@code index} uses. */
    abstract long cowChunk(long index);

    /**
     * Makes slots {@code first .. first + n - 1} durable, whose data chunks are written: slot
     * {@code first + i} maps origin chunk {@code olds[i]} to COW chunk {@code chunks[i]}.
     */
    abstract void commit(int first, long[] olds, long[] chunks, int n) throws IOException;

    /** Forgets slots {@code [from, to)} on the device; called newest first, after the origin holds their data. */
    abstract void uncommit(int from, int to) throws IOException;

    /** Marks the store invalid on the device, where it has one. */
    abstract void writeInvalid() throws IOException;

    /** {@code <sectors_allocated> <total_sectors> <metadata_sectors>} as dm counts them. */
    abstract long[] usage();

    abstract String mode();

    /** The COW chunk holding origin chunk {@code old}, or -1. */
    final long lookup(long old) {
        Long chunk = map.get(old);
        return chunk == null ? -1 : chunk;
    }

    final boolean isValid() {
        return valid;
    }

    /** True if the store became invalid because it filled up (dm's "Overflow"). */
    final boolean overflowed() {
        return overflowed;
    }

    final synchronized int count() {
        return count;
    }

    /**
     * Copies {@code data[i]} (one whole chunk each) into new COW chunks for origin chunks
     * {@code olds[i]}, {@code i < n}, makes them durable together and publishes them; chunks that
     * already have an exception are skipped. Fails with {@link FullException} when the COW has no
     * room for all of them (those that fit are still added).
     */
    final synchronized void add(long[] olds, ByteBuffer[] data, int n) throws IOException {
        if (!valid) {
            throw new IOException(cow.name() + ": snapshot is invalid");
        }
        long[] batchOlds = new long[n];
        long[] batchChunks = new long[n];
        int first = count;
        int added = 0;
        boolean full = false;
        for (int i = 0; i < n; i++) {
            if (lookup(olds[i]) >= 0 || contains(batchOlds, added, olds[i])) {
                continue;
            }
            long chunk = cowChunk(first + added);
            if ((chunk + 1) * chunkBytes > cow.size()) {
                full = true;
                break;
            }
            cow.write(data[i], chunk * chunkBytes);
            batchOlds[added] = olds[i];
            batchChunks[added] = chunk;
            added++;
        }
        if (added > 0) {
            commit(first, batchOlds, batchChunks, added);
            for (int i = 0; i < added; i++) {
                remember(batchOlds[i], batchChunks[i]);
            }
        }
        if (full) {
            throw new FullException(cow.name() + ": COW device is full (" + count + " exceptions)");
        }
    }

    private static boolean contains(long[] values, int n, long value) {
        for (int i = 0; i < n; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }

    /** Records an exception read back from the device. */
    final synchronized void remember(long old, long chunk) {
        if (count == olds.length) {
            olds = Arrays.copyOf(olds, count * 2);
            news = Arrays.copyOf(news, count * 2);
        }
        olds[count] = old;
        news[count] = chunk;
        count++;
        map.put(old, chunk);
    }

    /**
     * Up to {@code max} exceptions, newest first, each as {@code {old, cowChunk}}; empty when
     * none is left.
     */
    final synchronized long[][] newest(int max) {
        int n = Math.min(max, count);
        long[][] out = new long[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new long[] {olds[count - 1 - i], news[count - 1 - i]};
        }
        return out;
    }

    /** Drops the {@code n} newest exceptions, whose data the origin now durably holds. */
    final synchronized void removeNewest(int n) throws IOException {
        uncommit(count - n, count);
        for (int i = 0; i < n; i++) {
            count--;
            map.remove(olds[count]);
        }
    }

    /** Makes the snapshot unusable for good; the origin stops copying out to it. */
    final synchronized void invalidate(boolean full) {
        if (!valid) {
            return;
        }
        valid = false;
        overflowed = full;
        try {
            writeInvalid();
        } catch (IOException e) {
            // The snapshot is already unusable in memory; the next open may still find it valid
            // on disk, which is what dm also risks when the COW device itself fails.
            log.warn("{}: could not mark the store invalid: {}",
                    cow.name(), e.toString());
        }
    }

    /** Marks the store invalid in memory only (read back invalid from the device). */
    final void loadedInvalid() {
        valid = false;
    }

    /**
     * Reads {@code dst} at {@code offset} through the exception table: chunks with an exception
     * come from the COW device, the others from {@code origin}. The caller holds the chunks' locks.
     */
    final void readThrough(ByteBuffer dst, long offset, long chunk, BlockDevice cow, BlockDevice origin)
            throws IOException {
        long end = offset + dst.remaining();
        int limit = dst.limit();
        try {
            for (long pos = offset; pos < end; ) {
                long c = pos / chunk;
                int n = (int) Math.min(end - pos, (c + 1) * chunk - pos);
                dst.limit(dst.position() + n);
                long mapped = lookup(c);
                if (mapped >= 0) {
                    cow.read(dst, mapped * chunk + pos % chunk);
                } else {
                    origin.read(dst, pos);
                }
                pos += n;
            }
        } finally {
            dst.limit(limit);
        }
    }
}
