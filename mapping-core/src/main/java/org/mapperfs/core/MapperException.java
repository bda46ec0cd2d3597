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
        INVALID, NO_SUCH_DEVICE, EXISTS, BUSY, IO, INTERRUPTED
    }

    private final Reason reason;

    public MapperException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public MapperException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
