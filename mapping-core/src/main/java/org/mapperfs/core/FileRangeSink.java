package org.mapperfs.core;

import java.io.IOException;

/**
 * Takes the bytes of a read as a range of an open file, where they lie in one, so that a host
 * can move them on without copying them through its own memory (splice(2) from the backing
 * file's page cache). See {@link BlockDevice#readRange}.
 */
public interface FileRangeSink {

    /**
     * Takes {@code length} bytes of the file open as descriptor {@code fd}, from {@code position}.
     * Called at most once per {@link BlockDevice#readRange}, while the device's read is in
     * progress (the descriptor stays open until it returns).
     *
     * @throws IOException if the bytes could not be taken; the read then fails
     */
    void take(int fd, long position, int length) throws IOException;
}
