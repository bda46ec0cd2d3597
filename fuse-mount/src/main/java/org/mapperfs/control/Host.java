package org.mapperfs.control;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mapperfs.core.Mapper;

/**
 * What the control commands need of the daemon that runs them: its version, where it serves,
 * where it keeps the tables, and which loop devices hold a device file. The commands know
 * nothing else of the daemon.
 */
public interface Host {
    String version();

    /** The mount: device files are {@code mountPoint/NAME}. */
    Path mountPoint();

    /** The state folder. */
    Path stateDir();

    /** Saves every device's live table, so that the next start restores them. */
    void saveTables(Mapper mapper) throws IOException;

    /** The loop devices attached to {@code file} (their /dev paths). */
    List<String> loopsAttachedTo(Path file);
}
