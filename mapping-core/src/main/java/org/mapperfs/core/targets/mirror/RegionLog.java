package org.mapperfs.core.targets.mirror;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;
import org.mapperfs.core.BlockDevice;

/**
 * Which regions of a mirror hold the same bytes on every healthy leg (dm's dirty region log).
 * Held in memory; a {@code disk} log also keeps it on a log device so that a restart continues
 * resync where it stopped.
 *
 * <p>On-disk format (little endian), version 1:
 * <pre>
 *   sector 0 (header)                  sector 1 ...
 *   +--------+----+-----+------+-------+-----+-----+    +----------------------------------+
 *   | magic  |ver |flags|region|region | legs| crc |    | bitmap: bit r = region r in sync |
 *   |MPFSMLOG| u32| u32 |sectors count | u64 | u32 |    | (byte r/8, bit r%8), ceil(n/8) B |
 *   |  8 B   |    |     | u64  | u64   |     |     |    +----------------------------------+
 *   +--------+----+-----+------+-------+-----+-----+
 *    0        8    12    16     24      32    40
 * </pre>
 * {@code flags} bit 0 is "clean": the bitmap was written when the mirror stopped with no I/O in
 * flight and no failed leg. {@code legs} is a fingerprint of the legs (names and offsets); {@code
 * crc} is CRC32 of header bytes 0..40 followed by the bitmap. A log is trusted only if magic,
 * version, region size, region count, fingerprint and checksum match and it is clean; otherwise
 * (a fresh device, other legs, a crash while live) every region starts out of sync.
 *
 * <p>Thread-safety: the bitmap and count are guarded by {@code this}.
 */
final class RegionLog {
    static final byte[] MAGIC_BYTES = {'M', 'P', 'F', 'S', 'M', 'L', 'O', 'G'};
    static final int VERSION = 1;
    static final int HEADER_BYTES = 512;
    private static final int CLEAN = 1;
    private static final int HEADER_FIELDS = 40;

    private final long regions;
    private final long regionSectors;
    private final long fingerprint;
    private final Optional<BlockDevice> device;
    private final long[] bits;
    private long inSync;
    private volatile boolean failed;

    RegionLog(long regions, long regionSectors, boolean allInSync, Optional<BlockDevice> device, long fingerprint) {
        this.regions = regions;
        this.regionSectors = regionSectors;
        this.device = device;
        this.fingerprint = fingerprint;
        this.bits = new long[Math.toIntExact((regions + 63) / 64)];
        if (allInSync) {
            for (long r = 0; r < regions; r++) {
                bits[(int) (r >>> 6)] |= 1L << r;
            }
            inSync = regions;
        }
    }

    /** Bytes a log device needs for {@code regions} regions: the header sector plus the bitmap. */
    static long bytesNeeded(long regions) {
        return HEADER_BYTES + bitmapBytes(regions);
    }

    private static long bitmapBytes(long regions) {
        return (regions + 7) / 8;
    }

    long regions() {
        return regions;
    }

    Optional<BlockDevice> device() {
        return device;
    }

    boolean failed() {
        return failed;
    }

    synchronized boolean inSync(long region) {
        return (bits[(int) (region >>> 6)] & 1L << region) != 0;
    }

    synchronized boolean allInSync(long first, long last) {
        for (long r = first; r <= last; r++) {
            if ((bits[(int) (r >>> 6)] & 1L << r) == 0) {
                return false;
            }
        }
        return true;
    }

    synchronized void markInSync(long region) {
        int w = (int) (region >>> 6);
        if ((bits[w] & 1L << region) == 0) {
            bits[w] |= 1L << region;
            inSync++;
        }
    }

    /** Marks regions {@code first..last} out of sync: a leg that is not healthy missed a write there. */
    synchronized void markOutOfSync(long first, long last) {
        for (long r = first; r <= last; r++) {
            int w = (int) (r >>> 6);
            if ((bits[w] & 1L << r) != 0) {
                bits[w] &= ~(1L << r);
                inSync--;
            }
        }
    }

    synchronized long inSyncCount() {
        return inSync;
    }

    /** The first region at or after {@code from} that is out of sync, or -1. */
    synchronized long nextOutOfSync(long from) {
        for (long r = from; r < regions; r++) {
            int w = (int) (r >>> 6);
            if (bits[w] == -1L && (r & 63) == 0) {
                r += 63;
                continue;
            }
            if ((bits[w] & 1L << r) == 0) {
                return r;
            }
        }
        return -1;
    }

    /**
     * Adopts the regions a clean log on the device marks in sync; a log that is not trusted (see
     * the class comment) changes nothing. Returns whether it was adopted.
     */
    boolean load() throws IOException {
        if (device.isEmpty()) {
            return false;
        }
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(bytesNeeded(regions))).order(ByteOrder.LITTLE_ENDIAN);
        device.get().read(all, 0);
        all.flip();
        byte[] magic = new byte[8];
        all.get(magic);
        if (!Arrays.equals(magic, MAGIC_BYTES) || all.getInt(8) != VERSION
                || (all.getInt(12) & CLEAN) == 0 || all.getLong(16) != regionSectors
                || all.getLong(24) != regions || all.getLong(32) != fingerprint
                || all.getInt(HEADER_FIELDS) != crc(all.array())) {
            return false;
        }
        synchronized (this) {
            for (long r = 0; r < regions; r++) {
                if ((all.get(HEADER_BYTES + (int) (r >>> 3)) & 1 << (r & 7)) != 0) {
                    markInSync(r);
                }
            }
        }
        return true;
    }

    /** Records that the mirror is live: until the next clean write, the bitmap is not trusted. */
    void markDirty() {
        writeHeaderOnly(false);
    }

    /** Writes the bitmap as clean (or dirty if {@code clean} is false) and makes it durable. */
    void persist(boolean clean) {
        if (device.isEmpty()) {
            return;
        }
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(bytesNeeded(regions))).order(ByteOrder.LITTLE_ENDIAN);
        synchronized (this) {
            for (long r = 0; r < regions; r++) {
                if ((bits[(int) (r >>> 6)] & 1L << r) != 0) {
                    int at = HEADER_BYTES + (int) (r >>> 3);
                    all.put(at, (byte) (all.get(at) | 1 << (r & 7)));
                }
            }
        }
        fillHeader(all, clean);
        all.putInt(HEADER_FIELDS, crc(all.array()));
        write(all);
    }

    private void writeHeaderOnly(boolean clean) {
        if (device.isEmpty()) {
            return;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        fillHeader(header, clean);
        // No bitmap checksum: a dirty log is never trusted.
        write(header);
    }

    private void fillHeader(ByteBuffer b, boolean clean) {
        b.put(0, MAGIC_BYTES).putInt(8, VERSION).putInt(12, clean ? CLEAN : 0).putLong(16, regionSectors)
                .putLong(24, regions).putLong(32, fingerprint);
    }

    private void write(ByteBuffer b) {
        try {
            b.clear();
            device.get().write(b, 0);
            device.get().flush();
        } catch (IOException e) {
            failed = true;
        }
    }

    /** CRC32 of the header fields and the bitmap of a whole log image. */
    private int crc(byte[] image) {
        CRC32 crc = new CRC32();
        crc.update(image, 0, HEADER_FIELDS);
        crc.update(image, HEADER_BYTES, Math.toIntExact(bitmapBytes(regions)));
        return (int) crc.getValue();
    }
}
