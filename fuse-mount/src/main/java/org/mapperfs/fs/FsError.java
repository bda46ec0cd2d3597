package org.mapperfs.fs;

/**
 * A refusal with a plain errno (ENOENT, EACCES, ...): an answer, not a failure, so it carries no
 * stack trace and {@link Errno} does not log it.
 */
public final class FsError extends RuntimeException {
    private final int errno;

    public FsError(int errno) {
        super(null, null, false, false);
        this.errno = errno;
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }
}
