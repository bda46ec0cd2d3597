package org.mapperfs.cli;

/** A failure to report as {@code mapperfs: <message>} with exit code 1. */
public final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
