package org.mapperfs.core.targets;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.BufferPieces;
import org.mapperfs.core.Fields;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;

/**
 * {@code striped <#stripes> <chunk_size> <dev> <offset> [<dev> <offset>]...}: RAID-0. The
 * segment is cut into chunks of {@code chunk_size} sectors dealt round-robin over the stripes.
 * As in the kernel, the chunk is at least a page (8 sectors) and the segment's length divides
 * evenly into stripes of whole chunks.
 *
 * <pre>
 *   segment:  | c0 | c1 | c2 | c3 | c4 | c5 |      3 stripes
 *   stripe 0: | c0 | c3 |   (dev0 from offset0)
 *   stripe 1: | c1 | c4 |   (dev1 from offset1)
 *   stripe 2: | c2 | c5 |   (dev2 from offset2)
 * </pre>
 *
 * Status: {@code <#stripes> <dev>... 1 <A|D per stripe>}; D after a stripe's I/O failed.
 */
public final class StripedTarget implements Target {
    static final String SYNTAX = "striped <#stripes> <chunk_size> <dev> <offset> [<dev> <offset>]...";
    static final int MIN_CHUNK_SECTORS = 8;

    private final int chunkSectors;
    private final long chunkBytes;
    private final ImmutableList<BlockDevice> devices;
    private final long[] offsetSectors;
    private final long[] bases;
    private final AtomicIntegerArray failed;
    /**
     * Each thread's pieces of a request, reused. One set per target, not per thread alone: a
     * stripe may be a mapped device with a striped table of its own, whose request runs on this
     * thread while this target's pieces are still being walked.
     */
    private final ThreadLocal<BufferPieces> pieces = ThreadLocal.withInitial(BufferPieces::new);

    /**
     * Writes may go stripe by stripe: the stripes are files, none sharing bytes with another.
     * Otherwise two stripes may hold the same bytes (a table may say so, or the devices under
     * two stripes map onto one file), and a request's writes go chunk by chunk in its order, so
     * that its last bytes are the ones that stay. Reads may go in any order.
     */
    private final boolean writesByStripe;

    private StripedTarget(int chunkSectors, ImmutableList<BlockDevice> devices, long[] offsetSectors, long width) {
        this.chunkSectors = chunkSectors;
        this.chunkBytes = Sectors.toBytes(chunkSectors);
        this.devices = devices;
        this.offsetSectors = offsetSectors;
        this.bases = new long[offsetSectors.length];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = Sectors.toBytes(offsetSectors[i]);
        }
        this.failed = new AtomicIntegerArray(devices.size());
        this.writesByStripe = disjointFiles(devices, bases, Sectors.toBytes(width));
    }

    private static boolean disjointFiles(List<BlockDevice> devices, long[] bases, long widthBytes) {
        for (int i = 0; i < bases.length; i++) {
            if (!(devices.get(i) instanceof FileDevice)) {
                return false;
            }
            for (int j = i + 1; j < bases.length; j++) {
                if (devices.get(i) == devices.get(j) && Math.abs(bases[i] - bases[j]) < widthBytes) {
                    return false;
                }
            }
        }
        return true;
    }

    public static Target create(TargetArgs args) throws TableException {
        int stripes = args.nextInt("#stripes", 1, 1 << 16);
        int chunk = args.nextInt("chunk_size", MIN_CHUNK_SECTORS, Integer.MAX_VALUE);
        if (args.remaining() != 2 * stripes) {
            throw args.error("expected " + stripes + " <dev> <offset> pairs, got "
                    + args.remaining() + " arguments (syntax: " + SYNTAX + ")");
        }
        if (args.lengthSectors() % stripes != 0) {
            throw args.error("length " + args.lengthSectors() + " is not divisible by the number of stripes "
                    + stripes);
        }
        long width = args.lengthSectors() / stripes;
        if (width % chunk != 0) {
            throw args.error("stripe width " + width + " is not divisible by chunk_size " + chunk);
        }
        ImmutableList.Builder<BlockDevice> devices = ImmutableList.builder();
        long[] offsets = new long[stripes];
        for (int i = 0; i < stripes; i++) {
            BlockDevice device = args.nextDevice("stripe " + i + " dev");
            offsets[i] = args.nextSectors("stripe " + i + " offset");
            args.requireRange(device, offsets[i], width);
            devices.add(device);
        }
        return new StripedTarget(chunk, devices.build(), offsets, width);
    }

    @Override
    public String type() {
        return "striped";
    }

    @Override
    public String params() {
        StringBuilder sb = new StringBuilder().append(devices.size()).append(' ').append(chunkSectors);
        for (int i = 0; i < devices.size(); i++) {
            sb.append(' ').append(devices.get(i).name()).append(' ').append(offsetSectors[i]);
        }
        return sb.toString();
    }

    @Override
    public String status() {
        StringBuilder sb = new StringBuilder().append(devices.size());
        for (BlockDevice device : devices) {
            sb.append(' ').append(device.name());
        }
        sb.append(" 1 ");
        for (int i = 0; i < devices.size(); i++) {
            sb.append(failed.get(i) == 0 ? 'A' : 'D');
        }
        return sb.toString();
    }

    @Override
    public Map<String, Object> statusFields() {
        List<Map<String, Object>> stripes = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            stripes.add(Fields.of("device", devices.get(i).name(), "health", failed.get(i) == 0 ? "A" : "D"));
        }
        return Fields.of("stripes", stripes);
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        transfer(dst, offset, false);
    }

    /**
     * A read inside one chunk is its stripe's range. A longer one, where every stripe is a file
     * whose descriptor the host shares, is handed over chunk by chunk as pieces ({@link
     * FileRangeSink#takePiece}) if the sink takes that many; false, having done nothing, where
     * not. A stripe whose file cannot be read is marked D, as by {@link #read}.
     */
    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        long last = offset + length; // exclusive
        long firstChunk = offset / chunkBytes;
        long lastChunk = (last - 1) / chunkBytes;
        int stripes = devices.size();
        if (firstChunk == lastChunk || stripes == 1) {
            int stripe = (int) (firstChunk % stripes);
            try {
                return devices.get(stripe).readRange(
                        deviceOffset(stripe, firstChunk, offset - firstChunk * chunkBytes), length, sink);
            } catch (FileRangeSink.SourceFailed e) {
                failed.set(stripe, 1);
                throw e;
            }
        }
        if (lastChunk - firstChunk + 1 > sink.maxPieces(length) || !stripesLendRanges()) {
            return false;
        }
        for (long chunk = firstChunk; chunk <= lastChunk; chunk++) {
            int stripe = (int) (chunk % stripes);
            long from = Math.max(offset, chunk * chunkBytes);
            int n = (int) (Math.min(last, (chunk + 1) * chunkBytes) - from);
            try {
                ((FileDevice) devices.get(stripe)).readPiece(deviceOffset(stripe, chunk, from - chunk * chunkBytes), n,
                        length, sink);
            } catch (FileRangeSink.SourceFailed e) {
                failed.set(stripe, 1);
                throw e;
            }
        }
        return true;
    }

    /** Whether every stripe is a file whose descriptor the host shares. */
    private boolean stripesLendRanges() {
        for (int i = 0; i < devices.size(); i++) {
            if (!FileDevice.lendsRanges(devices.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        transfer(src, offset, true);
    }

    /**
     * A request inside one chunk is one call to its stripe. A longer one is one call per stripe
     * it touches: that stripe's chunks lie apart in the request but side by side on the stripe,
     * so they go as {@link BufferPieces} (one preadv/pwritev on a file; a 1 MiB request over 64
     * KiB chunks is 2 calls instead of 16). No allocation: the pieces are reused.
     */
    private void transfer(ByteBuffer buffer, long offset, boolean write) throws IOException {
        int begin = buffer.position();
        int end = buffer.limit();
        long last = offset + (end - begin); // exclusive
        long firstChunk = offset / chunkBytes;
        long lastChunk = (last - 1) / chunkBytes;
        int stripes = devices.size();
        if (firstChunk == lastChunk || stripes == 1) {
            int stripe = (int) (firstChunk % stripes);
            move(stripe, buffer, null, deviceOffset(stripe, firstChunk, offset - firstChunk * chunkBytes), write);
            return;
        }
        if (write && !writesByStripe) {
            chunkByChunk(buffer, offset, true);
            return;
        }
        BufferPieces pieces = this.pieces.get();
        for (long chunk0 = firstChunk; chunk0 < firstChunk + stripes && chunk0 <= lastChunk; chunk0++) {
            int stripe = (int) (chunk0 % stripes);
            pieces.clear();
            for (long chunk = chunk0; chunk <= lastChunk; chunk += stripes) {
                long from = Math.max(offset, chunk * chunkBytes);
                long to = Math.min(last, (chunk + 1) * chunkBytes);
                pieces.add(begin + (int) (from - offset), (int) (to - from));
            }
            long within = Math.max(offset, chunk0 * chunkBytes) - chunk0 * chunkBytes;
            move(stripe, buffer, pieces, deviceOffset(stripe, chunk0, within), write);
        }
        buffer.position(end);
    }

    /** One call per chunk, in order: splits at chunk boundaries by moving the buffer's limit. */
    private void chunkByChunk(ByteBuffer buffer, long offset, boolean write) throws IOException {
        int end = buffer.limit();
        long position = offset;
        try {
            while (buffer.position() < end) {
                long chunk = position / chunkBytes;
                long within = position - chunk * chunkBytes;
                int n = (int) Math.min(end - buffer.position(), chunkBytes - within);
                int stripe = (int) (chunk % devices.size());
                buffer.limit(buffer.position() + n);
                move(stripe, buffer, null, deviceOffset(stripe, chunk, within), write);
                position += n;
            }
        } finally {
            buffer.limit(end);
        }
    }

    /** Where byte {@code within} of {@code chunk} lies on its stripe's device. */
    private long deviceOffset(int stripe, long chunk, long within) {
        return bases[stripe] + (chunk / devices.size()) * chunkBytes + within;
    }

    /** One call to a stripe's device: the whole buffer, or its pieces; a failure marks the stripe D. */
    private void move(int stripe, ByteBuffer buffer, BufferPieces pieces, long at, boolean write) throws IOException {
        BlockDevice device = devices.get(stripe);
        try {
            if (pieces == null) {
                if (write) {
                    device.write(buffer, at);
                } else {
                    device.read(buffer, at);
                }
            } else if (write) {
                device.writePieces(buffer, pieces, at);
            } else {
                device.readPieces(buffer, pieces, at);
            }
        } catch (IOException e) {
            failed.set(stripe, 1);
            throw e;
        }
    }

    @Override
    public void flush() {
        // Writes go straight to the lower devices, which the table flushes.
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        long position = offset;
        long end = offset + length;
        while (position < end) {
            long chunk = position / chunkBytes;
            long within = position - chunk * chunkBytes;
            long n = Math.min(end - position, chunkBytes - within);
            int stripe = (int) (chunk % devices.size());
            devices.get(stripe).discard(deviceOffset(stripe, chunk, within), n);
            position += n;
        }
    }

    @Override
    public List<BlockDevice> devices() {
        return devices;
    }
}
