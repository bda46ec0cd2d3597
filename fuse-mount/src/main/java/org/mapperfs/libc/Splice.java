package org.mapperfs.libc;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;

/**
 * splice(2), read(2) and write(2) on pipes, called through jffi directly: no allocation per call
 * (jnr-ffi's binding of six parameters did not pass the sixth; see {@link FastSyscall}).
 */
public final class Splice {
    /** splice(2): a hint to move pages rather than copy them. */
    public static final int SPLICE_F_MOVE = 1;
    private static final Invoker INVOKER = Invoker.getInstance();
    private static final Library LIBC = Library.getCachedInstance("libc.so.6", Library.LAZY | Library.GLOBAL);
    private static final long SPLICE = LIBC.getSymbolAddress("splice");
    private static final long READ = LIBC.getSymbolAddress("read");
    private static final long WRITE = LIBC.getSymbolAddress("write");
    private static final CallContext SIX_LONGS = CallContext.getCallContext(Type.SINT64,
            new Type[] {Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64},
            CallingConvention.DEFAULT, true);
    private static final CallContext THREE_LONGS = CallContext.getCallContext(Type.SINT64,
            new Type[] {Type.SINT64, Type.SINT64, Type.SINT64}, CallingConvention.DEFAULT, true);

    private Splice() {}

    /**
     * splice(fdIn, offIn, fdOut, offOut, length, flags), the offsets as addresses of a 64-bit
     * position or 0: the bytes moved, -1 with {@link FastSyscall#errno()} set on failure.
     */
    public static long splice(int fdIn, long offIn, int fdOut, long offOut, long length, int flags) {
        return INVOKER.invokeN6(SIX_LONGS, SPLICE, fdIn, offIn, fdOut, offOut, length, flags);
    }

    /** read(fd, address, count). */
    public static long read(int fd, long address, long count) {
        return INVOKER.invokeN3(THREE_LONGS, READ, fd, address, count);
    }

    /** write(fd, address, count). */
    public static long write(int fd, long address, long count) {
        return INVOKER.invokeN3(THREE_LONGS, WRITE, fd, address, count);
    }
}
