package org.mapperfs.core.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One connection to an NBD server, after the handshake ({@link NbdHandshake}). Many requests are
 * in flight at once: each caller sends its request under a lock (header and data in one system
 * call) and waits for its reply, which one reader thread matches by cookie and puts into the
 * caller's buffer ({@link NbdReplyReader}). A lost connection fails every request in flight with
 * {@link Lost}; the caller may retry on a new connection. A watchdog closes a connection whose
 * handshake or requests outlive their deadlines, so that nothing waits past them, not even a
 * request stuck in a send to a server that stopped reading. See the NBD project's doc/proto.md.
 */
final class NbdConnection implements AutoCloseable {
    static final int REQUEST_MAGIC = 0x25609513;

    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;

    static final int ESHUTDOWN = 108;

    /** The connection is gone (or never came): the request may be retried on a new one. */
    static final class Lost extends IOException {
        Lost(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A request waiting for its reply; {@code dst} is a read's buffer, its data go to dst's
     * position on. The reader ({@link NbdReplyReader}) sets {@code error} and {@code message}
     * before {@code done}, whose volatile write publishes them, then unparks the waiter.
     */
    static final class Pending {
        final long offset;
        final ByteBuffer dst;
        final long deadline;
        final Thread waiter = Thread.currentThread();
        int error;
        String message;
        volatile boolean done;
        volatile IOException lost;

        Pending(long offset, ByteBuffer dst, long deadline) {
            this.offset = offset;
            this.dst = dst;
            this.deadline = deadline;
        }
    }

    /** A Unix socket's send and receive buffers (the kernel caps them at net.core.[wr]mem_max). */
    private static final int UNIX_SOCKET_BUFFER = 4 << 20;

    /** How often the watchdog looks for requests past their deadline. */
    private static final long WATCH_MILLIS = 250;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mapperfs-nbd-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final String name;
    private final SocketChannel channel;
    private final NbdExport export;
    private final Object sending = new Object();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong cookies = new AtomicLong();
    /** Guarded by {@link #sending}: the request being sent, and it with a write's data. */
    private final ByteBuffer request = ByteBuffer.allocateDirect(28);
    private final ByteBuffer[] requestAndData = new ByteBuffer[2];
    /** The reader thread's: replies, matched to {@link #pending}. */
    private final NbdReplyReader replies;
    private final Thread reader;
    private final ScheduledFuture<?> watch;
    private volatile IOException broken;

    private NbdConnection(String name, SocketChannel channel, NbdExport export) {
        this.name = name;
        this.channel = channel;
        this.export = export;
        this.replies = new NbdReplyReader(channel, pending);
        this.reader = new Thread(this::readReplies, "mapperfs-nbd-" + name);
        reader.setDaemon(true);
        reader.start();
        this.watch = WATCHDOG.scheduleWithFixedDelay(this::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Fails the connection if a request is past its deadline (its sender may be stuck in a send). */
    private void watch() {
        long now = System.nanoTime();
        for (Pending p : pending.values()) {
            if (now - p.deadline > 0) {
                fail(new IOException("no reply within the timeout"));
                return;
            }
        }
    }

    /**
     * Connects and shakes hands, within {@code connectMillis}; fails with {@link Lost} if the
     * server cannot be reached or does not finish the handshake in that time.
     */
    static NbdConnection open(NbdUri uri, long connectMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectMillis);
        SocketChannel ch;
        try {
            if (uri.socket().isPresent()) {
                ch = SocketChannel.open(UnixDomainSocketAddress.of(uri.socket().get()));
                // Room for whole requests in flight: the default ~200 KiB made a 256 KiB write wait
                // for the server to drain it piece by piece. TCP tunes its own buffers.
                ch.setOption(StandardSocketOptions.SO_SNDBUF, UNIX_SOCKET_BUFFER);
                ch.setOption(StandardSocketOptions.SO_RCVBUF, UNIX_SOCKET_BUFFER);
            } else {
                ch = SocketChannel.open();
                try {
                    ch.socket().connect(new InetSocketAddress(uri.host().orElseThrow(), uri.port()),
                            (int) Math.max(1, Math.min(connectMillis, Integer.MAX_VALUE)));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        } catch (IOException e) {
            throw new Lost(uri.text() + ": cannot connect: " + e.getMessage(), e);
        }
        SocketChannel connected = ch;
        ScheduledFuture<?> timeout = WATCHDOG.schedule(() -> closeQuietly(connected),
                Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        try {
            NbdExport export = NbdHandshake.shake(ch, uri);
            if (!timeout.cancel(false)) {
                throw new AsynchronousCloseException();
            }
            return new NbdConnection(uri.text(), ch, export);
        } catch (IOException | RuntimeException e) {
            timeout.cancel(false);
            ch.close();
            if (e instanceof ClosedChannelException) {
                throw new Lost(uri.text() + ": no answer to the handshake within " + connectMillis + " ms", e);
            }
            throw e instanceof EOFException ? new Lost(uri.text() + ": the server hung up during the handshake", e)
                    : e instanceof IOException io ? io : new IOException(uri.text() + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // the handshake fails on it
        }
    }

    NbdExport export() {
        return export;
    }

    /**
     * Sends one request and waits for its reply, at most until {@code deadlineNanos}. A read's
     * data land in {@code data} from its position (which ends at its limit); a write's come from
     * it. Fails with {@link Lost} if the connection goes or the reply does not come in time
     * (the connection is then closed), with a plain IOException if the server answers an error.
     */
    void execute(int type, int flags, long offset, int length, ByteBuffer data, long deadlineNanos)
            throws IOException {
        IOException gone = broken;
        if (gone != null) {
            throw new Lost(name + ": " + gone.getMessage(), gone);
        }
        long cookie = cookies.incrementAndGet();
        Pending p = new Pending(offset, type == CMD_READ ? data : null, deadlineNanos);
        pending.put(cookie, p);
        try {
            synchronized (sending) {
                request.clear().putInt(REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(cookie)
                        .putLong(offset).putInt(length).flip();
                if (type == CMD_WRITE) {
                    requestAndData[0] = request;
                    requestAndData[1] = data.duplicate();
                    try {
                        while (requestAndData[1].hasRemaining()) {
                            channel.write(requestAndData);
                        }
                    } finally {
                        requestAndData[1] = null;
                    }
                } else {
                    NbdHandshake.write(channel, request);
                }
            }
            while (!p.done && p.lost == null) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    fail(new IOException("no reply within the timeout"));
                    throw new Lost(name + ": no reply within the timeout", null);
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new IOException(name + ": interrupted");
                }
            }
        } catch (IOException e) {
            if (e instanceof Lost) {
                throw e;
            }
            fail(e);
            throw new Lost(name + ": " + e.getMessage(), e);
        } finally {
            pending.remove(cookie);
        }
        if (p.lost != null) {
            throw new Lost(name + ": " + p.lost.getMessage(), p.lost);
        }
        if (p.error == ESHUTDOWN) {
            // The server is going away and takes no more requests here: a new connection may.
            IOException shutdown = new IOException("the server is shutting down");
            fail(shutdown);
            throw new Lost(name + ": the server is shutting down", shutdown);
        }
        if (p.error != 0) {
            throw new IOException(name + ": the server failed the " + command(type) + " at " + offset + " ("
                    + errno(p.error) + (p.message == null ? "" : ": " + p.message) + ")");
        }
        if (data != null) {
            data.position(data.limit());
        }
    }

    static String command(int type) {
        return switch (type) {
            case CMD_READ -> "read";
            case CMD_WRITE -> "write";
            case CMD_FLUSH -> "flush";
            case CMD_TRIM -> "trim";
            case CMD_WRITE_ZEROES -> "write-zeroes";
            default -> "command " + type;
        };
    }

    static String errno(int e) {
        return switch (e) {
            case 1 -> "EPERM";
            case 5 -> "EIO";
            case 12 -> "ENOMEM";
            case 22 -> "EINVAL";
            case 28 -> "ENOSPC";
            case 75 -> "EOVERFLOW";
            case 95 -> "ENOTSUP";
            case 108 -> "ESHUTDOWN";
            default -> "error " + e;
        };
    }

    /** The reader thread: replies until the connection fails. */
    private void readReplies() {
        try {
            replies.readReplies();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** The connection is unusable: every request in flight fails with it, and so will later ones. */
    private void fail(IOException why) {
        if (broken == null) {
            broken = why;
        }
        if (watch != null) {
            watch.cancel(false);
        }
        try {
            channel.close();
        } catch (IOException e) {
            // already failing
        }
        for (Pending p : pending.values()) {
            p.lost = why;
            LockSupport.unpark(p.waiter);
        }
    }

    boolean isBroken() {
        return broken != null;
    }

    @Override
    public void close() {
        if (broken == null) {
            try {
                synchronized (sending) {
                    NbdHandshake.write(channel, request.clear().putInt(REQUEST_MAGIC).putShort((short) 0)
                            .putShort((short) CMD_DISC).putLong(0).putLong(0).putInt(0).flip());
                }
            } catch (IOException e) {
                // closing anyway
            }
        }
        fail(new IOException("closed"));
    }
}
