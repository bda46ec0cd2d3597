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
 */
public final class IoStats {
    /** The kinds of request, in the kernel's order. */
    public enum Kind { READ, WRITE, DISCARD, FLUSH }

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

    private void tick(long now) {
        if (inFlight > 0) {
            busyNanos += now - stamp;
        }
        stamp = now;
    }

    /** The counters now. */
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
     * kernel's unit.
     */
    public record Counters(long[] ops, long[] bytes, long[] nanos, int inFlight, long busyNanos, long errors) {
        public long ops(Kind kind) {
            return ops[kind.ordinal()];
        }

        public long bytes(Kind kind) {
            return bytes[kind.ordinal()];
        }

        /** Bytes in 512-byte sectors, as the kernel counts them (a partial sector counts as none). */
        public long sectors(Kind kind) {
            return bytes[kind.ordinal()] >> 9;
        }

        public long nanos(Kind kind) {
            return nanos[kind.ordinal()];
        }

        /** The time spent on every finished request: the kernel's {@code time_in_queue}, less the requests in flight. */
        public long queueNanos() {
            long sum = 0;
            for (long n : nanos) {
                sum += n;
            }
            return sum;
        }

        public static long millis(long nanos) {
            return nanos / 1_000_000;
        }

        public long reads() {
            return ops(Kind.READ);
        }

        public long writes() {
            return ops(Kind.WRITE);
        }

        public long readBytes() {
            return bytes(Kind.READ);
        }

        public long writeBytes() {
            return bytes(Kind.WRITE);
        }
    }
}
