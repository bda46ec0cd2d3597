package org.mapperfs.fs;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Per-open state indexed by the FUSE file handle. Lookup on the data path is one array read,
 * without boxing or locking; open and release (rare) take the monitor.
 */
final class HandleTable {
    /** Replaced (copied larger) under the monitor; readers see either version, both valid. */
    private volatile Object[] slots = new Object[256];
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int used;

    synchronized long add(Object handle) {
        int index;
        if (!free.isEmpty()) {
            index = free.pop();
        } else {
            if (used == slots.length) {
                slots = Arrays.copyOf(slots, slots.length * 2);
            }
            index = used++;
        }
        Object[] s = slots;
        s[index] = handle;
        slots = s; // volatile write publishes the handle
        return index;
    }

    Object get(long fh) {
        Object[] s = slots;
        return fh >= 0 && fh < s.length ? s[(int) fh] : null;
    }

    synchronized Object remove(long fh) {
        Object[] s = slots;
        if (fh < 0 || fh >= used || s[(int) fh] == null) {
            return null;
        }
        Object handle = s[(int) fh];
        s[(int) fh] = null;
        slots = s;
        free.push((int) fh);
        return handle;
    }
}
