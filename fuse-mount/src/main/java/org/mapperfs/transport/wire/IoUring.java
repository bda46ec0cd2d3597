package org.mapperfs.transport.wire;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;
import org.mapperfs.libc.FastSyscall;
import org.mapperfs.libc.UringCalls;

/**
 * A small io_uring of one worker's: 128-byte submission entries (FUSE's commands need them), one
 * entry in flight at a time, submitted and waited for in one io_uring_enter(2). Indices shared
 * with the kernel are read with acquire and written with release semantics. Not thread-safe:
 * its worker alone submits on it (the kernel runs a FUSE entry's work in the thread that
 * submitted it).
 */
final class IoUring implements AutoCloseable {
    private static final long SYS_SETUP = 425;
    private static final long SYS_ENTER = 426;
    private static final int SETUP_SQE128 = 1 << 10;
    private static final int ENTER_GETEVENTS = 1;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    static final int SQE_SIZE = 128;
    private static final int CQE_SIZE = 16;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EBUSY = 16;
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final UringCalls calls;
    private final Runtime runtime;
    private final int fd;
    private final long ring;
    private final long ringBytes;
    private final long cqRing;
    private final long cqRingBytes;
    private final long sqes;
    private final long sqesBytes;
    private final ByteBuffer sqView;
    private final ByteBuffer cqView;
    private final int sqMask;
    private final int cqMask;
    private final int sqHead;
    private final int sqTailAt;
    private final int cqHeadAt;
    private final int cqTailAt;
    private final int cqes;
    private int sqTail;
    private int cqHead;

    IoUring(UringCalls calls, Runtime runtime, int entries) throws IOException {
        this.calls = calls;
        this.runtime = runtime;
        MemoryIO m = MemoryIO.getInstance();
        long params = m.allocateMemory(120, true);
        try {
            m.putInt(params + 8, SETUP_SQE128);
            long r = calls.syscall(SYS_SETUP, entries, params, 0, 0, 0, 0);
            if (r < 0) {
                throw new IOException("io_uring_setup failed: errno " + LastError.getLastError(runtime));
            }
            fd = (int) r;
            int sqEntries = m.getInt(params);
            int cqEntries = m.getInt(params + 4);
            int features = m.getInt(params + 20);
            sqHead = m.getInt(params + 40);
            sqTailAt = m.getInt(params + 44);
            int sqMaskAt = m.getInt(params + 48);
            int sqArray = m.getInt(params + 64);
            cqHeadAt = m.getInt(params + 80);
            cqTailAt = m.getInt(params + 84);
            int cqMaskAt = m.getInt(params + 88);
            cqes = m.getInt(params + 100);
            long sqBytes = sqArray + 4L * sqEntries;
            long cqBytes = cqes + (long) CQE_SIZE * cqEntries;
            boolean single = (features & FEAT_SINGLE_MMAP) != 0;
            ringBytes = single ? Math.max(sqBytes, cqBytes) : sqBytes;
            ring = map(ringBytes, 0);
            cqRingBytes = single ? 0 : cqBytes;
            cqRing = single ? ring : map(cqBytes, OFF_CQ_RING);
            sqesBytes = (long) SQE_SIZE * sqEntries;
            sqes = map(sqesBytes, OFF_SQES);
            sqView = m.newDirectByteBuffer(ring, (int) ringBytes).order(ByteOrder.nativeOrder());
            cqView = single ? sqView : m.newDirectByteBuffer(cqRing, (int) cqBytes).order(ByteOrder.nativeOrder());
            sqMask = m.getInt(ring + sqMaskAt);
            cqMask = m.getInt(cqRing + cqMaskAt);
            for (int i = 0; i < sqEntries; i++) {
                m.putInt(ring + sqArray + 4L * i, i);
            }
            sqTail = (int) INT.getAcquire(sqView, sqTailAt);
            cqHead = (int) INT.getAcquire(cqView, cqHeadAt);
        } finally {
            m.freeMemory(params);
        }
    }

    private long map(long bytes, long offset) throws IOException {
        long a = calls.syscall(UringCalls.SYS_MMAP, 0, bytes, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
        if (a == -1) {
            throw new IOException("mapping " + bytes + " bytes of the io_uring at " + Long.toHexString(offset)
                    + " failed: errno " + LastError.getLastError(runtime));
        }
        return a;
    }

    /** The next submission entry, zeroed, to fill before {@link #submitAndWait}. */
    long nextEntry() {
        long at = sqes + (long) (sqTail & sqMask) * SQE_SIZE;
        MemoryIO.getInstance().setMemory(at, SQE_SIZE, (byte) 0);
        return at;
    }

    /** Submits the entry from {@link #nextEntry} and waits for a completion; returns its result. */
    int submitAndWait() throws IOException {
        return submitAndWait(null);
    }

    /**
     * As {@link #submitAndWait()}, but if {@code onTaken} is given, the entry is submitted on its
     * own first and {@code onTaken} runs once the kernel has taken it (and so, for an entry the
     * kernel handles at submission, once it has handled it), before the wait.
     */
    int submitAndWait(Runnable onTaken) throws IOException {
        sqTail++;
        INT.setRelease(sqView, sqTailAt, sqTail);
        boolean submitted = false;
        while (true) {
            if (!submitted && (int) INT.getAcquire(sqView, sqHead) == sqTail) {
                submitted = true; // taken by the kernel (an enter interrupted after taking it)
            }
            if (submitted && onTaken != null) {
                onTaken.run();
                onTaken = null;
            }
            boolean waits = onTaken == null;
            // No signal mask: a null pointer, and then its size (the sixth argument, not passed) is not read.
            long r = FastSyscall.call(SYS_ENTER, fd, submitted ? 0 : 1, waits ? 1 : 0, waits ? ENTER_GETEVENTS : 0, 0);
            if (r < 0) {
                int e = FastSyscall.errno();
                if (e == EINTR || e == EAGAIN || e == EBUSY) {
                    continue;
                }
                throw new IOException("io_uring_enter failed: errno " + e);
            }
            if (r > 0) {
                submitted = true;
            }
            int tail = (int) INT.getAcquire(cqView, cqTailAt);
            if (tail != cqHead) {
                int res = cqView.getInt(cqes + (cqHead & cqMask) * CQE_SIZE + 8);
                cqHead++;
                INT.setRelease(cqView, cqHeadAt, cqHead);
                return res;
            }
        }
    }

    @Override
    public void close() {
        calls.syscall(UringCalls.SYS_MUNMAP, sqes, sqesBytes, 0, 0, 0, 0);
        if (cqRingBytes > 0) {
            calls.syscall(UringCalls.SYS_MUNMAP, cqRing, cqRingBytes, 0, 0, 0, 0);
        }
        calls.syscall(UringCalls.SYS_MUNMAP, ring, ringBytes, 0, 0, 0, 0);
        calls.close(fd);
    }
}
