package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Sectors;

/**
 * {@code P} / {@code PO}: the exception table kept on the COW device in the layout of the Linux
 * kernel's persistent exception store (drivers/md/dm-snap-persistent.c), so that a COW file
 * written here can be read by dm-snapshot and the other way round. Everything is little-endian;
 * C is the chunk size in bytes; E = C / 16 exceptions fit in one metadata chunk.
 *
 * <pre>
 * chunk 0          chunk 1        chunks 2 .. E+1    chunk E+2      chunks E+3 .. 2E+2
 * +--------------+--------------+------------------+--------------+-------------------+---
 * | header       | metadata of  | data of area 0   | metadata of  | data of area 1    | ...
 * |              | area 0       | (E chunks)       | area 1       | (E chunks)        |
 * +--------------+--------------+------------------+--------------+-------------------+---
 *
 * header (rest of chunk 0 unused):      metadata chunk: E entries of 16 bytes
 *   0  le32 magic      0x70416e53 "SnAp"    0  le64 old_chunk   origin chunk
 *   4  le32 valid      1, or 0 = invalid    8  le64 new_chunk   COW chunk holding its data
 *   8  le32 version    1
 *  12  le32 chunk_size in sectors
 * </pre>
 *
 * Area {@code a}'s metadata is chunk {@code 1 + (E + 1) * a}; the first data chunk is 2. The list
 * ends at the first entry whose {@code new_chunk} is 0, or at a full area whose successor does not
 * fit on the device. A header with magic 0 is a new store (a zeroed COW device). Before the last
 * slot of an area is used, the next area's metadata chunk is zeroed, so that it reads as empty.
 *
 * <p>Durability: an exception's data chunk is written and flushed before its entry, so an entry
 * on the device never points at data that is not there. The entry of an origin's copy-out is
 * flushed before the origin's write goes on; that of a write to the snapshot itself by the next
 * flush from above (or the periodic commit), as any acknowledged write. A merge removes entries
 * newest first, each only after the origin durably holds its data.
 */
final class PersistentStore extends ExceptionStore {
    static final int MAGIC = 0x70416e53;
    static final int VERSION = 1;
    static final int ENTRY = 16;

    private final boolean overflowReporting;
    private final long perArea;

    private PersistentStore(BlockDevice cow, int chunkSectors, boolean overflowReporting) {
        super(cow, chunkSectors);
        this.overflowReporting = overflowReporting;
        this.perArea = chunkBytes / ENTRY;
    }

    /**
     * Opens the store on {@code cow}: reads the exceptions back, or writes a new header if the device
     * starts with zeros. A store marked invalid opens invalid.
     */
    static PersistentStore open(BlockDevice cow, int chunkSectors, boolean overflowReporting) throws IOException {
        PersistentStore store = new PersistentStore(cow, chunkSectors, overflowReporting);
        if (cow.size() < 3L * store.chunkBytes) {
            throw new IOException(cow.name() + " is too small for a persistent store: needs at least 3 chunks of "
                    + chunkSectors + " sectors");
        }
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        cow.read(header, 0);
        header.flip();
        int magic = header.getInt();
        int valid = header.getInt();
        int version = header.getInt();
        int chunk = header.getInt();
        if (magic == 0) {
            store.create();
            return store;
        }
        if (magic != MAGIC) {
            throw new IOException(cow.name() + " is not a snapshot COW device (magic 0x"
                    + Integer.toHexString(magic) + "); zero its first chunk to start a new store");
        }
        if (version != VERSION) {
            throw new IOException(cow.name() + ": unsupported COW store version " + version);
        }
        if (chunk != chunkSectors) {
            throw new IOException(cow.name() + " was made with chunk size " + chunk + ", not " + chunkSectors);
        }
        if (valid == 0) {
            store.loadedInvalid();
        } else {
            store.readExceptions();
        }
        return store;
    }

    private void create() throws IOException {
        cow.write(ByteBuffer.allocate(chunkBytes), metadataChunk(0) * chunkBytes);
        cow.flush();
        writeHeader(1);
        cow.flush();
    }

    private void writeHeader(int valid) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC).putInt(valid).putInt(VERSION).putInt(chunkSectors).flip();
        cow.write(header, 0);
    }

    private void readExceptions() throws IOException {
        ByteBuffer area = ByteBuffer.allocate(chunkBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long a = 0; (metadataChunk(a) + 1) * chunkBytes <= cow.size(); a++) {
            area.clear();
            cow.read(area, metadataChunk(a) * chunkBytes);
            area.flip();
            for (long slot = 0; slot < perArea; slot++) {
                long old = area.getLong();
                long chunk = area.getLong();
                if (chunk == 0) {
                    return;
                }
                remember(old, chunk);
            }
        }
    }

    long metadataChunk(long area) {
        return 1 + (perArea + 1) * area;
    }

    @Override
    long cowChunk(long index) {
        return 2 + index + index / perArea;
    }

    @Override
    void commit(int first, long[] olds, long[] chunks, int n) throws IOException {
        // Before the last slot of an area is used, the next area's metadata chunk must read empty.
        for (long area = first / perArea; area <= (first + n - 1) / perArea; area++) {
            long lastSlot = area * perArea + perArea - 1;
            long next = metadataChunk(area + 1);
            if (lastSlot >= first && lastSlot < first + n && (next + 1) * chunkBytes <= cow.size()) {
                cow.write(ByteBuffer.allocate(chunkBytes), next * chunkBytes);
            }
        }
        cow.flush();
        // One write per area touched: the entries of consecutive slots are contiguous.
        for (int i = 0; i < n; ) {
            long index = first + i;
            int inArea = (int) Math.min(n - i, perArea - index % perArea);
            ByteBuffer entries = ByteBuffer.allocate(inArea * ENTRY).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < inArea; j++) {
                entries.putLong(olds[i + j]).putLong(chunks[i + j]);
            }
            cow.write(entries.flip(), metadataChunk(index / perArea) * chunkBytes + (index % perArea) * ENTRY);
            i += inArea;
        }
        cow.flush();
    }

    @Override
    void uncommit(int from, int to) throws IOException {
        for (int index = to - 1; index >= from; index--) {
            cow.write(ByteBuffer.allocate(ENTRY), metadataChunk(index / perArea) * chunkBytes + (index % perArea) * ENTRY);
        }
        cow.flush();
    }

    @Override
    void writeInvalid() throws IOException {
        writeHeader(0);
        cow.flush();
    }

    @Override
    long[] usage() {
        int count = allocated();
        long nextFree = cowChunk(count);
        long areas = count / perArea + 1;
        return new long[] {nextFree * chunkSectors, Sectors.fromBytes(cow.size()), (areas + 1) * chunkSectors};
    }

    @Override
    boolean defersCommits() {
        return true;
    }

    @Override
    String mode() {
        return overflowReporting ? "PO" : "P";
    }
}
