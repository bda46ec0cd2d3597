package org.mapperfs.fs;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.mapperfs.core.BackingFileException;
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
    /** When each backing-file failure (device, file, reason) was last logged, in nanoseconds. */
    private static final Map<String, Long> logged = new ConcurrentHashMap<>();

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

    /** The errno of a backing file's failure, from the system's words for it; EIO for any other. */
    static int errnoOf(String reason) {
        return switch (reason) {
            case "No space left on device" -> ErrorCodes.ENOSPC();
            case "Disk quota exceeded" -> ErrorCodes.EDQUOT();
            case "Read-only file system" -> ErrorCodes.EROFS();
            default -> ErrorCodes.EIO();
        };
    }

    private static BackingFileException backingCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BackingFileException b) {
                return b;
            }
        }
        return null;
    }

    /** Whether {@code key} was not logged in the last minute; if so it counts as logged now. */
    static boolean firstInAMinute(String key, long now) {
        if (logged.size() > 1024) {
            logged.clear();
        }
        Long last = logged.get(key);
        if (last != null && now - last < 60_000_000_000L) {
            return false;
        }
        return last == null ? logged.putIfAbsent(key, now) == null : logged.replace(key, last, now);
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
        if (t instanceof IOException e) {
            long now = System.nanoTime();
            BackingFileException backing = backingCause(e);
            int errno = backing != null ? errnoOf(backing.reason()) : ErrorCodes.EIO();
            if (backing != null) {
                // Once per device, file and reason a minute: a full disk fails every request.
                if (firstInAMinute(path + "\0" + backing.file() + "\0" + backing.reason(), now)) {
                    log.warn("{} {}: backing file {}: {} failed: {} (errno {}); the same again is not logged for"
                            + " a minute", operation, path, backing.file(), backing.operation(), backing.reason(),
                            errno);
                } else {
                    log.trace("{} {}: {}", operation, path, e.getMessage());
                }
                return -errno;
            }
            long last = lastIoWarning.get();
            if (now - last > 1_000_000_000L && lastIoWarning.compareAndSet(last, now)) {
                log.warn("{} {}: {}", operation, path, t.toString());
            } else {
                log.trace("{} {}: {}", operation, path, t.toString());
            }
            return -errno;
        }
        if (t instanceof IllegalArgumentException) {
            log.debug("{} {}: {}", operation, path, t.toString());
            return -ErrorCodes.EINVAL();
        }
        log.error("{} {} failed unexpectedly", operation, path, t);
        return -ErrorCodes.EIO();
    }
}
