package org.mapperfs.core.targets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.Target;
import org.mapperfs.core.TableException;
import org.mapperfs.core.TargetArgs;

/**
 * {@code linear <dev> <offset>}: the segment maps onto {@code dev} starting at sector
 * {@code offset}. Status: empty.
 */
public final class LinearTarget implements Target {
    static final String SYNTAX = "linear <dev> <offset>";

    private final BlockDevice device;
    private final long offsetSectors;
    private final long base;

    LinearTarget(BlockDevice device, long offsetSectors) {
        this.device = device;
        this.offsetSectors = offsetSectors;
        this.base = Sectors.toBytes(offsetSectors);
    }

    public static Target create(TargetArgs args) throws TableException {
        args.expectRemaining(2, SYNTAX);
        BlockDevice device = args.nextDevice("dev");
        long offset = args.nextSectors("offset");
        args.requireRange(device, offset, args.lengthSectors());
        return new LinearTarget(device, offset);
    }

    @Override
    public String type() {
        return "linear";
    }

    @Override
    public String params() {
        return device.name() + " " + offsetSectors;
    }

    @Override
    public String status() {
        return "";
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        device.read(dst, base + offset);
    }

    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        return device.readRange(base + offset, length, sink);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        device.write(src, base + offset);
    }

    @Override
    public void flush() {
        // Writes go straight to the lower devices, which the table flushes.
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        device.discard(base + offset, length);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device);
    }
}
