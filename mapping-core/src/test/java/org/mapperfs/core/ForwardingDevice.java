package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A test {@link BlockDevice} that hands every call to another; subclasses override the calls
 * they watch or slow down. Pieces go one {@link #read}/{@link #write} each, through the
 * subclass's overrides.
 */
public abstract class ForwardingDevice implements BlockDevice {
    protected final BlockDevice device;

    protected ForwardingDevice(BlockDevice device) {
        this.device = device;
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public long size() {
        return device.size();
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        device.read(dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        device.write(src, offset);
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        device.discard(offset, length);
    }
}
