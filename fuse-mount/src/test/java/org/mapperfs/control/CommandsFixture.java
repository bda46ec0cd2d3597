package org.mapperfs.control;

import java.io.IOException;
import java.nio.file.Path;
import org.mapperfs.core.Mapper;
import org.mapperfs.daemon.Daemon;
import org.mapperfs.daemon.StateStore;
import org.mapperfs.testing.Disks;

/**
 * What the control file's tests stand on: a standalone mapper, the control commands over it as
 * the daemon builds them (state kept in {@code stateDir}, the mount at {@code dir/mnt}), and a
 * 64-sector backing file {@code dir/disk.img}.
 */
public final class CommandsFixture implements AutoCloseable {
    public final Mapper mapper = Mapper.standalone();
    public final ControlCommands commands;
    public final Path disk;

    public CommandsFixture(Path dir, Path stateDir) throws IOException {
        commands = new ControlCommands(mapper, new Daemon.Info(dir.resolve("mnt"), new StateStore(stateDir)));
        disk = Disks.file(dir, "disk.img", 64);
    }

    @Override
    public void close() {
        mapper.close();
    }
}
