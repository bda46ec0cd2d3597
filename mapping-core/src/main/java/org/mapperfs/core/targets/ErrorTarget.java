package org.mapperfs.core.targets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Target;
import org.mapperfs.core.TableException;
import org.mapperfs.core.TargetArgs;

/**
 * {@code error}: every read, write and discard fails with an I/O error. A flush succeeds: the
 * segment holds no data that could be lost. Status: empty.
 */
public final class ErrorTarget implements Target {
    private static final ErrorTarget INSTANCE = new ErrorTarget();

    private ErrorTarget() {}

    public static Target create(TargetArgs args) throws TableException {
        args.expectEnd("error");
        return INSTANCE;
    }

    @Override
    public String type() {
        return "error";
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
    public void read(ByteBuffer dst, long offset) throws IOException {
        throw new IOException("error target: read at segment offset " + offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        throw new IOException("error target: write at segment offset " + offset);
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) throws IOException {
        throw new IOException("error target: discard at segment offset " + offset);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of();
    }
}
