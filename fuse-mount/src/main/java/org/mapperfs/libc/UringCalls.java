package org.mapperfs.libc;

/**
 * The libc calls of FUSE over io_uring, bound by jnr-ffi: the io_uring system calls, and mmap(2)
 * and munmap(2) of the rings, through syscall(2) (glibc has no wrappers for the first; libc's
 * mmap bound this way got its arguments wrong).
 */
public interface UringCalls {
    long SYS_MMAP = 9;
    long SYS_MUNMAP = 11;

    long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    int close(int fd);
}
