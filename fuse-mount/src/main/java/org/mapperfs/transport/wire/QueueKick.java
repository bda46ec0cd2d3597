package org.mapperfs.transport.wire;

import com.kenai.jffi.MemoryIO;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.mapperfs.libc.UringCalls;

/**
 * A request made on purpose on one CPU's queue of FUSE over io_uring: the calling thread binds
 * itself to that CPU (sched_setaffinity(2)) and calls statfs(2) on the mount, which the kernel
 * always passes to the daemon (FUSE_STATFS) and puts on the queue of the CPU the caller runs on.
 */
final class QueueKick {
    private static final long SYS_STATFS = 137;
    private static final long SYS_SCHED_SETAFFINITY = 203;
    private static final int STATFS_BYTES = 256; // struct statfs is 120 bytes on x86_64

    private QueueKick() {}

    /** Binds the calling thread to {@code cpu} and calls statfs(2) on {@code mount}; null, or what failed. */
    static String statfsOnCpu(UringCalls calls, int cpu, Path mount) {
        MemoryIO m = MemoryIO.getInstance();
        byte[] path = mount.toString().getBytes(StandardCharsets.UTF_8);
        int maskBytes = (cpu / 64 + 1) * 8;
        long mem = m.allocateMemory(maskBytes + path.length + 1 + STATFS_BYTES, true);
        try {
            m.putLong(mem + (cpu / 64) * 8L, 1L << (cpu % 64));
            if (calls.syscall(SYS_SCHED_SETAFFINITY, 0, maskBytes, mem, 0, 0, 0) != 0) {
                return "could not bind a thread to CPU " + cpu;
            }
            long at = mem + maskBytes;
            m.putByteArray(at, path, 0, path.length);
            m.putByte(at + path.length, (byte) 0);
            if (calls.syscall(SYS_STATFS, at, at + path.length + 1, 0, 0, 0, 0) != 0) {
                return "statfs of " + mount + " failed";
            }
            return null;
        } finally {
            m.freeMemory(mem);
        }
    }
}
