package org.mapperfs.core;

/**
 * A table that cannot be loaded; the message names the line and the bad field. Its
 * {@link MapperException#reason()} is always {@link MapperException.Reason#INVALID}. A target's
 * factory builds it with {@link TargetArgs#error}, which adds the line and the target.
 */
public final class TableException extends MapperException {
    private static final long serialVersionUID = 1L;

    /**
     * A refused table.
     *
     * @param message one line, naming the line of the table and the bad field where known
     */
    public TableException(String message) {
        super(Reason.INVALID, message);
    }
}
