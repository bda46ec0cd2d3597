package org.mapperfs.core;

/**
 * A user-facing failure of a mapper operation: a bad table, a missing device, a device in use.
 * The message is one line and names what was wrong; {@link #reason()} tells the FUSE and CLI
 * layers which errno or exit code to use. Nothing has changed when this is thrown.
 */
public class MapperException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Why the operation was refused; each maps to one errno. {@code INTERRUPTED}: its caller gave
     * up while it waited (see {@link Interrupts}).
     */
    public enum Reason {
        /** A bad argument, name, table or message (EINVAL). */
        INVALID,
        /** No device of that name (ENOENT). */
        NO_SUCH_DEVICE,
        /** The name or UUID is taken (EEXIST). */
        EXISTS,
        /** The device is in use by another device or open (EBUSY). */
        BUSY,
        /** An I/O error, such as a failed flush at suspend (EIO). */
        IO,
        /** The caller gave up while the operation waited (EINTR). */
        INTERRUPTED
    }

    /** Why the operation was refused. */
    private final Reason reason;

    /**
     * A refusal.
     *
     * @param reason why, which decides the errno or exit code
     * @param message one line that names what was wrong
     */
    public MapperException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * A refusal caused by another failure, such as the {@link java.io.IOException} of a flush.
     *
     * @param reason why, which decides the errno or exit code
     * @param message one line that names what was wrong
     * @param cause the failure behind it
     */
    public MapperException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * Why the operation was refused.
     *
     * @return the reason given at construction
     */
    public Reason reason() {
        return reason;
    }
}
