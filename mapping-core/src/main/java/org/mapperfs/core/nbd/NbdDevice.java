package org.mapperfs.core.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
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
 */
public final class NbdDevice implements BlockDevice, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NbdDevice.class);
    /** How long a request may take, retries included, before it fails. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private final NbdUri uri;
    private final long timeoutNanos;
    private final NbdConnection.Export export;
    private volatile NbdConnection connection;
    private volatile boolean closed;
    /** Connections made so far: 1 after open, one more on each reconnection. */
    private volatile long generation = 1;

    private NbdDevice(NbdUri uri, NbdConnection first, long timeoutMillis) {
        this.uri = uri;
        this.connection = first;
        this.export = first.export();
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Connects to {@code uri}; fails at once (no retry) if the server cannot be reached now. */
    public static NbdDevice open(NbdUri uri, long timeoutMillis) throws IOException {
        NbdConnection c = NbdConnection.open(uri, timeoutMillis);
        log.info("{}: {} bytes, {}{}, requests up to {} bytes", uri.text(), c.export().size(),
                c.export().has(NbdConnection.TF_READ_ONLY) ? "read-only" : "read-write",
                c.export().structured() ? ", structured replies" : "", c.export().maxBlock());
        return new NbdDevice(uri, c, timeoutMillis);
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
        return export.has(NbdConnection.TF_SEND_FLUSH);
    }

    public boolean readOnly() {
        return export.has(NbdConnection.TF_READ_ONLY);
    }

    /** Whether the connection is up (false after it was lost, until a request reconnects). */
    public boolean connected() {
        NbdConnection c = connection;
        return c != null && !c.isBroken();
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
            connection(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
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
            if (export.has(NbdConnection.TF_SEND_WRITE_ZEROES)) {
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
                c = connection(deadline);
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

    /** The live connection, or a new one if it broke. */
    private NbdConnection connection(long deadline) throws IOException {
        NbdConnection c = connection;
        if (c != null && !c.isBroken()) {
            return c;
        }
        synchronized (this) {
            c = connection;
            if (c != null && !c.isBroken()) {
                return c;
            }
            if (c != null) {
                log.warn("{}: connection lost; reconnecting", uri.text());
                c.close();
                connection = null;
            }
            NbdConnection fresh = NbdConnection.open(uri,
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (fresh.export().size() != export.size()) {
                fresh.close();
                throw new IOException(uri.text() + ": the export is now " + fresh.export().size() + " bytes, was "
                        + export.size());
            }
            log.info("{}: reconnected", uri.text());
            connection = fresh;
            generation++;
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
        NbdConnection c = connection;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return uri.text();
    }
}
