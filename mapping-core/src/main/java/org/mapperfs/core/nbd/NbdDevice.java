package org.mapperfs.core.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.mapperfs.core.BlockDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD export as a block device. Requests larger than the server's maximum are split; a
 * discard zeroes the range (write-zeroes where the server has it, else zeros written), as a
 * backing file's punched hole reads back zeros; a flush goes to the server where it takes one.
 * Failure policy, as qemu's reconnect-delay: a request whose connection is lost, or whose reply
 * does not come, is retried on a new connection (with back-off) until its time is up; then it
 * fails with an I/O error. An error the server answers fails at once.
 *
 * <p>Where the server allows several connections to one export (multi-conn: a flush on one
 * covers the writes done on all), requests may be spread over several, each made when first
 * needed; else all go through one.
 */
public final class NbdDevice implements BlockDevice, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NbdDevice.class);
    /** How long a request may take, retries included, before it fails. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private final NbdUri uri;
    private final long timeoutNanos;
    private final NbdExport export;
    /** The connections; null where none is made yet; a lost one stays until it is replaced. */
    private final AtomicReferenceArray<NbdConnection> connections;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;
    /** Connections made so far: 1 after open, one more on each reconnection. */
    private volatile long generation = 1;

    private NbdDevice(NbdUri uri, NbdConnection first, long timeoutMillis, int connectionCount) {
        this.uri = uri;
        this.export = first.export();
        this.connections = new AtomicReferenceArray<>(
                export.has(NbdExport.TF_CAN_MULTI_CONN) ? connectionCount : 1);
        connections.set(0, first);
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Connects to {@code uri} with one connection; fails at once (no retry) if the server cannot be reached now. */
    public static NbdDevice open(NbdUri uri, long timeoutMillis) throws IOException {
        return open(uri, new RemoteOptions(timeoutMillis, 1));
    }

    /**
     * Connects to {@code uri}; fails at once (no retry) if the server cannot be reached now.
     * Requests are spread over {@code options.connections()} connections if the server allows
     * several.
     */
    public static NbdDevice open(NbdUri uri, RemoteOptions options) throws IOException {
        long timeoutMillis = options.timeoutMillis();
        NbdConnection c = NbdConnection.open(uri, timeoutMillis);
        log.info("{}: {} bytes, {}{}, requests up to {} bytes", uri.text(), c.export().size(),
                c.export().has(NbdExport.TF_READ_ONLY) ? "read-only" : "read-write",
                c.export().structured() ? ", structured replies" : "", c.export().maxBlock());
        return new NbdDevice(uri, c, timeoutMillis, options.connections());
    }

    @Override
    public String name() {
        return uri.text();
    }

    @Override
    public long size() {
        return export.size();
    }

    /** Whether the server takes flushes: without, acknowledged writes are not known to be durable. */
    public boolean flushes() {
        return export.has(NbdExport.TF_SEND_FLUSH);
    }

    public boolean readOnly() {
        return export.has(NbdExport.TF_READ_ONLY);
    }

    /** Whether the device is connected (false after a connection was lost, until a request reconnects). */
    public boolean connected() {
        NbdConnection first = connections.get(0);
        if (first == null || first.isBroken()) {
            return false;
        }
        for (int i = 1; i < connections.length(); i++) {
            NbdConnection c = connections.get(i);
            if (c != null && c.isBroken()) {
                return false;
            }
        }
        return true;
    }

    /** How many connections requests are spread over: more than one where the server allows it. */
    public int connectionCount() {
        return connections.length();
    }

    /** How many connections were made: it grows when a lost connection is made anew. */
    public long generation() {
        return generation;
    }

    /**
     * Connects again if the connection was lost, waiting at most {@code millis}; true if the
     * device is connected afterwards. For a watcher that wants to know whether the server is
     * back while no request comes.
     */
    public boolean reconnect(long millis) {
        if (closed) {
            return false;
        }
        try {
            connection(0, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** "connected", or "disconnected" until a request connects again. */
    public String state() {
        return connected() ? "connected" : "disconnected (the next request reconnects)";
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        transfer(NbdConnection.CMD_READ, dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        if (readOnly()) {
            throw new IOException(uri.text() + ": the export is read-only; a write at " + offset + " is refused");
        }
        transfer(NbdConnection.CMD_WRITE, src, offset);
    }

    private void transfer(int type, ByteBuffer buffer, long offset) throws IOException {
        check(offset, buffer.remaining());
        int max = export.maxBlock();
        int start = buffer.position();
        int end = buffer.limit();
        try {
            for (int at = start; at < end; at += max) {
                int n = Math.min(max, end - at);
                ByteBuffer piece = buffer.duplicate().limit(at + n).position(at);
                request(type, 0, offset + (at - start), n, piece);
            }
        } finally {
            buffer.position(end);
        }
    }

    @Override
    public void flush() throws IOException {
        if (flushes()) {
            request(NbdConnection.CMD_FLUSH, 0, 0, 0, null);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        check(offset, length);
        if (readOnly()) {
            throw new IOException(uri.text() + ": the export is read-only; a discard is refused");
        }
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(length - done, Math.min(export.maxBlock(), ZEROS.capacity()));
            if (export.has(NbdExport.TF_SEND_WRITE_ZEROES)) {
                request(NbdConnection.CMD_WRITE_ZEROES, 0, offset + done, n, null);
            } else {
                request(NbdConnection.CMD_WRITE, 0, offset + done, n, ZEROS.duplicate().limit(n));
            }
            done += n;
        }
    }

    private void check(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset + length > export.size()) {
            throw new IOException(uri.text() + ": " + length + " bytes at " + offset + " are beyond its "
                    + export.size() + " bytes");
        }
    }

    private void request(int type, int flags, long offset, int length, ByteBuffer data) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        long backoff = 50;
        IOException last = null;
        int at = data == null ? 0 : data.position();
        while (!closed) {
            NbdConnection c;
            try {
                c = connection(connections.length() == 1 ? 0
                        : Math.floorMod(next.getAndIncrement(), connections.length()), deadline);
                if (data != null) {
                    data.position(at);
                }
                c.execute(type, flags, offset, length, data, deadline);
                return;
            } catch (NbdConnection.Lost e) {
                last = e;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            sleep(Math.min(backoff, left));
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
        throw new IOException(uri.text() + ": the " + NbdConnection.command(type) + " at " + offset + " failed: "
                + (closed ? "the device is closed" : "no answer within "
                        + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s"
                        + (last == null ? "" : " (" + last.getMessage() + ")")), last);
    }

    /** Connection {@code slot}, made anew if it broke or was never made. */
    private NbdConnection connection(int slot, long deadline) throws IOException {
        NbdConnection c = connections.get(slot);
        if (c != null && !c.isBroken()) {
            return c;
        }
        synchronized (this) {
            c = connections.get(slot);
            if (c != null && !c.isBroken()) {
                return c;
            }
            boolean lost = c != null; // else this slot's first connection
            if (lost) {
                log.warn("{}: connection lost; reconnecting", uri.text());
                c.close(); // stays in its slot, broken, until a new one replaces it
            }
            NbdConnection fresh = NbdConnection.open(uri,
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (fresh.export().size() != export.size()) {
                fresh.close();
                throw new IOException(uri.text() + ": the export is now " + fresh.export().size() + " bytes, was "
                        + export.size());
            }
            if (lost) {
                log.info("{}: reconnected", uri.text());
                generation++;
            }
            connections.set(slot, fresh);
            return fresh;
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < connections.length(); i++) {
            NbdConnection c = connections.get(i);
            if (c != null) {
                c.close();
            }
        }
    }

    @Override
    public String toString() {
        return uri.text();
    }
}
