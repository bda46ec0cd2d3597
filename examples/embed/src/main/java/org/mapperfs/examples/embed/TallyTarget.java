package org.mapperfs.examples.embed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Fields;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;

/**
 * A target of the program's own: {@code tally <dev> <offset>} maps like {@code linear} and
 * counts the bytes read and written through it. Its status is {@code <bytes read> <bytes written>}.
 */
public final class TallyTarget implements Target {
    private static final String SYNTAX = "tally <dev> <offset>";

    private final BlockDevice device;
    private final long offsetSectors;
    private final LongAdder read = new LongAdder();
    private final LongAdder written = new LongAdder();

    private TallyTarget(BlockDevice device, long offsetSectors) {
        this.device = device;
        this.offsetSectors = offsetSectors;
    }

    /** The factory the registry calls for each {@code tally} line of a table. */
    public static Target create(TargetArgs args) throws TableException {
        args.expectRemaining(2, SYNTAX);
        BlockDevice device = args.nextDevice("dev");
        long offset = args.nextSectors("offset");
        args.requireRange(device, offset, args.lengthSectors());
        return new TallyTarget(device, offset);
    }

    @Override
    public String type() {
        return "tally";
    }

    @Override
    public String params() {
        return device.name() + " " + offsetSectors;
    }

    @Override
    public String status() {
        return read.sum() + " " + written.sum();
    }

    @Override
    public Map<String, Object> statusFields() {
        return Fields.of("bytes_read", read.sum(), "bytes_written", written.sum());
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        int n = dst.remaining();
        device.read(dst, Sectors.toBytes(offsetSectors) + offset);
        read.add(n);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        int n = src.remaining();
        device.write(src, Sectors.toBytes(offsetSectors) + offset);
        written.add(n);
    }

    @Override
    public void flush() {
        // Writes go straight to the device, which the table flushes.
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        device.discard(Sectors.toBytes(offsetSectors) + offset, length);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device);
    }
}
