package org.mapperfs.core;

/** A table that cannot be loaded; the message names the line and the bad field. */
public final class TableException extends MapperException {
    private static final long serialVersionUID = 1L;

    public TableException(String message) {
        super(Reason.INVALID, message);
    }
}
