package org.mapperfs.core.targets.mirror;

import org.mapperfs.core.nbd.NbdDevice;

/**
 * Watches for the return of a mirror's remote legs, DRBD-style. While a secondary leg that is an
 * NBD export is dropped, a thread tries once a second to connect to its server again; once a
 * connection newer than the one the leg failed on is up, the mirror is told, and takes the leg
 * back and resyncs what it missed. A leg dropped for an error its server answered (the connection
 * stayed up) is not taken back this way: the server is there and said no, so only a reload of
 * the table brings it back.
 *
 * <p>Guarded by {@code this}: {@code failedAt}, {@code thread}, {@code watching}.
 */
final class LegReturn {
    /** How often a dropped remote leg is tried. */
    static final long PROBE_EVERY_MILLIS = 1_000;
    /** How long one try may wait for the server (a TCP connect into a dead link waits this long). */
    static final long PROBE_MILLIS = 2_000;

    /** Told when dropped leg {@code leg}'s server is reachable again. */
    interface Listener {
        void returned(int leg);
    }

    private final String name;
    private final MirrorLegs legs;
    private final Listener listener;
    /** Per leg: the generation of its connection when it was dropped; -1 if it is not watched. */
    private final long[] failedAt;
    private Thread thread;
    private boolean watching;

    LegReturn(String name, MirrorLegs legs, Listener listener) {
        this.name = name;
        this.legs = legs;
        this.listener = listener;
        this.failedAt = new long[legs.size()];
        java.util.Arrays.fill(failedAt, -1);
    }

    /** Whether leg {@code i} is one that can come back by itself: a secondary on an NBD export. */
    boolean remote(int i) {
        return i > 0 && legs.get(i) instanceof NbdDevice;
    }

    /** Leg {@code i} was dropped: watch it, if it is remote. */
    synchronized void failed(int i) {
        if (remote(i)) {
            failedAt[i] = ((NbdDevice) legs.get(i)).generation();
            startIfNeeded();
        }
    }

    /** The mirror is live: watch the dropped remote legs. */
    synchronized void start() {
        watching = true;
        startIfNeeded();
    }

    /** The mirror goes quiet (suspend, close): no leg is taken back until {@link #start}. */
    synchronized void stop() {
        watching = false;
        notifyAll();
    }

    private void startIfNeeded() {
        if (!watching || thread != null || !anyWatched()) {
            return;
        }
        thread = new Thread(this::run, "mirror-legs-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private boolean anyWatched() {
        for (int i = 0; i < failedAt.length; i++) {
            if (failedAt[i] >= 0 && legs.letter(i) != 'A') {
                return true;
            }
        }
        return false;
    }

    private void run() {
        try {
            while (pause()) {
                for (int i = 1; i < failedAt.length; i++) {
                    long since;
                    synchronized (this) {
                        since = failedAt[i];
                    }
                    if (since < 0 || legs.letter(i) == 'A') {
                        continue;
                    }
                    NbdDevice leg = (NbdDevice) legs.get(i);
                    // Not under the lock: the try may wait for the server.
                    if (leg.reconnect(PROBE_MILLIS) && leg.generation() > since) {
                        synchronized (this) {
                            failedAt[i] = -1;
                        }
                        listener.returned(i);
                    }
                }
            }
        } finally {
            synchronized (this) {
                thread = null;
                startIfNeeded(); // a leg dropped just as this thread gave up
            }
        }
    }

    /** Waits a probe interval; false when there is nothing left to watch or watching stopped. */
    private synchronized boolean pause() {
        long until = System.nanoTime() + PROBE_EVERY_MILLIS * 1_000_000;
        long left;
        while (watching && (left = until - System.nanoTime()) > 0) {
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                return false;
            }
        }
        return watching && anyWatched();
    }
}
