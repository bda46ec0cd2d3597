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
 * segment holds no data that could be lost. Status: empty. Arguments are accepted and ignored,
 * as the kernel's error target does (scripts swap {@code linear DEV 0} for {@code error DEV 0}):
 * no device they name is opened, and the table shows none.
 */
public final class ErrorTarget implements Target {
    private static final ErrorTarget INSTANCE = new ErrorTarget();

    private ErrorTarget() {}

    public static Target create(TargetArgs args) throws TableException {
        while (args.remaining() > 0) {
            args.next("ignored argument");
        }
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
