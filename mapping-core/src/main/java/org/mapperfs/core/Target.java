package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * One segment's mapping, as a device-mapper target. The engine has already checked bounds and
 * split requests at segment boundaries: offsets are in bytes relative to the segment's start,
 * and {@code offset + buffer.remaining() <= length}. Implementations are thread-safe.
 */
public interface Target {

    /** The target's name in tables, e.g. {@code linear}. */
    String type();

    /** The table arguments that recreate this target, in the kernel's syntax. */
    String params();

    /**
     * {@link #params()} as reports show them by default: with secrets (a crypt key) hidden, as
     * {@code dmsetup table} hides them without {@code --showkeys}.
     */
    default String maskedParams() {
        return params();
    }

    /** dm's status line (STATUSTYPE_INFO) for this segment; empty where dm prints nothing. */
    String status();

    /**
     * {@link #status()} as named fields, for machine-readable reports: values are numbers,
     * strings, booleans, lists and maps of these, in a stable order. Empty where the status line
     * is empty.
     */
    default Map<String, Object> statusFields() {
        return Map.of();
    }

    void read(ByteBuffer dst, long offset) throws IOException;

    void write(ByteBuffer src, long offset) throws IOException;

    /**
     * Writes out what the target itself holds (buffers, metadata) so that its acknowledged writes
     * can be made durable. The table then flushes each lower device once, after every target's
     * flush; a target whose writes go straight to its lower devices has nothing to do here.
     */
    void flush() throws IOException;

    void discard(long offset, long length) throws IOException;

    /** The devices under this target, for dependency tracking and flushes. */
    List<BlockDevice> devices();

    /**
     * The devices the table flushes for this target after {@link #flush()}: all of them, unless
     * the target flushes some itself (a mirror flushes its healthy legs, and only then records
     * its log as clean).
     */
    default List<BlockDevice> flushedByTable() {
        return devices();
    }

    /** Answers {@code dmsetup message}; returns the reply text (often empty). */
    default String message(List<String> args) throws MapperException {
        throw new MapperException(MapperException.Reason.INVALID, type() + ": accepts no messages");
    }

    /**
     * The device is being suspended: stop issuing I/O of the target's own (resync, merge) before
     * the device's I/O drains. Paired with {@link #resume()}. Where that waits (the target's own
     * I/O may wait at a suspended lower device), it gives up when the caller does (see {@link
     * Interrupts}) and returns false with its work going on; the device then calls {@link
     * #resume()}.
     */
    default boolean presuspend() {
        return true;
    }

    /**
     * The table is live and the device lets I/O through: start or restart the target's own work.
     * Called when a device is created, and at every resume of the table (including the one that
     * swaps it in). Never called on a table that is only loaded.
     */
    default void resume() {}

    /** Releases what the target holds beyond its lower devices (threads, buffers). */
    default void close() {}
}
