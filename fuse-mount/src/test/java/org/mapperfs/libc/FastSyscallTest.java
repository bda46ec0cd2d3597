package org.mapperfs.libc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * syscall(2) through jffi: every one of its five arguments reaches the kernel (a binding that
 * dropped the last one failed io_uring_enter with EINVAL), errno comes back, and a call
 * allocates nothing.
 */
class FastSyscallTest {
    private static final long SYS_KCMP = 312;
    private static final long KCMP_FILE = 0;

    @Test
    void theFifthArgumentReachesTheKernel() {
        long pid = ProcessHandle.current().pid();
        // kcmp(pid, pid, KCMP_FILE, 0, idx2): 0 only if fd idx2 is the file of fd 0.
        assertThat(FastSyscall.call(SYS_KCMP, pid, pid, KCMP_FILE, 0, 0)).as("fd 0 against fd 0").isZero();
        assertThat(FastSyscall.call(SYS_KCMP, pid, pid, KCMP_FILE, 0, 1 << 30)).as("against no fd").isEqualTo(-1);
        assertThat(FastSyscall.errno()).as("EBADF").isEqualTo(9);
    }

    @Test
    void aCallAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long pid = ProcessHandle.current().pid();
        for (int i = 0; i < 20_000; i++) { // compiled first
            FastSyscall.call(SYS_KCMP, pid, pid, KCMP_FILE, 0, 0);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            FastSyscall.call(SYS_KCMP, pid, pid, KCMP_FILE, 0, 0);
        }
        long bytes = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(bytes / 100_000.0).as("bytes a call").isLessThan(1.0);
    }
}
