package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Control commands against each other and against I/O, in the orders that used to go wrong. */
class MapperRaceTest {
    @TempDir
    Path dir;

    private final ExecutorService pool = TestThreads.pool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        TestThreads.shutdown(pool);
    }

    /**
     * A write to a device stacked on a suspended one waits at the lower gate. Closing the mapper
     * (the daemon's shutdown) closes the upper device first, which waits for that write: the
     * lower device has to be let go first, or shutdown never ends.
     */
    @Test
    void closeLetsGoOfIoWaitingOnASuspendedLowerDevice() throws Exception {
        TestFiles.noiseSectors(dir, "a.img", 64, 1);
        Mapper mapper = Mapper.standalone();
        mapper.create("lower", "0 64 linear a.img 0", dir);
        MappedDevice upper = mapper.create("upper", "0 64 linear lower 0", dir);
        mapper.suspend("lower", false);
        byte[] data = TestFiles.seeded(512, 7);
        AtomicReference<Thread> writerThread = new AtomicReference<>();
        Future<?> writer = pool.submit(() -> {
            writerThread.set(Thread.currentThread());
            TestFiles.write(upper, 0, data);
            return null;
        });
        awaitParked(writer, writerThread, Thread.State.WAITING);

        Future<?> close = pool.submit(() -> {
            mapper.close();
            return null;
        });

        close.get(10, TimeUnit.SECONDS);
        writer.get(10, TimeUnit.SECONDS);
        assertThat(TestFiles.slice(TestFiles.bytes(dir.resolve("a.img")), 0, 512)).isEqualTo(data);
    }

    /**
     * A command looks the device up, then waits for its control lock; a forced remove gets
     * there first. The command must then fail as for any missing device: a suspend that went
     * on would close the gate of a device nobody can resume, and a stale handle's I/O would hang.
     */
    @ParameterizedTest
    @ValueSource(strings = {"suspend", "resume", "clear", "message"})
    void aCommandOnADeviceRemovedMeanwhileFindsNoDevice(String command) throws Exception {
        TestFiles.noiseSectors(dir, "a.img", 64, 1);
        try (Mapper mapper = Mapper.standalone()) {
            MappedDevice device = mapper.create("d", "0 64 linear a.img 0", dir);
            device.opened(); // a handle stays open: only a forced remove takes it
            AtomicReference<Thread> commandThread = new AtomicReference<>();
            Future<?> late;
            synchronized (device.control) {
                late = pool.submit(() -> {
                    commandThread.set(Thread.currentThread());
                    switch (command) {
                        case "suspend" -> mapper.suspend("d", false);
                        case "resume" -> mapper.resume("d");
                        case "clear" -> mapper.clear("d");
                        default -> mapper.message("d", 0, List.of("hello"));
                    }
                    return null;
                });
                awaitParked(late, commandThread, Thread.State.BLOCKED);
                mapper.remove("d", true); // this thread holds the lock already
            }

            assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(MapperException.class)
                    .hasMessage("no device named 'd'");
            Future<?> staleRead = pool.submit(() -> {
                device.read(ByteBuffer.allocate(512), 0);
                return null;
            });
            assertThatThrownBy(() -> staleRead.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("has been removed");
        }
    }

    /**
     * An open counts only while the device is not removed, and a remove counts the opens: no open
     * can slip in between a remove's check that nothing is open and the device's end (it would
     * succeed on a device that is gone, and every read and write through it fail).
     */
    @Test
    void anOpenAfterARemoveIsRefusedAndARemoveAfterAnOpenIsToo() throws Exception {
        TestFiles.noiseSectors(dir, "a.img", 64, 1);
        try (Mapper mapper = Mapper.standalone()) {
            MappedDevice kept = mapper.create("kept", "0 64 linear a.img 0", dir);
            MappedDevice gone = mapper.create("gone", "0 64 linear a.img 0", dir);

            assertThat(kept.opened()).isTrue();
            assertThatThrownBy(() -> mapper.remove("kept", false)).isInstanceOf(MapperException.class)
                    .hasMessageContaining("is open (1 handle(s))");
            mapper.remove("gone", false);

            assertThat(gone.opened()).isFalse();
            assertThat(gone.openCount()).isZero();
        }
    }

    /**
     * The new table is resumed before I/O reaches it (a mirror marks its log in use there), and
     * the old one closed before: I/O that waited at the gate while the old table was closing is
     * served by a resumed table.
     */
    @Test
    void resumeStartsTheNewTableBeforeLettingIoThrough() throws Exception {
        CountDownLatch oldClosing = new CountDownLatch(1);
        CountDownLatch finishClose = new CountDownLatch(1);
        AtomicBoolean servedBeforeResume = new AtomicBoolean();
        TargetFactory probe = args -> new HoldingProbe(args.next("name"), oldClosing, finishClose, servedBeforeResume);
        try (Mapper mapper = new Mapper(TargetRegistry.standard().with("probe", probe), HolePuncher.NONE,
                VectorIo.NONE, Optional.empty())) {
            MappedDevice device = mapper.create("d", "0 8 probe old", dir);
            mapper.load("d", "0 8 probe new", dir);
            Future<?> resume = pool.submit(() -> {
                mapper.resume("d");
                return null;
            });
            assertThat(oldClosing.await(10, TimeUnit.SECONDS)).isTrue();
            AtomicReference<Thread> readerThread = new AtomicReference<>();
            Future<?> read = pool.submit(() -> {
                readerThread.set(Thread.currentThread());
                device.read(ByteBuffer.allocate(512), 0);
                return null;
            });
            awaitParked(read, readerThread, Thread.State.WAITING, Thread.State.BLOCKED);

            finishClose.countDown();
            resume.get(10, TimeUnit.SECONDS);
            read.get(10, TimeUnit.SECONDS);

            assertThat(servedBeforeResume).as("a read reached the new table before its resume").isFalse();
        }
    }

    /**
     * Waits until the thread of {@code task} is in one of {@code states} (BLOCKED: at a monitor;
     * WAITING: at a gate or a condition); fails if the task ends first or never gets there, which
     * would leave the race untested.
     */
    private static void awaitParked(Future<?> task, AtomicReference<Thread> thread, Thread.State... states) {
        TestThreads.await("the task's thread parks", () -> {
            assertThat(task).as("the task waits, not ends").isNotDone();
            Thread t = thread.get();
            return t != null && List.of(states).contains(t.getState());
        });
    }

    /** Serves nothing; the old one holds its close until told, the new one notes I/O before its resume. */
    private static final class HoldingProbe extends ProbeTarget {
        private final CountDownLatch closing;
        private final CountDownLatch finishClose;
        private final AtomicBoolean servedBeforeResume;
        private volatile boolean resumed;

        HoldingProbe(String tag, CountDownLatch closing, CountDownLatch finishClose, AtomicBoolean servedBeforeResume) {
            super(tag);
            this.closing = closing;
            this.finishClose = finishClose;
            this.servedBeforeResume = servedBeforeResume;
        }

        @Override
        public void read(ByteBuffer dst, long offset) {
            if (!resumed) {
                servedBeforeResume.set(true);
            }
            super.read(dst, offset);
        }

        @Override
        public void resume() {
            resumed = true;
        }

        @Override
        public void close() {
            if (tag.equals("old")) {
                closing.countDown();
                try {
                    finishClose.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
