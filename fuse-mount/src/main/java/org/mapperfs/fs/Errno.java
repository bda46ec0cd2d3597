package org.mapperfs.fs;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.mapperfs.core.MapperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The one translator from a Java failure to the errno a FUSE callback returns (negated). It logs
 * each failure once: user errors at DEBUG, I/O errors at WARN (at most one a second), anything
 * unexpected at ERROR with its stack trace.
 */
public final class Errno {
    private static final Logger log = LoggerFactory.getLogger(Errno.class);
    private static final AtomicLong lastIoWarning = new AtomicLong();

    private Errno() {}

    /** The positive errno for a mapper failure. */
    public static int of(MapperException e) {
        return switch (e.reason()) {
            case INVALID -> ErrorCodes.EINVAL();
            case NO_SUCH_DEVICE -> ErrorCodes.ENOENT();
            case EXISTS -> ErrorCodes.EEXIST();
            case BUSY -> ErrorCodes.EBUSY();
            case IO -> ErrorCodes.EIO();
            case INTERRUPTED -> ErrorCodes.EINTR();
        };
    }

    /** Maps {@code t} to a negative errno, logging it once. */
    public static int fail(String operation, String path, Throwable t) {
        if (t instanceof FsError e) {
            return -e.errno();
        }
        if (t instanceof MapperException e) {
            log.debug("{} {}: {}", operation, path, e.getMessage());
            return -of(e);
        }
        if (t instanceof IOException) {
            long now = System.nanoTime();
            long last = lastIoWarning.get();
            if (now - last > 1_000_000_000L && lastIoWarning.compareAndSet(last, now)) {
                log.warn("{} {}: {}", operation, path, t.toString());
            } else {
                log.trace("{} {}: {}", operation, path, t.toString());
            }
            return -ErrorCodes.EIO();
        }
        if (t instanceof IllegalArgumentException) {
            log.debug("{} {}: {}", operation, path, t.toString());
            return -ErrorCodes.EINVAL();
        }
        log.error("{} {} failed unexpectedly", operation, path, t);
        return -ErrorCodes.EIO();
    }
}
