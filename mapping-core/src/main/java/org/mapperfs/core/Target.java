package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * One segment's mapping, as a device-mapper target. The engine has already checked bounds and
 * split requests at segment boundaries: offsets are in bytes relative to the segment's start,
 * and {@code offset + buffer.remaining() <= length}. Implementations are thread-safe.
 *
 * <p>A target is built by its {@link TargetFactory} from one table line and lives as long as
 * its {@link Table}. Units: offsets and lengths are bytes unless the name says sectors; a sector
 * is 512 bytes ({@link Sectors}). Requests are not necessarily sector-aligned, and never empty:
 * a read, write or discard moves at least one byte. A target that needs alignment (crypt does)
 * fails an unaligned request with an {@link IOException}.
 *
 * <p>Threads: {@link #read}, {@link #write}, {@link #flush}, {@link #discard}, {@link #status},
 * {@link #statusFields} and {@link #message} may be called from many threads at once, in any
 * mix. The lifecycle calls ({@link #presuspend}, {@link #resume}, {@link #close})
 * come one at a time, under the device's control lock, which {@link #message} also holds.
 *
 * <p>Lifecycle: built, then {@link #resume()} when the table goes live; I/O; then, at a suspend,
 * {@link #presuspend()} while I/O may still be in flight, after which the engine waits for that
 * I/O to end and (unless the suspend is without flush) calls {@link #flush()}; {@link #resume()}
 * again; and finally {@link #close()} once no I/O is in flight. A table that is only loaded and
 * never swapped in, or whose build fails after this target was built, is closed without ever
 * being resumed.
 */
public interface Target {

    /**
     * The target's name in tables, e.g. {@code linear}: the name it is registered under in its
     * {@link TargetRegistry}.
     *
     * @return the type name, constant for the target's life
     */
    String type();

    /**
     * The table arguments that recreate this target, in the kernel's syntax: the words after
     * {@code <start> <length> <type>} in {@link Segment#line()}. Lower devices appear as their
     * {@link BlockDevice#name()}. Fed back to the target's factory, they build an equal target.
     *
     * @return the arguments separated by single spaces; empty for a target without arguments
     */
    String params();

    /**
     * {@link #params()} as reports show them by default: with secrets (a crypt key) hidden, as
     * {@code dmsetup table} hides them without {@code --showkeys}.
     *
     * @return the arguments with secrets replaced; by default {@link #params()} itself
     */
    default String maskedParams() {
        return params();
    }

    /**
     * dm's status line (STATUSTYPE_INFO) for this segment; empty where dm prints nothing. Called
     * at any time from any thread, also while I/O runs; it should not wait for I/O.
     *
     * @return the words after {@code <start> <length> <type>} in {@link Segment#statusLine()}
     */
    String status();

    /**
     * {@link #status()} as named fields, for machine-readable reports: values are numbers,
     * strings, booleans, lists and maps of these, in a stable order. Empty where the status line
     * is empty. {@link Fields#of} builds such a map.
     *
     * @return the fields by name, in order; by default none
     */
    default Map<String, Object> statusFields() {
        return Map.of();
    }

    /**
     * Reads {@code dst.remaining()} bytes of the segment at {@code offset} into {@code dst}, from
     * its position to its limit, and leaves its position at its limit (the engine relies on it
     * to split a request between segments). Must not change the limit.
     *
     * @param dst the buffer to fill, heap or direct; at least one byte remains
     * @param offset byte offset from the start of the segment; {@code offset + dst.remaining()}
     *     is at most the segment's length in bytes
     * @throws IOException if the read failed; the request then fails (a FUSE client usually
     *     sees EIO)
     */
    void read(ByteBuffer dst, long offset) throws IOException;

    /**
     * Hands the segment's {@code length} bytes at {@code offset} to {@code sink} as one range of
     * an open file, where they lie in one, or piece by piece where the sink takes them so (see
     * {@link BlockDevice#readRange}); false, having done nothing, by default.
     *
     * @param offset byte offset within the segment
     * @param length bytes to read, inside the segment
     * @param sink what takes the file range
     * @return whether {@code sink} took the bytes
     * @throws IOException if the sink failed
     */
    default boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        return false;
    }

    /**
     * Writes the {@code src.remaining()} bytes of {@code src}, from its position to its limit, at
     * {@code offset} of the segment, and leaves its position at its limit. Must not change the
     * limit or the bytes. The write counts as acknowledged when this returns; it needs to be
     * durable only after the next {@link #flush()}.
     *
     * @param src the bytes to write, heap or direct; at least one byte remains
     * @param offset byte offset from the start of the segment; {@code offset + src.remaining()}
     *     is at most the segment's length in bytes
     * @throws IOException if the write failed; the request then fails
     */
    void write(ByteBuffer src, long offset) throws IOException;

    /**
     * Writes out what the target itself holds (buffers, metadata) so that its acknowledged writes
     * can be made durable. The table then flushes each lower device once, after every target's
     * flush; a target whose writes go straight to its lower devices has nothing to do here.
     * Called for a client's flush (fsync), alongside other I/O; and at a suspend with flush
     * (also the one before a table swap), after the device's I/O has drained. It may be called
     * several times in a row.
     *
     * @throws IOException if something could not be written out; the table still flushes the
     *     other targets and the devices, then throws the first failure
     */
    void flush() throws IOException;

    /**
     * Tells the target that the range's contents are no longer needed (dm's discard, a client's
     * fallocate punch-hole). What the range reads afterwards is up to the target; a target that
     * maps onto a device typically passes the discard down, and one with nothing to free does
     * nothing.
     *
     * @param offset byte offset from the start of the segment
     * @param length length in bytes, at least 1; {@code offset + length} is at most the segment's
     *     length in bytes
     * @throws IOException if the discard failed
     */
    void discard(long offset, long length) throws IOException;

    /**
     * The devices under this target, for dependency tracking and flushes: every lower device it
     * uses (those its factory took with {@link TargetArgs#nextDevice}), each once. Read once,
     * when the {@link Table} is built, so it must be complete when the factory returns. The
     * target does not close these devices: the table releases them.
     *
     * @return the lower devices, in table order; empty for a target on no device
     */
    List<BlockDevice> devices();

    /**
     * The devices the table flushes for this target after {@link #flush()}: all of them, unless
     * the target flushes some itself (a mirror flushes its healthy legs, and only then records
     * its log as clean). Read once, when the {@link Table} is built.
     *
     * @return a subset of {@link #devices()}; by default all of them
     */
    default List<BlockDevice> flushedByTable() {
        return devices();
    }

    /**
     * Answers {@code dmsetup message}; returns the reply text (often empty). Called for the
     * segment of the live table that holds the message's sector, under the device's control lock
     * (so never during a suspend, resume or close of the device), while I/O may run.
     *
     * @param args the message's words, at least one; the first is usually a verb
     * @return the reply, printed by dmsetup; empty for none
     * @throws MapperException if the message is refused, normally with
     *     {@link MapperException.Reason#INVALID} and a message that names the bad word; the
     *     target should then have changed nothing. By default every message is refused this way
     */
    default String message(List<String> args) throws MapperException {
        throw new MapperException(MapperException.Reason.INVALID, type() + ": accepts no messages");
    }

    /**
     * The device is being suspended: stop issuing I/O of the target's own (resync, merge) before
     * the device's I/O drains. Paired with {@link #resume()}. Where that waits (the target's own
     * I/O may wait at a suspended lower device), it gives up when the caller does (see {@link
     * Interrupts}) and returns false with its work going on; the device then calls {@link
     * #resume()}. Client I/O may still arrive during and after this call, until the device's gate
     * is closed; a target that delays I/O should let it go now. Also called before a device is
     * removed.
     *
     * @return true once the target's own I/O has stopped; false if the caller gave up first. By
     *     default true at once
     */
    default boolean presuspend() {
        return true;
    }

    /**
     * The table is live and the device lets I/O through: start or restart the target's own work.
     * Called when a device is created, and at every resume of the table (including the one that
     * swaps it in). Never called on a table that is only loaded. After a create or a suspend, no
     * I/O reaches the target until this returns. It may also come with no {@link #presuspend()}
     * before it (a resume of a device that was not suspended), while I/O runs, so a call on a
     * running target must do no harm. By default nothing.
     */
    default void resume() {}

    /**
     * Releases what the target holds beyond its lower devices (threads, buffers). Called when its
     * table is closed, after the last I/O, possibly without a {@link #resume()} before it. No I/O
     * or lifecycle call reaches the target afterwards, though a report that took the table just
     * before may still ask for {@link #params()} or {@link #status()}. Should not throw; by
     * default nothing.
     */
    default void close() {}
}
