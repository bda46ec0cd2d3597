package org.mapperfs.core.targets.thin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.Fields;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.mapperfs.core.thin.ThinMetadata;

/**
 * {@code thin <pool dev> <dev id> [<external origin dev>]}, as dm-thin's: a device of the pool
 * whose blocks are given out as they are first written (zeroed first where a write covers only
 * part, unless the pool skips zeroing), read as zeros while unmapped (or from the external
 * origin), and shared with its snapshots until one of them writes: that write copies the block
 * first. A discard unmaps whole blocks and gives the ones no other device maps back to the pool
 * (and punches them out of the data device, with discard passdown). The pool keeps no size: the
 * table's length is the device's. Status: {@code <mapped sectors> <highest mapped sector|->}.
 */
public final class ThinTarget implements Target {
    static final String SYNTAX = "thin <pool dev> <dev id> [<external origin dev>]";
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();
    /** Per thread: a whole block for a partial write that provisions or copies one. */
    private static final ThreadLocal<ByteBuffer> WHOLE = new ThreadLocal<>();
    /** The most blocks a write provisions at once. */
    private static final int RUN = 64;

    private final BlockDevice poolDevice;
    private final long id;
    private final BlockDevice origin;
    private final Pool pool;
    private final long lengthBytes;

    private ThinTarget(TargetArgs args) throws TableException {
        if (args.remaining() < 2 || args.remaining() > 3) {
            throw args.error("expected 2 or 3 arguments (" + SYNTAX + "), got " + args.remaining());
        }
        this.poolDevice = args.nextDevice("pool dev");
        this.id = args.nextLong("dev id", 0, ThinMetadata.MAX_DEVICE_ID);
        this.origin = args.remaining() > 0 ? args.nextDevice("external origin dev") : null;
        args.expectEnd(SYNTAX);
        this.lengthBytes = args.lengthBytes();
        if (!(poolDevice instanceof MappedDevice m) || m.liveTable().segments().size() != 1
                || !(m.liveTable().segments().get(0).target() instanceof ThinPoolTarget p)) {
            throw args.error("'" + poolDevice.name() + "' is not a live thin-pool device");
        }
        this.pool = p.pool();
        try {
            pool.checkDevice(id);
        } catch (IOException e) {
            throw args.error(e.getMessage() + " (create it with the message 'create_thin " + id + "')");
        }
        Pools.retain(pool);
    }

    public static Target create(TargetArgs args) throws TableException {
        return new ThinTarget(args);
    }

    @Override
    public String type() {
        return "thin";
    }

    @Override
    public String params() {
        return poolDevice.name() + " " + id + (origin == null ? "" : " " + origin.name());
    }

    @Override
    public String status() {
        ThinMetadata.Details d = pool.details(id);
        if (d == null) {
            return "Fail";
        }
        long highest;
        try {
            highest = pool.highestMapped(id);
        } catch (IOException e) {
            return "Fail";
        }
        return d.mappedBlocks() * pool.blockSectors + " "
                + (highest < 0 ? "-" : Long.toString((highest + 1) * pool.blockSectors - 1));
    }

    @Override
    public Map<String, Object> statusFields() {
        ThinMetadata.Details d = pool.details(id);
        return Fields.of("mapped_sectors", d == null ? null : d.mappedBlocks() * pool.blockSectors);
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        long bs = pool.blockBytes;
        while (dst.hasRemaining()) {
            long block = offset / bs;
            int within = (int) (offset % bs);
            int n = (int) Math.min(dst.remaining(), bs - within);
            ByteBuffer piece = dst.duplicate().limit(dst.position() + n);
            pool.cells.lock(id, block);
            try {
                ThinMetadata.Mapping m = pool.lookup(id, block);
                if (m != null) {
                    pool.data().read(piece, m.dataBlock() * bs + within);
                } else {
                    unmapped(piece, offset);
                }
            } finally {
                pool.cells.unlock(id, block);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    /**
     * The range of the pool's data device, where every block of the read is mapped and their data
     * blocks follow one another there; where they lie apart, each run of blocks that follow one
     * another is a piece ({@link FileRangeSink#takePiece}), if the data device is a file whose
     * descriptor the host shares and the sink takes that many. False, having done nothing, where
     * a block is not mapped, or the pieces cannot be handed over. The blocks' cells are held, in
     * ascending order, until the sink has taken the read.
     */
    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        long bs = pool.blockBytes;
        long first = offset / bs;
        int count = (int) ((offset + length - 1) / bs - first + 1);
        pool.cells.lock(id, first, count);
        try {
            ThinMetadata.Mapping m = pool.lookup(id, first);
            if (m == null) {
                return false;
            }
            int runs = 1;
            long previous = m.dataBlock();
            for (int i = 1; i < count; i++) {
                ThinMetadata.Mapping next = pool.lookup(id, first + i);
                if (next == null) {
                    return false;
                }
                runs += next.dataBlock() == previous + 1 ? 0 : 1;
                previous = next.dataBlock();
            }
            if (runs == 1) {
                return pool.data().readRange(m.dataBlock() * bs + offset % bs, length, sink);
            }
            if (runs > sink.maxPieces(length) || !FileDevice.lendsRanges(pool.data())) {
                return false;
            }
            handOverRuns((FileDevice) pool.data(), offset, length, sink);
            return true;
        } finally {
            pool.cells.unlock(id, first, count);
        }
    }

    /** Hands each run of mapped blocks that follow one another on the data file over as a piece. */
    private void handOverRuns(FileDevice file, long offset, int length, FileRangeSink sink) throws IOException {
        long bs = pool.blockBytes;
        long end = offset + length;
        long runStart = offset; // where the current run starts on this device
        long runData = pool.lookup(id, offset / bs).dataBlock() * bs + offset % bs; // and on the data file
        for (long block = offset / bs + 1; block * bs < end; block++) {
            long data = pool.lookup(id, block).dataBlock() * bs;
            if (data != runData + (block * bs - runStart)) {
                file.readPiece(runData, (int) (block * bs - runStart), length, sink);
                runStart = block * bs;
                runData = data;
            }
        }
        file.readPiece(runData, (int) (end - runStart), length, sink);
    }

    /** An unmapped range reads from the external origin (zeros past its end), else zeros. */
    private void unmapped(ByteBuffer piece, long offset) throws IOException {
        if (origin != null && offset < origin.size()) {
            int fromOrigin = (int) Math.min(piece.remaining(), origin.size() - offset);
            origin.read(piece.duplicate().limit(piece.position() + fromOrigin), offset);
            piece.position(piece.position() + fromOrigin);
        }
        while (piece.hasRemaining()) {
            int n = Math.min(piece.remaining(), ZEROS.capacity());
            piece.put(piece.position(), ZEROS, 0, n);
            piece.position(piece.position() + n);
        }
    }

    /**
     * This thread's whole-block buffer, cleared: allocated once per thread for blocks up to 1 MiB
     * (the sizes in use); a larger block gets one of its own each time rather than pinning it.
     */
    private static ByteBuffer whole(long blockBytes) {
        if (blockBytes > 1 << 20) {
            return ByteBuffer.allocate((int) blockBytes);
        }
        ByteBuffer b = WHOLE.get();
        if (b == null || b.capacity() != blockBytes) {
            b = ByteBuffer.allocateDirect((int) blockBytes);
            WHOLE.set(b);
        }
        return b.clear();
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        long bs = pool.blockBytes;
        while (src.hasRemaining()) {
            long block = offset / bs;
            int within = (int) (offset % bs);
            if (within == 0 && src.remaining() >= 2 * bs) {
                long done = provisionRun(block, src);
                if (done > 0) {
                    src.position((int) (src.position() + done));
                    offset += done;
                    continue;
                }
            }
            int n = (int) Math.min(src.remaining(), bs - within);
            ByteBuffer piece = src.duplicate().limit(src.position() + n);
            pool.cells.lock(id, block);
            try {
                writeBlock(block, within, piece);
            } finally {
                pool.cells.unlock(id, block);
            }
            src.position(src.position() + n);
            offset += n;
        }
    }

    /**
     * Whole unmapped blocks from {@code block} on, as many as {@code src} covers (up to {@link
     * #RUN}): provisioned together, their data written in one write per run of adjacent data
     * blocks, and mapped under one lock. Returns the bytes written; 0 when fewer than two of the
     * first blocks are unmapped (the caller goes block by block).
     */
    private long provisionRun(long block, ByteBuffer src) throws IOException {
        long bs = pool.blockBytes;
        int want = (int) Math.min(RUN, src.remaining() / bs);
        pool.cells.lock(id, block, want);
        try {
            int count = 0;
            while (count < want && pool.lookup(id, block + count) == null) {
                count++;
            }
            if (count < 2) {
                return 0;
            }
            long[] data = new long[count];
            count = pool.allocateUpTo(data, count);
            if (count < 2) {
                for (int i = 0; i < count; i++) {
                    pool.releaseBlock(data[i]);
                }
                return 0;
            }
            try {
                for (int i = 0; i < count;) {
                    int j = i + 1;
                    while (j < count && data[j] == data[j - 1] + 1) {
                        j++;
                    }
                    int from = (int) (src.position() + i * bs);
                    pool.data().write(src.duplicate().limit((int) (from + (j - i) * bs)).position(from), data[i] * bs);
                    i = j;
                }
                pool.wrote();
                pool.mapRun(id, block, data, count);
            } catch (IOException | RuntimeException e) {
                for (int i = 0; i < count; i++) {
                    pool.releaseBlock(data[i]);
                }
                throw e;
            }
            return count * bs;
        } finally {
            pool.cells.unlock(id, block, want);
        }
    }

    /** Writes within one block, its cell held: in place, or into a new block (provisioning, breaking sharing). */
    private void writeBlock(long block, int within, ByteBuffer piece) throws IOException {
        long bs = pool.blockBytes;
        ThinMetadata.Mapping m = pool.lookup(id, block);
        if (m != null && !pool.shared(id, m)) {
            pool.data().write(piece, m.dataBlock() * bs + within);
            pool.wrote();
            return;
        }
        long d = pool.allocate();
        try {
            if (piece.remaining() == bs) {
                pool.data().write(piece, d * bs);
            } else if (m == null && origin == null && pool.options().skipZeroing()) {
                pool.data().write(piece, d * bs + within);
            } else {
                ByteBuffer whole = whole(bs);
                if (m != null) {
                    pool.data().read(whole, m.dataBlock() * bs); // the shared block's bytes, copied
                } else {
                    unmapped(whole, block * bs); // zeros, or the external origin's
                }
                whole.clear().position(within);
                whole.put(piece.duplicate());
                pool.data().write(whole.clear(), d * bs);
            }
            pool.wrote();
            pool.map(id, block, d);
        } catch (IOException | RuntimeException e) {
            pool.releaseBlock(d);
            throw e;
        }
    }

    @Override
    public void flush() throws IOException {
        pool.commit(); // the data device first, then the metadata
    }

    @Override
    public List<BlockDevice> flushedByTable() {
        return List.of(); // flush() flushes the data device and commits
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        PoolOptions o = pool.options();
        if (o != null && o.ignoreDiscard()) {
            return;
        }
        long bs = pool.blockBytes;
        long end = offset + length;
        for (long block = (offset + bs - 1) / bs; (block + 1) * bs <= end; block++) {
            pool.cells.lock(id, block);
            try {
                long freed = pool.unmap(id, block);
                if (freed >= 0) {
                    try {
                        if (o == null || o.discardPassdown()) {
                            pool.data().discard(freed * bs, bs);
                            pool.wrote();
                        }
                    } finally {
                        pool.releaseBlock(freed);
                    }
                }
            } finally {
                pool.cells.unlock(id, block);
            }
        }
    }

    @Override
    public List<BlockDevice> devices() {
        List<BlockDevice> all = new ArrayList<>(List.of(poolDevice));
        if (origin != null) {
            all.add(origin);
        }
        return all;
    }

    @Override
    public void close() {
        Pools.release(pool);
    }
}
