package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test {@link BlockDevice} with a volatile write cache, as a disk or a file's page cache has:
 * reads see every write, a {@link #flush} makes the writes before it durable, and a power cut
 * keeps what was durable plus any subset of the writes since the last flush, each kept or lost
 * independently, in whatever order the cache would have written them back. What a real power
 * cut can do and a test on a real file cannot.
 *
 * <p>Devices that share a clock can be cut at the same moment: {@link #imageAt} gives what the
 * device would hold after a cut at any tick since the last {@link #mark}, including moments in
 * the middle of a call that wrote and flushed several times.
 */
public final class VolatileCacheDevice implements BlockDevice {
    /** A write ({@code bytes} at {@code offset}) or, with {@code bytes} null, a flush; at tick {@code tick}. */
    private record Event(long tick, long offset, byte[] bytes) {}

    private final String name;
    private final AtomicLong clock;
    private final byte[] current;
    private final byte[] durable;
    /** What was durable at the last {@link #mark}. */
    private byte[] base;
    /** Every write and flush since the base: first the writes the base lacks, then all later events. */
    private final List<Event> events = new ArrayList<>();

    public VolatileCacheDevice(String name, byte[] image, AtomicLong clock) {
        this.name = name;
        this.clock = clock;
        this.current = image.clone();
        this.durable = image.clone();
        this.base = image.clone();
    }

    public VolatileCacheDevice(String name, byte[] image) {
        this(name, image, new AtomicLong());
    }

    /** Forgets the history before the last flush: later cuts are at or after now. */
    public synchronized void mark() {
        base = durable.clone();
        int lastFlush = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).bytes == null) {
                lastFlush = i;
            }
        }
        events.subList(0, lastFlush + 1).clear();
    }

    /**
     * What the device would hold after a power cut at tick {@code tick} (at or after the last
     * {@link #mark}): every write before the last flush before it, and a random subset of the
     * writes between that flush and the tick.
     */
    public synchronized byte[] imageAt(long tick, Random random) {
        int lastFlush = -1;
        for (int i = 0; i < events.size() && events.get(i).tick <= tick; i++) {
            if (events.get(i).bytes == null) {
                lastFlush = i;
            }
        }
        byte[] image = base.clone();
        for (int i = 0; i < events.size() && events.get(i).tick <= tick; i++) {
            Event e = events.get(i);
            if (e.bytes != null && (i < lastFlush || random.nextBoolean())) {
                System.arraycopy(e.bytes, 0, image, (int) e.offset, e.bytes.length);
            }
        }
        return image;
    }

    /** What every write put here, durable or not (what a crash of the writer alone leaves). */
    public synchronized byte[] current() {
        return current.clone();
    }

    /** What the last flush made durable (a power cut that keeps none of the later writes). */
    public synchronized byte[] durable() {
        return durable.clone();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return current.length;
    }

    @Override
    public synchronized void read(ByteBuffer dst, long offset) throws IOException {
        check(offset, dst.remaining());
        dst.put(current, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(ByteBuffer src, long offset) throws IOException {
        check(offset, src.remaining());
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        System.arraycopy(bytes, 0, current, (int) offset, bytes.length);
        events.add(new Event(clock.incrementAndGet(), offset, bytes));
    }

    @Override
    public synchronized void flush() {
        System.arraycopy(current, 0, durable, 0, current.length);
        events.add(new Event(clock.incrementAndGet(), 0, null));
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        check(offset, length);
        write(ByteBuffer.wrap(new byte[(int) length]), offset);
    }

    private void check(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset > current.length - length) {
            throw new IOException(name + ": " + length + " bytes at " + offset + " outside " + current.length);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
