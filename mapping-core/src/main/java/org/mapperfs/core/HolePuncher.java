package org.mapperfs.core;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Frees a range of a backing file so that it reads back as zeros (Linux
 * {@code fallocate(PUNCH_HOLE | KEEP_SIZE)}). Plain Java cannot punch holes, so the engine
 * takes this from its host; without one, discards write zeros instead, which is correct but
 * allocates the range.
 */
public interface HolePuncher {

    /** Returns false where the file system cannot punch holes; the caller then writes zeros. */
    boolean punchHole(Path file, long offset, long length) throws IOException;

    HolePuncher NONE = (file, offset, length) -> false;
}
