package org.mapperfs.core.targets.mirror;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.Sectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mirror's legs and their health: each leg at its offset, 'A' while alive, else the letter of
 * the failure that dropped it (D write, F flush, R read, S resync copy). A leg that fails is
 * dropped, and the listener told, until the table is replaced or the mirror takes it back
 * ({@link #revive}).
 */
final class MirrorLegs {
    private static final Logger log = LoggerFactory.getLogger(MirrorLegs.class);

    /** Told once when a leg is dropped. */
    interface FailureListener {
        void failed(int leg, char how);
    }

    /** One operation on one leg at {@code at}, its byte offset there. */
    interface LegOp {
        void apply(BlockDevice leg, long at) throws IOException;
    }

    private final ImmutableList<BlockDevice> legs;
    private final long[] bases;
    private final AtomicIntegerArray health;
    private final AtomicInteger nextReader = new AtomicInteger();
    private final FailureListener listener;

    MirrorLegs(ImmutableList<BlockDevice> legs, long[] offsetSectors, FailureListener listener) {
        this.legs = legs;
        this.bases = new long[offsetSectors.length];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = Sectors.toBytes(offsetSectors[i]);
        }
        this.health = new AtomicIntegerArray(legs.size());
        for (int i = 0; i < legs.size(); i++) {
            health.set(i, 'A');
        }
        this.listener = listener;
    }

    int size() {
        return legs.size();
    }

    BlockDevice get(int i) {
        return legs.get(i);
    }

    ImmutableList<BlockDevice> all() {
        return legs;
    }

    boolean primaryHealthy() {
        return health.get(0) == 'A';
    }

    /** Whether no leg was dropped: a dropped leg missed writes a disk log cannot name. */
    boolean allHealthy() {
        for (int i = 0; i < legs.size(); i++) {
            if (health.get(i) != 'A') {
                return false;
            }
        }
        return true;
    }

    /** Leg {@code i}'s health letter. */
    char letter(int i) {
        return (char) health.get(i);
    }

    /** The legs' bits in a mask of legs ({@link #toEvery}'s answer). */
    long everyLeg() {
        return (1L << legs.size()) - 1; // at most 32 legs
    }

    /** Takes leg {@code i} back if it is still dropped with {@code letter}; true if it was. */
    boolean revive(int i, char letter) {
        return health.compareAndSet(i, letter, 'A');
    }

    /** The health letters, leg by leg, as dm's status prints them. */
    String letters() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < legs.size(); i++) {
            sb.append((char) health.get(i));
        }
        return sb.toString();
    }

    /**
     * Reads {@code dst} at {@code offset}: from the healthy legs in turn when the region is in
     * sync on every leg, else from the primary only; a leg whose read fails is dropped (R) and
     * the next one tried.
     */
    void read(ByteBuffer dst, long offset, boolean inSync) throws IOException {
        int n = dst.remaining();
        int first = inSync ? Math.floorMod(nextReader.getAndIncrement(), legs.size()) : 0;
        int position = dst.position();
        IOException failure = null;
        for (int k = 0; k < (inSync ? legs.size() : 1); k++) {
            int i = (first + k) % legs.size();
            if (health.get(i) != 'A') {
                continue;
            }
            try {
                dst.position(position);
                legs.get(i).read(dst, bases[i] + offset);
                return;
            } catch (IOException e) {
                fail(i, 'R', e);
                failure = e;
            }
        }
        dst.position(position);
        throw noLegCouldRead(n, offset, inSync, failure);
    }

    /**
     * Hands the {@code length} bytes at {@code offset} to {@code sink} as a range of a leg's
     * file, the leg chosen as {@link #read} chooses; a leg whose file could not be read ({@link
     * FileRangeSink.SourceFailed}) is dropped (R) and the next one tried. False, having done
     * nothing more, where the leg chosen does not lie in one file: the caller then reads. A
     * failure of the sink's own (the bytes could not be passed on) fails the read and drops no
     * leg.
     */
    boolean readRange(long offset, int length, FileRangeSink sink, boolean inSync) throws IOException {
        int first = inSync ? Math.floorMod(nextReader.getAndIncrement(), legs.size()) : 0;
        IOException failure = null;
        for (int k = 0; k < (inSync ? legs.size() : 1); k++) {
            int i = (first + k) % legs.size();
            if (health.get(i) != 'A') {
                continue;
            }
            try {
                return legs.get(i).readRange(bases[i] + offset, length, sink);
            } catch (FileRangeSink.SourceFailed e) {
                fail(i, 'R', e);
                failure = e;
            }
        }
        throw noLegCouldRead(length, offset, inSync, failure);
    }

    private static IOException noLegCouldRead(int n, long offset, boolean inSync, IOException failure) {
        return new IOException("mirror: no " + (inSync ? "healthy leg" : "healthy primary (region not in sync)")
                + " could read " + n + " bytes at segment offset " + offset, failure);
    }

    /**
     * Applies {@code op} on every healthy leg; a leg that fails is dropped with the letter
     * {@code how}; fails if no leg took it. Returns the mask of the legs that took it (bit i for
     * leg i): the others missed it, whatever their health is by the time the caller looks.
     */
    long toEvery(String what, long offset, long n, LegOp op, char how) throws IOException {
        long took = 0;
        IOException failure = null;
        for (int i = 0; i < legs.size(); i++) {
            if (health.get(i) != 'A') {
                continue;
            }
            try {
                op.apply(legs.get(i), bases[i] + offset);
                took |= 1L << i;
            } catch (IOException e) {
                fail(i, how, e);
                failure = e;
            }
        }
        if (took == 0) {
            throw new IOException("mirror: no healthy leg left to " + what
                    + (what.equals("flush") ? "" : " " + n + " bytes at segment offset " + offset), failure);
        }
        return took;
    }

    /** Flushes every healthy leg (F for one that fails); fails only if none took the flush. */
    void flush() throws IOException {
        toEvery("flush", 0, 0, (leg, at) -> leg.flush(), 'F');
    }

    /**
     * Copies the {@code n} bytes at {@code at} from the primary to the other healthy legs (S for
     * one whose write fails) through {@code buffer}; false if the primary is gone or its read
     * failed (R).
     */
    boolean copyFromPrimary(ByteBuffer buffer, long at, int n) {
        if (health.get(0) != 'A') {
            return false;
        }
        buffer.clear().limit(n);
        try {
            legs.get(0).read(buffer, bases[0] + at);
        } catch (IOException e) {
            fail(0, 'R', e);
            return false;
        }
        for (int i = 1; i < legs.size(); i++) {
            if (health.get(i) == 'A') {
                try {
                    legs.get(i).write(buffer.duplicate().flip(), bases[i] + at);
                } catch (IOException e) {
                    fail(i, 'S', e);
                }
            }
        }
        return true;
    }

    private void fail(int leg, char how, IOException cause) {
        if (health.compareAndSet(leg, 'A', how)) {
            log.warn("mirror: leg {} ({}) failed ({}): {}", leg, legs.get(leg).name(), how, cause.toString());
            listener.failed(leg, how);
        }
    }
}
