package org.mapperfs.libc;

/**
 * The libc calls of the wire transport, bound by jnr-ffi: opening /dev/fuse and mounting it,
 * reading requests from it and writing replies, huge pages for the workers' buffers, and
 * marking the workers as I/O flushers.
 */
public interface FuseDeviceCalls {
    int open(String path, int flags);

    int close(int fd);

    long read(int fd, long buffer, long count);

    long write(int fd, long buffer, long count);

    int mount(String source, String target, String type, long flags, String data);

    int umount2(String target, int flags);

    String strerror(int errnum);

    int madvise(long address, long length, int advice);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int pipe2(int[] fds, int flags);

    int fcntl(int fd, int cmd, int arg);
}
