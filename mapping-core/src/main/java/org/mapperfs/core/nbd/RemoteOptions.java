package org.mapperfs.core.nbd;

/**
 * How remote exports (NBD URIs in tables) are reached.
 *
 * @param timeoutMillis how long a request may take, reconnections included, before it fails
 *     with an I/O error (at least 1)
 * @param connections how many connections an export gets where its server allows several
 *     (multi-conn); from 1 to {@link #MAX_CONNECTIONS}
 */
public record RemoteOptions(long timeoutMillis, int connections) {
    /** The most connections per export. */
    public static final int MAX_CONNECTIONS = 16;
    /** 30 s, one connection: on a local server sharing two CPUs, one connection was the fastest. */
    public static final RemoteOptions DEFAULT = new RemoteOptions(NbdDevice.DEFAULT_TIMEOUT_MILLIS, 1);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException if one is out of range
     */
    public RemoteOptions {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("the remote timeout must be at least 1 ms");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections per export: from 1 to " + MAX_CONNECTIONS);
        }
    }
}
