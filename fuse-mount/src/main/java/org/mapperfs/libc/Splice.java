package org.mapperfs.libc;

/**
 * splice(2), called through jffi directly as {@link FastSyscall} calls syscall(2): no allocation
 * per call (jnr-ffi's binding of six parameters did not pass the sixth).
 */
public final class Splice {
    /** splice(2): a hint to move pages rather than copy them. */
    public static final int SPLICE_F_MOVE = 1;
    private static final long SPLICE = FastSyscall.LIBC.getSymbolAddress("splice");

    private Splice() {}

    /**
     * splice(fdIn, offIn, fdOut, offOut, length, flags), the offsets as addresses of a 64-bit
     * position or 0: the bytes moved, -1 with {@link FastSyscall#errno()} set on failure.
     */
    public static long splice(int fdIn, long offIn, int fdOut, long offOut, long length, int flags) {
        return FastSyscall.INVOKER.invokeN6(FastSyscall.SIX_LONGS, SPLICE, fdIn, offIn, fdOut, offOut, length, flags);
    }
}
