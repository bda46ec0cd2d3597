package org.mapperfs.core.targets;

import java.nio.ByteBuffer;
import java.util.List;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Target;
import org.mapperfs.core.TableException;
import org.mapperfs.core.TargetArgs;

/** {@code zero}: reads return zeros, writes are dropped. Status: empty. */
public final class ZeroTarget implements Target {
    private static final ZeroTarget INSTANCE = new ZeroTarget();
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private ZeroTarget() {}

    public static Target create(TargetArgs args) throws TableException {
        args.expectEnd("zero");
        return INSTANCE;
    }

    @Override
    public String type() {
        return "zero";
    }

    @Override
    public String params() {
        return "";
    }

    @Override
    public String status() {
        return "";
    }

    @Override
    public void read(ByteBuffer dst, long offset) {
        while (dst.hasRemaining()) {
            int n = Math.min(dst.remaining(), ZEROS.capacity());
            dst.put(dst.position(), ZEROS, 0, n);
            dst.position(dst.position() + n);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) {
        src.position(src.limit());
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) {}

    @Override
    public List<BlockDevice> devices() {
        return List.of();
    }
}
