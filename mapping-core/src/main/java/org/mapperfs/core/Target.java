package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

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

    /** dm's status line (STATUSTYPE_INFO) for this segment; empty where dm prints nothing. */
    String status();

    void read(ByteBuffer dst, long offset) throws IOException;

    void write(ByteBuffer src, long offset) throws IOException;

    void flush() throws IOException;

    void discard(long offset, long length) throws IOException;

    /** The devices under this target, for dependency tracking and flushes. */
    List<BlockDevice> devices();

    /** Answers {@code dmsetup message}; returns the reply text (often empty). */
    default String message(List<String> args) throws MapperException {
        throw new MapperException(MapperException.Reason.INVALID, type() + ": accepts no messages");
    }

    /** Releases what the target holds beyond its lower devices (threads, buffers). */
    default void close() {}
}
