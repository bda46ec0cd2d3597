package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.control.ControlCommands;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.VectorIo;
import org.mapperfs.daemon.Daemon;
import org.mapperfs.daemon.StateStore;

/**
 * The write path stays shallow, as the README's Layout section draws it: the file system hands
 * a device file's write to the device, the device to its table, the table to the target, and
 * the target straight to its lower device (the backing file, in a plain table).
 */
class WritePathTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path dir;

    /** A lower device's target that keeps the call stack of the write that reaches it. */
    private static final class StackProbe implements Target {
        final AtomicReference<StackTraceElement[]> seen;

        StackProbe(AtomicReference<StackTraceElement[]> seen) {
            this.seen = seen;
        }

        @Override
        public String type() {
            return "probe";
        }

        @Override
        public String params() {
            return "";
        }

        @Override
        public String status() {
            return "";
        }

        @Override
        public void read(ByteBuffer dst, long offset) {
            dst.position(dst.limit());
        }

        @Override
        public void write(ByteBuffer src, long offset) {
            seen.set(Thread.currentThread().getStackTrace());
            src.position(src.limit());
        }

        @Override
        public void flush() {}

        @Override
        public void discard(long offset, long length) {}

        @Override
        public List<BlockDevice> devices() {
            return List.of();
        }
    }

    @Test
    void aDeviceFileWriteReachesTheTargetsLowerDeviceInFourHandOffsFromTheFileSystem() throws Exception {
        AtomicReference<StackTraceElement[]> seen = new AtomicReference<>();
        TargetRegistry registry = TargetRegistry.standard().with("probe", args -> {
            args.expectEnd("probe");
            return new StackProbe(seen);
        });
        try (Mapper mapper = new Mapper(registry, HolePuncher.NONE, VectorIo.NONE, Optional.empty())) {
            mapper.create("low", "0 8 probe", dir);
            mapper.create("vol", "0 8 linear low 0", dir);
            Path stateDir = dir.resolve("state");
            ControlCommands commands = new ControlCommands(mapper,
                    new Daemon.Info(dir.resolve("mnt"), new StateStore(stateDir)));
            MapperFs fs = new MapperFs(mapper, commands, new MapperFs.Options(0, 0, 0600, true));

            long fh = fs.open(fs.resolve("/vol"), O_RDWR, 0).fh();
            fs.write(fh, ByteBuffer.allocate(512), 0, 0, 1);

            // The lower device here is another mapped device, so that the test sees where the
            // target's call lands; over a file, the same call is FileDevice.write.
            assertThat(handOffsFrom("org.mapperfs.fs.MapperFs", "write", seen.get())).startsWith(
                    "org.mapperfs.fs.MapperFs",
                    "org.mapperfs.core.MappedDevice",
                    "org.mapperfs.core.Table",
                    "org.mapperfs.core.targets.LinearTarget",
                    "org.mapperfs.core.MappedDevice");
        }
    }

    /**
     * The classes that handed the call on, outermost first, from {@code topClass.topMethod} down
     * to the innermost frame; a class's calls to its own helpers count once.
     */
    private static List<String> handOffsFrom(String topClass, String topMethod, StackTraceElement[] stack) {
        List<String> classes = new ArrayList<>();
        for (StackTraceElement frame : stack) {
            if (classes.isEmpty() || !classes.get(0).equals(frame.getClassName())) {
                classes.add(0, frame.getClassName());
            }
            if (frame.getClassName().equals(topClass) && frame.getMethodName().equals(topMethod)) {
                return classes;
            }
        }
        throw new AssertionError(topClass + "." + topMethod + " is not on the stack");
    }
}
