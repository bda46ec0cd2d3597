package org.mapperfs.core;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An I/O error of a backing file, as the system reported it: which file, which operation at
 * which offset, and the system's reason ("No space left on device", "Read-only file system").
 * The host maps the reason to its errno and logs the file once rather than once per request.
 */
public final class BackingFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String operation;
    private final String reason;

    public BackingFileException(Path file, String operation, long offset, IOException cause) {
        super(file + ": " + operation + (offset >= 0 ? " at offset " + offset : "") + " failed: " + reasonOf(cause),
                cause);
        this.file = file;
        this.operation = operation;
        this.reason = reasonOf(cause);
    }

    /** The system's words: a message of the form "...: pwritev ... failed: REASON" gives REASON. */
    private static String reasonOf(IOException e) {
        String message = e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        int at = message.lastIndexOf(" failed: ");
        return at >= 0 ? message.substring(at + " failed: ".length()) : message;
    }

    public Path file() {
        return file;
    }

    public String operation() {
        return operation;
    }

    /** The system's reason, as strerror(3) words it. */
    public String reason() {
        return reason;
    }
}
