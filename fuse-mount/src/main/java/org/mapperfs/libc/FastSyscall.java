package org.mapperfs.libc;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;

/**
 * syscall(2) with a number and five arguments, called through jffi directly: no allocation per
 * call. (jnr-ffi's interface binding boxes the arguments of a method with seven parameters, and
 * its binding of six did not pass the sixth; the system call's sixth argument is left to
 * whatever its register holds, so only calls that ignore it may use this.)
 */
public final class FastSyscall {
    static final Invoker INVOKER = Invoker.getInstance();
    static final Library LIBC = Library.getCachedInstance("libc.so.6", Library.LAZY | Library.GLOBAL);
    private static final long SYSCALL = LIBC.getSymbolAddress("syscall");
    /** A function of six 64-bit arguments returning one (also {@link Splice}'s). */
    static final CallContext SIX_LONGS = CallContext.getCallContext(Type.SINT64,
            new Type[] {Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64, Type.SINT64},
            CallingConvention.DEFAULT, true);

    private FastSyscall() {}

    /** syscall(number, a1, ..., a5): its result, -1 with {@link #errno()} set on failure. */
    public static long call(long number, long a1, long a2, long a3, long a4, long a5) {
        return INVOKER.invokeN6(SIX_LONGS, SYSCALL, number, a1, a2, a3, a4, a5);
    }

    /** The errno the last failed {@link #call} on this thread left. */
    public static int errno() {
        return LastError.getInstance().get();
    }
}
