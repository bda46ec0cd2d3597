package org.mapperfs.jmh;

import java.nio.ByteBuffer;
import org.mapperfs.core.BlockDevice;

/** A device that moves no bytes: what is left of a request's cost is the engine's own. */
final class NullDevice implements BlockDevice {
    private final String name;
    private final long size;

    NullDevice(String name, long size) {
        this.name = name;
        this.size = size;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(ByteBuffer dst, long offset) {
        dst.position(dst.limit());
    }

    @Override
    public void write(ByteBuffer src, long offset) {
        src.position(src.limit());
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) {}
}
