package org.mapperfs.core;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A test target ({@code probe <tag>}) that holds no data and has no devices: reads and writes
 * are taken whole and go nowhere. Tests subclass it to watch or hold the calls they care about.
 */
public class ProbeTarget implements Target {
    protected final String tag;

    public ProbeTarget(String tag) {
        this.tag = tag;
    }

    @Override
    public String type() {
        return "probe";
    }

    @Override
    public String params() {
        return tag;
    }

    @Override
    public String status() {
        return "";
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

    @Override
    public List<BlockDevice> devices() {
        return List.of();
    }
}
