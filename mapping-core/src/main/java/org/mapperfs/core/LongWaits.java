package org.mapperfs.core;

/**
 * Tells the pool a thread belongs to that the thread is about to wait for something that may
 * take indefinitely long: a suspended device's gate, a device event. A pool of a fixed size
 * whose every thread waits at a suspended gate could not take the command that resumes it; a
 * pool that hears of the wait starts another thread first.
 *
 * <p>The hook is per thread: threads of no such pool (tests, the engine used on its own) have
 * none, and their waits announce nothing.
 */
public final class LongWaits {
    private static final ThreadLocal<Runnable> HOOK = new ThreadLocal<>();

    private LongWaits() {}

    /** Runs {@code hook} whenever the calling thread is about to wait indefinitely. */
    public static void onThisThread(Runnable hook) {
        HOOK.set(hook);
    }

    static void announce() {
        Runnable hook = HOOK.get();
        if (hook != null) {
            hook.run();
        }
    }
}
