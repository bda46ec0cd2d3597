package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test {@link BlockDevice} over a byte array, for what a real file cannot do: stop in the
 * middle of an I/O until released, or fail on demand. Used as a lower device only.
 */
public final class MemoryDevice implements BlockDevice {
    private final String name;
    private final byte[] data;
    private final AtomicInteger flushes = new AtomicInteger();
    private volatile boolean failing;
    /** When set, the next I/O counts {@code entered} down and waits for {@code release}. */
    private volatile CountDownLatch entered;
    private volatile CountDownLatch release;

    public MemoryDevice(String name, int bytes) {
        this.name = name;
        this.data = new byte[bytes];
    }

    /** Makes every following read and write stop until {@link CountDownLatch#countDown release}. */
    public CountDownLatch blockIo(CountDownLatch enteredSignal) {
        CountDownLatch gate = new CountDownLatch(1);
        this.release = gate;
        this.entered = enteredSignal;
        return gate;
    }

    public void failIo(boolean fail) {
        this.failing = fail;
    }

    public byte[] data() {
        return data;
    }

    public int flushes() {
        return flushes.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        check(offset, dst.remaining());
        await();
        synchronized (data) {
            dst.put(data, (int) offset, dst.remaining());
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        check(offset, src.remaining());
        await();
        synchronized (data) {
            src.get(data, (int) offset, src.remaining());
        }
    }

    @Override
    public void flush() throws IOException {
        if (failing) {
            throw new IOException(name + ": flush failed");
        }
        flushes.incrementAndGet();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        check(offset, length);
        synchronized (data) {
            Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
        }
    }

    private void check(long offset, long length) throws IOException {
        if (failing) {
            throw new IOException(name + ": I/O error at " + offset);
        }
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IOException(name + ": " + length + " bytes at " + offset + " outside " + data.length);
        }
    }

    private void await() throws IOException {
        CountDownLatch gate = release;
        if (gate == null) {
            return;
        }
        entered.countDown();
        try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new IOException(name + ": test never released the blocked I/O");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
