package org.mapperfs.core.targets;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Fields;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;

/**
 * {@code delay <dev> <offset> <delay> [<write dev> <write offset> <write delay> [<flush dev>
 * <flush offset> <flush delay>]]}: 3, 6 or 9 arguments; delays in milliseconds, offsets in
 * sectors. With 3, reads, writes and flushes go to {@code dev} after {@code delay}. With 6,
 * writes and flushes go to the write device after the write delay. With 9, flushes have their
 * own device and delay. A discard counts as a write.
 *
 * <p>Each request waits in the thread that issued it (the FUSE layer gives every request its
 * own thread), on a condition and without holding any lock, so one delayed request never holds
 * up another: N concurrent reads all finish after about one delay, not N. As in the kernel, a
 * suspend releases every waiting request at once and nothing is delayed again until resume.
 *
 * <p>Status: {@code <reads> <writes> <flushes>}, the requests waiting out their delay right now.
 * Table: the 3, 6 or 9 arguments as given.
 */
public final class DelayTarget implements Target {
    static final String SYNTAX = "delay <dev> <offset> <delay> [<write dev> <write offset> <write delay>"
            + " [<flush dev> <flush offset> <flush delay>]]";
    private static final long UINT_MAX = 0xFFFF_FFFFL;

    /** One of read, write, flush: where it goes and how long it waits. */
    private record Route(BlockDevice device, long offsetSectors, long delayMillis, AtomicInteger waiting) {
        long base() {
            return Sectors.toBytes(offsetSectors);
        }

        String params() {
            return device.name() + " " + offsetSectors + " " + delayMillis;
        }
    }

    private final int argc;
    private final Route read;
    private final Route write;
    private final Route flush;
    /** Guards nothing but {@link #mayDelay}; held only to wait on and signal {@link #released}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private volatile boolean mayDelay = true;

    private DelayTarget(int argc, Route read, Route write, Route flush) {
        this.argc = argc;
        this.read = read;
        this.write = write;
        this.flush = flush;
    }

    public static Target create(TargetArgs args) throws TableException {
        int argc = args.remaining();
        if (argc != 3 && argc != 6 && argc != 9) {
            throw args.error("requires exactly 3, 6 or 9 arguments (" + SYNTAX + "), got " + argc);
        }
        Route read = route(args, "");
        Route write = argc >= 6 ? route(args, "write ") : sameAs(read);
        Route flush = argc == 9 ? route(args, "flush ") : sameAs(write);
        return new DelayTarget(argc, read, write, flush);
    }

    private static Route route(TargetArgs args, String kind) throws TableException {
        BlockDevice device = args.nextDevice(kind + "dev");
        long offset = args.nextSectors(kind + "offset");
        long delay = args.nextLong(kind + "delay", 0, UINT_MAX);
        args.requireRange(device, offset, args.lengthSectors());
        return new Route(device, offset, delay, new AtomicInteger());
    }

    private static Route sameAs(Route other) {
        return new Route(other.device(), other.offsetSectors(), other.delayMillis(), new AtomicInteger());
    }

    @Override
    public String type() {
        return "delay";
    }

    @Override
    public String params() {
        StringBuilder sb = new StringBuilder(read.params());
        if (argc >= 6) {
            sb.append(' ').append(write.params());
        }
        if (argc == 9) {
            sb.append(' ').append(flush.params());
        }
        return sb.toString();
    }

    @Override
    public String status() {
        return read.waiting().get() + " " + write.waiting().get() + " " + flush.waiting().get();
    }

    /** The requests waiting out their delay, per class: dm's status. */
    @Override
    public Map<String, Object> statusFields() {
        return Fields.of("reads_waiting", read.waiting().get(), "writes_waiting", write.waiting().get(),
                "flushes_waiting", flush.waiting().get());
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        await(read);
        read.device().read(dst, read.base() + offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        await(write);
        write.device().write(src, write.base() + offset);
    }

    /**
     * Waits out the flush delay; the table then flushes the lower devices (the read device too:
     * with 3 arguments it is the flush device, otherwise a flush of it is harmless).
     */
    @Override
    public void flush() throws IOException {
        await(flush);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        await(write);
        write.device().discard(write.base() + offset, length);
    }

    /** Sleeps {@code route}'s delay unless a suspend cuts it short; holds no lock while waiting. */
    private void await(Route route) throws IOException {
        if (route.delayMillis() == 0 || !mayDelay) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(route.delayMillis());
        route.waiting().incrementAndGet();
        lock.lock();
        try {
            long left;
            while (mayDelay && (left = deadline - System.nanoTime()) > 0) {
                released.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("delay: interrupted while delaying a request");
        } finally {
            lock.unlock();
            route.waiting().decrementAndGet();
        }
    }

    /** As the kernel does: let every waiting request go now, and delay none until resume. */
    @Override
    public boolean presuspend() {
        lock.lock();
        try {
            mayDelay = false;
            released.signalAll();
        } finally {
            lock.unlock();
        }
        return true;
    }

    @Override
    public void resume() {
        mayDelay = true;
    }

    @Override
    public List<BlockDevice> devices() {
        LinkedHashSet<BlockDevice> all = new LinkedHashSet<>(List.of(read.device(), write.device(), flush.device()));
        return ImmutableList.copyOf(all);
    }
}
