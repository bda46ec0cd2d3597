package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A suspend waits only for its own device's I/O in flight, as device-mapper's does: it never
 * waits for a suspended lower device to resume, and where its I/O in flight waits there, its
 * caller can give up (FUSE_INTERRUPT through {@link Interrupts}, or a Java interrupt) and the
 * device stays as it was. A forced shutdown ends such waits with an error ({@link Mapper#abandonIo}).
 */
class SuspendGiveUpTest {
    private static final int S = 512;
    /** Long enough for a thread that is not blocked to finish; a blocked one never does. */
    private static final long SETTLE_MILLIS = 150;

    @TempDir
    Path dir;
    Mapper mapper;
    Path a;
    final ExecutorService pool = TestThreads.pool();

    @BeforeEach
    void setUp() throws IOException, MapperException {
        mapper = Mapper.standalone();
        a = TestFiles.noiseSectors(dir, "a.img", 64, 1).toRealPath();
        mapper.create("low", "0 64 linear " + a + " 0\n", dir);
        mapper.create("up", "0 32 linear low 16\n", dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), mapper::close);
        } finally {
            TestThreads.shutdown(pool);
        }
    }

    @Test
    void suspendingAboveASuspendedDeviceWithNothingInFlightReturnsAtOnce() throws Exception {
        mapper.suspend("low", true);

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> mapper.suspend("up", true));

        assertThat(mapper.device("up").isSuspended()).isTrue();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> mapper.resume("up"));
        mapper.resume("low");
    }

    @Test
    void aSuspendWaitingForIoAtASuspendedLowerDeviceEndsWhenItsCallerGivesUp() throws Exception {
        MappedDevice up = mapper.device("up");
        mapper.suspend("low", false);
        Future<?> write = inFlightWrite(up);
        AtomicBoolean givenUp = new AtomicBoolean();
        Future<?> suspend = givenUpWhen(givenUp, () -> mapper.suspend("up", true));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(suspend).as("waits for the write in flight").isNotDone();

        givenUp.set(true);

        assertInterrupted(suspend, "suspend up: interrupted while waiting for its I/O in flight; it is still active");
        assertThat(up.isSuspended()).isFalse();
        mapper.resume("low");
        write.get(5, TimeUnit.SECONDS);
        assertThat(slice(bytes(a), 16 * S, S)).isEqualTo(seeded(S, 6));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> read(up, 0, S));
    }

    @Test
    void aJavaInterruptEndsTheWaitToo() throws Exception {
        mapper.suspend("low", false);
        Future<?> write = inFlightWrite(mapper.device("up"));
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Future<?> suspend = pool.submit(() -> {
            try {
                mapper.suspend("up", true);
                ended.complete(null);
            } catch (Throwable t) {
                ended.complete(t);
            }
        });
        Thread.sleep(SETTLE_MILLIS);
        assertThat(ended).as("waits for the write in flight").isNotDone();

        suspend.cancel(true); // interrupts the thread

        // Ended while low is still suspended and the write still waits there: not by the drain.
        assertThat(ended.get(2, TimeUnit.SECONDS)).isInstanceOf(MapperException.class)
                .hasMessage("suspend up: interrupted while waiting for its I/O in flight; it is still active");
        assertThat(mapper.device("up").isSuspended()).isFalse();
        assertThat(write).isNotDone();
        mapper.resume("low");
        write.get(5, TimeUnit.SECONDS);
        assertThat(mapper.device("up").isSuspended()).isFalse();
    }

    @Test
    void aResumeThatMustSuspendFirstAndIsGivenUpKeepsTheOldTableLive() throws Exception {
        MappedDevice up = mapper.device("up");
        mapper.load("up", "0 32 zero\n", dir);
        mapper.suspend("low", false);
        Future<?> write = inFlightWrite(up);
        AtomicBoolean givenUp = new AtomicBoolean();
        Future<?> resume = givenUpWhen(givenUp, () -> mapper.resume("up"));
        Thread.sleep(SETTLE_MILLIS);

        givenUp.set(true);

        assertInterrupted(resume, "resume up: interrupted while waiting for its I/O in flight; the old table is"
                + " still live");
        assertThat(up.liveTable().segments().get(0).target().type()).isEqualTo("linear");
        assertThat(up.inactiveTable()).isPresent();
        mapper.resume("low");
        write.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aForcedRemoveWaitingForItsIoInFlightHoldsNoOtherCommandAndCanBeGivenUp() throws Exception {
        MappedDevice up = mapper.device("up");
        assertThat(up.opened()).isTrue();
        mapper.suspend("low", false);
        Future<?> write = inFlightWrite(up);
        AtomicBoolean givenUp = new AtomicBoolean();
        Future<?> remove = givenUpWhen(givenUp, () -> mapper.remove("up", true));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(remove).as("waits for the write in flight").isNotDone();

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> mapper.create("other", "0 8 zero\n", dir));
        givenUp.set(true);

        assertInterrupted(remove, "remove up: interrupted while waiting for its I/O in flight; it is still there");
        assertThat(mapper.device("up")).isSameAs(up);
        assertThat(up.isSuspended()).isFalse();
        mapper.resume("low");
        write.get(5, TimeUnit.SECONDS);
        up.closed();
        mapper.remove("up", false);
        assertThat(mapper.list()).extracting(MappedDevice::name).containsExactly("low", "other");
    }

    @Test
    void abandonedIoFailsWhereItWaitedAndNewIoFailsAtOnce() throws Exception {
        MappedDevice low = mapper.device("low");
        mapper.suspend("low", false);
        Future<?> waiting = pool.submit(() -> {
            write(low, 0, seeded(S, 7));
            return null;
        });
        Thread.sleep(SETTLE_MILLIS);
        assertThat(waiting).isNotDone();
        byte[] before = bytes(a);

        assertTimeoutPreemptively(Duration.ofSeconds(5), mapper::abandonIo);

        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
                .cause().hasMessage("device low: mapperfs is shutting down (forced)");
        assertThatThrownBy(() -> read(mapper.device("up"), 0, S)).isInstanceOf(IOException.class);
        assertThat(bytes(a)).as("the waiting write never landed").isEqualTo(before);
    }

    @Test
    void aSuspendWaitingForAMirrorResyncThatWaitsAtASuspendedLegCanBeGivenUp() throws Exception {
        Path p = TestFiles.noiseSectors(dir, "p.img", 64, 2).toRealPath();
        Path q = TestFiles.noiseSectors(dir, "q.img", 64, 3).toRealPath();
        mapper.create("leg", "0 64 linear " + q + " 0\n", dir);
        mapper.suspend("leg", false);
        mapper.create("m", "0 64 mirror core 1 16 2 " + p + " 0 leg 0\n", dir);
        awaitInFlight("leg"); // the resync's first region waits at leg's gate
        AtomicBoolean givenUp = new AtomicBoolean();
        Future<?> suspend = givenUpWhen(givenUp, () -> mapper.suspend("m", true));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(suspend).as("waits for the resync to stop").isNotDone();

        givenUp.set(true);

        assertInterrupted(suspend, "suspend m: interrupted while waiting for its I/O in flight; it is still active");
        assertThat(mapper.device("m").isSuspended()).isFalse();
        mapper.resume("leg");
        awaitStatus("m", " 4/4 1 AA ");
        assertThat(bytes(q)).as("the resync went on to the end").isEqualTo(bytes(p));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> mapper.suspend("m", true));
        mapper.resume("m");
    }

    @Test
    void aSuspendWaitingForASnapshotMergeThatWaitsAtASuspendedOriginCanBeGivenUp() throws Exception {
        Path cow = java.nio.file.Files.write(dir.resolve("cow.img"), new byte[64 * S]).toRealPath();
        MappedDevice snap = mapper.create("snap", "0 64 snapshot low " + cow + " P 8\n", dir);
        write(snap, 8 * S, seeded(4 * S, 9));
        byte[] model = bytes(a);
        System.arraycopy(seeded(4 * S, 9), 0, model, 8 * S, 4 * S);
        mapper.remove("up", false); // a merge needs the origin to itself: no other user of low
        mapper.remove("snap", false);
        mapper.suspend("low", false);
        mapper.create("merge", "0 64 snapshot-merge low " + cow + " P 8\n", dir);
        awaitInFlight("low"); // the merge's first step waits at low's gate
        AtomicBoolean givenUp = new AtomicBoolean();
        Future<?> suspend = givenUpWhen(givenUp, () -> mapper.suspend("merge", true));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(suspend).as("waits for the merge to stop").isNotDone();

        givenUp.set(true);

        assertInterrupted(suspend,
                "suspend merge: interrupted while waiting for its I/O in flight; it is still active");
        assertThat(mapper.device("merge").isSuspended()).isFalse();
        mapper.resume("low");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!java.util.Arrays.equals(bytes(a), model)) {
            assertThat(System.nanoTime()).as("the merge went on to the end").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> mapper.suspend("merge", true));
        mapper.resume("merge");
    }

    private void awaitStatus(String name, String contains) throws InterruptedException, MapperException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!mapper.device(name).liveTable().statusText().contains(contains)) {
            assertThat(System.nanoTime()).as(mapper.device(name).liveTable().statusText()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Runs {@code call} on a pool thread whose request counts as given up once {@code givenUp} is set. */
    private Future<?> givenUpWhen(AtomicBoolean givenUp, ThrowingRunnable call) {
        return pool.submit(() -> {
            Interrupts.onThisThread(givenUp::get);
            try {
                call.run();
            } finally {
                Interrupts.onThisThread(null);
            }
            return null;
        });
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Waits until I/O to the device has begun (its gate counts it before it waits). */
    private void awaitInFlight(String name) throws MapperException {
        MappedDevice device = mapper.device(name);
        TestThreads.await("I/O in flight to " + name, () -> device.stats().inFlight() > 0);
    }

    /** A write to {@code up} that has passed up's gate and waits at low's (which announces it). */
    private Future<?> inFlightWrite(MappedDevice up) throws InterruptedException {
        CountDownLatch atLow = new CountDownLatch(1);
        Future<?> write = pool.submit(() -> {
            LongWaits.onThisThread(atLow::countDown);
            try {
                write(up, 0, seeded(S, 6));
            } finally {
                LongWaits.onThisThread(null);
            }
            return null;
        });
        assertThat(atLow.await(10, TimeUnit.SECONDS)).as("the write waits at low's gate").isTrue();
        assertThat(write).isNotDone();
        return write;
    }

    private static void assertInterrupted(Future<?> call, String message) {
        assertThatThrownBy(() -> call.get(2, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(MapperException.class).hasMessage(message)
                .satisfies(e -> assertThat(((MapperException) e).reason())
                        .isEqualTo(MapperException.Reason.INTERRUPTED));
    }
}
