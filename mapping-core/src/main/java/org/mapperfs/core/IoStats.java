package org.mapperfs.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * A device's I/O counters, the fields of the kernel's disk statistics as dmstats and
 * {@code /sys/block/DEV/stat} have them: per kind (read, write, discard, flush) the requests
 * completed, their bytes and the time spent on them; the requests in flight; the time with at
 * least one request in flight ({@code io_ticks}) and the sum of every request's time
 * ({@code time_in_queue}). A request's time runs from its arrival (before it waits for a
 * suspended device) to its completion. Requests that fail count as errors, not as completed.
 * mapperfs merges nothing, so there are no merge counters to keep: they are always zero.
 *
 * <p>Kept by each {@link MappedDevice} and read with {@link MappedDevice#stats()}; updated from
 * many threads at once without blocking I/O. A flush that a suspend issues is not counted.
 */
public final class IoStats {
    /** The kinds of request, in the kernel's order. */
    public enum Kind {
        /** Reads. */
        READ,
        /** Writes. */
        WRITE,
        /** Discards; their bytes are the lengths discarded. */
        DISCARD,
        /** Flushes; they move no bytes. */
        FLUSH
    }

    private final LongAdder[] ops = adders();
    private final LongAdder[] bytes = adders();
    private final LongAdder[] nanos = adders();
    private final LongAdder errors = new LongAdder();
    private final Object busy = new Object();
    /** Guarded by {@link #busy}. */
    private int inFlight;
    /** Guarded by {@link #busy}: the busy time up to {@link #stamp}. */
    private long busyNanos;
    /** Guarded by {@link #busy}. */
    private long stamp;

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[Kind.values().length];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** A request arrives; returns its start time, for {@link #end}. */
    long start() {
        long now = System.nanoTime();
        synchronized (busy) {
            tick(now);
            inFlight++;
        }
        return now;
    }

    /** The request that started at {@code started} ends, having moved {@code n} bytes if {@code ok}. */
    void end(Kind kind, long n, long started, boolean ok) {
        long now = System.nanoTime();
        synchronized (busy) {
            tick(now);
            inFlight--;
        }
        nanos[kind.ordinal()].add(now - started);
        if (ok) {
            ops[kind.ordinal()].increment();
            bytes[kind.ordinal()].add(n);
        } else {
            errors.increment();
        }
    }

    /**
     * A request {@link #start}ed here was not made here after all: it leaves the requests in
     * flight uncounted (it goes another way, and is counted there).
     */
    void withdraw() {
        long now = System.nanoTime();
        synchronized (busy) {
            tick(now);
            inFlight--;
        }
    }

    private void tick(long now) {
        if (inFlight > 0) {
            busyNanos += now - stamp;
        }
        stamp = now;
    }

    /**
     * The counters now. Each counter is read on its own: a reading taken while I/O runs may show
     * a request in one counter and not yet in another.
     *
     * @return a copy of the counters, which later I/O does not change
     */
    public Counters counters() {
        long now = System.nanoTime();
        int flying;
        long busyTotal;
        synchronized (busy) {
            tick(now);
            flying = inFlight;
            busyTotal = busyNanos;
        }
        long[] o = new long[ops.length];
        long[] b = new long[ops.length];
        long[] t = new long[ops.length];
        for (int i = 0; i < o.length; i++) {
            o[i] = ops[i].sum();
            b[i] = bytes[i].sum();
            t[i] = nanos[i].sum();
        }
        return new Counters(o, b, t, flying, busyTotal, errors.sum());
    }

    /**
     * One reading of the counters. Times are in nanoseconds; {@link #millis} gives them in the
     * kernel's unit. The arrays are indexed by {@link Kind#ordinal()}; the accessors that take a
     * {@link Kind} read them.
     *
     * @param ops requests completed without error, per kind
     * @param bytes bytes moved by those requests, per kind
     * @param nanos time spent on every finished request, failed ones included, per kind
     * @param inFlight requests that had arrived and not yet ended at the reading
     * @param busyNanos time with at least one request in flight: the kernel's {@code io_ticks}
     * @param errors requests of any kind that failed
     */
    public record Counters(long[] ops, long[] bytes, long[] nanos, int inFlight, long busyNanos, long errors) {
        /**
         * Requests of one kind completed without error.
         *
         * @param kind the kind of request
         * @return the count
         */
        public long ops(Kind kind) {
            return ops[kind.ordinal()];
        }

        /**
         * Bytes moved by completed requests of one kind.
         *
         * @param kind the kind of request
         * @return the bytes; always 0 for {@link Kind#FLUSH}
         */
        public long bytes(Kind kind) {
            return bytes[kind.ordinal()];
        }

        /**
         * Bytes in 512-byte sectors, as the kernel counts them (a partial sector counts as none).
         *
         * @param kind the kind of request
         * @return {@link #bytes(Kind)} divided by 512, rounded down
         */
        public long sectors(Kind kind) {
            return bytes[kind.ordinal()] >> 9;
        }

        /**
         * Time spent on finished requests of one kind, failed ones included.
         *
         * @param kind the kind of request
         * @return the time in nanoseconds
         */
        public long nanos(Kind kind) {
            return nanos[kind.ordinal()];
        }

        /**
         * The time spent on every finished request: the kernel's {@code time_in_queue}, less the
         * requests in flight.
         *
         * @return the time in nanoseconds, over all kinds
         */
        public long queueNanos() {
            long sum = 0;
            for (long n : nanos) {
                sum += n;
            }
            return sum;
        }

        /**
         * Converts a time of these counters to the kernel's milliseconds.
         *
         * @param nanos a time in nanoseconds
         * @return the whole milliseconds, rounded down
         */
        public static long millis(long nanos) {
            return nanos / 1_000_000;
        }

        /**
         * Reads completed.
         *
         * @return {@code ops(Kind.READ)}
         */
        public long reads() {
            return ops(Kind.READ);
        }

        /**
         * Writes completed.
         *
         * @return {@code ops(Kind.WRITE)}
         */
        public long writes() {
            return ops(Kind.WRITE);
        }

        /**
         * Bytes read by completed reads.
         *
         * @return {@code bytes(Kind.READ)}
         */
        public long readBytes() {
            return bytes(Kind.READ);
        }

        /**
         * Bytes written by completed writes.
         *
         * @return {@code bytes(Kind.WRITE)}
         */
        public long writeBytes() {
            return bytes(Kind.WRITE);
        }
    }
}
