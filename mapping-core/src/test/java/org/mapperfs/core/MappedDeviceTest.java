package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One device's data path and control, over in-memory lower devices that can block mid-I/O. */
class MappedDeviceTest {
    private static final int S = 512;
    private static final long SETTLE_MILLIS = 150;

    private final MemoryDevice lower = new MemoryDevice("lower", 64 * S);
    private final MemoryDevice other = new MemoryDevice("other", 64 * S);
    private final ExecutorService pool = TestThreads.pool();
    private final AtomicInteger released = new AtomicInteger();

    @AfterEach
    void tearDown() throws InterruptedException {
        TestThreads.shutdown(pool);
    }

    private Table table(String text) throws TableException {
        return Table.build(text, TargetRegistry.standard(), arg -> arg.equals("lower") ? lower : other,
                released::incrementAndGet);
    }

    private MappedDevice device(String text) throws TableException {
        return new MappedDevice("dev", "", table(text));
    }

    @Test
    void suspendWaitsForIoInFlightToDrain() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = lower.blockIo(inside);
        Future<?> write = pool.submit(() -> {
            write(device, 0, seeded(S, 1));
            return null;
        });
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        Future<?> suspending = pool.submit(() -> {
            device.suspend(true);
            return null;
        });
        Thread.sleep(SETTLE_MILLIS);
        assertThat(suspending).isNotDone();

        release.countDown();
        write.get(5, TimeUnit.SECONDS);
        suspending.get(5, TimeUnit.SECONDS);
        assertThat(device.isSuspended()).isTrue();
        assertThat(slice(lower.data(), 0, S)).isEqualTo(seeded(S, 1));
        assertThat(lower.flushes()).as("suspend flushes after the drain").isEqualTo(1);
    }

    @Test
    void ioOnASuspendedDeviceWaitsAndCompletesAfterResume() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        device.suspend(false);

        Future<?> write = pool.submit(() -> {
            write(device, 100, seeded(1000, 2));
            return null;
        });
        Future<byte[]> read = pool.submit(() -> read(device, 0, 16 * S));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(write).isNotDone();
        assertThat(read).isNotDone();
        assertThat(lower.flushes()).as("noflush").isZero();

        device.resume();
        write.get(5, TimeUnit.SECONDS);
        read.get(5, TimeUnit.SECONDS);
        assertThat(slice(lower.data(), 100, 1000)).isEqualTo(seeded(1000, 2));
        assertThat(device.stats().errors()).isZero();
    }

    @Test
    void resumeSwapsInTheInactiveTableRaisesTheEventAndClosesTheOldTable() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        device.load(table("0 32 linear other 8\n"));
        long event = device.eventNumber();

        device.suspend(true);
        device.resume();

        assertThat(device.liveTable().text()).isEqualTo("0 32 linear other 8\n");
        assertThat(device.size()).isEqualTo(32 * S);
        assertThat(device.inactiveTable()).isEmpty();
        assertThat(device.eventNumber()).isEqualTo(event + 1);
        assertThat(released).as("the old table let go of its devices").hasValue(1);
        assertThat(device.isSuspended()).isFalse();
        write(device, 0, seeded(S, 3));
        assertThat(slice(other.data(), 8 * S, S)).isEqualTo(seeded(S, 3));
    }

    @Test
    void resumeWithoutAnInactiveTableKeepsTheLiveOneAndRaisesNoEvent() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        Table live = device.liveTable();
        device.suspend(true);

        device.resume();

        assertThat(device.liveTable()).isSameAs(live);
        assertThat(device.eventNumber()).isZero();
    }

    @Test
    void resumeWithAnInactiveTableWaitsForIoInFlightBeforeSwapping() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        device.load(table("0 16 linear other 0\n"));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = lower.blockIo(inside);
        Future<?> write = pool.submit(() -> {
            write(device, 0, seeded(S, 4));
            return null;
        });
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        Future<?> resuming = pool.submit(device::resume);
        Thread.sleep(SETTLE_MILLIS);
        assertThat(resuming).isNotDone();
        assertThat(device.liveTable().text()).isEqualTo("0 16 linear lower 0\n");

        release.countDown();
        write.get(5, TimeUnit.SECONDS);
        resuming.get(5, TimeUnit.SECONDS);
        assertThat(device.liveTable().text()).isEqualTo("0 16 linear other 0\n");
        assertThat(slice(lower.data(), 0, S)).isEqualTo(seeded(S, 4));
    }

    @Test
    void loadKeepsTheLiveTableAndReplacingOrClearingClosesTheInactiveOne() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");

        device.load(table("0 8 zero\n"));
        assertThat(device.liveTable().text()).isEqualTo("0 16 linear lower 0\n");
        assertThat(device.inactiveTable()).map(Table::text).contains("0 8 zero\n");

        device.load(table("0 8 error\n"));
        assertThat(released).as("the replaced inactive table").hasValue(1);
        assertThat(device.inactiveTable()).map(Table::text).contains("0 8 error\n");

        assertThat(device.clear()).isTrue();
        assertThat(released).hasValue(2);
        assertThat(device.inactiveTable()).isEmpty();
        assertThat(device.clear()).isFalse();
        assertThat(device.liveTable().text()).isEqualTo("0 16 linear lower 0\n");
    }

    @Test
    void destroyFailsIoWaitingAtTheGate() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        device.suspend(false);
        Future<byte[]> waiting = pool.submit(() -> read(device, 0, S));
        Thread.sleep(SETTLE_MILLIS);

        device.destroy();

        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("device dev has been removed");
        assertThat(released).hasValue(1);
    }

    @Test
    void ioAfterDestroyFailsInsteadOfWaitingForever() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        device.destroy();

        Future<byte[]> late = pool.submit(() -> read(device, 0, S));
        Future<?> flush = pool.submit(() -> {
            device.flush();
            return null;
        });

        assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("has been removed");
        assertThatThrownBy(() -> flush.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void outOfRangeIoFailsChangesNothingAndCountsAnError() throws Exception {
        MappedDevice device = device("0 8 linear lower 0\n8 8 linear other 0\n");
        byte[] before = lower.data().clone();

        assertThatThrownBy(() -> write(device, 16 * S - 1, new byte[2])).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read(device, 16 * S, 1)).isInstanceOf(IOException.class);

        assertThat(lower.data()).isEqualTo(before);
        assertThat(other.data()).containsOnly(0);
        IoStats.Counters c = device.stats();
        assertThat(new long[] {c.reads(), c.writes(), c.readBytes(), c.writeBytes(), c.errors()})
                .containsExactly(0, 0, 0, 0, 2);
    }

    @Test
    void aRequestWaitingAtASuspendedDeviceIsInFlightAndItsWaitCounts() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");
        device.suspend(true);
        Future<?> reader = pool.submit(() -> read(device, 0, 512));
        while (device.stats().inFlight() == 0) {
            Thread.sleep(1);
        }
        Thread.sleep(50);

        assertThat(device.stats().busyNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        device.resume();
        reader.get(5, TimeUnit.SECONDS);

        IoStats.Counters c = device.stats();
        assertThat(c.inFlight()).isZero();
        assertThat(c.reads()).isEqualTo(1);
        assertThat(c.nanos(IoStats.Kind.READ)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void statsCountCompletedIo() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");

        write(device, 0, new byte[1000]);
        read(device, 10, 20);
        device.read(ByteBuffer.allocateDirect(30), 40);
        device.flush();
        device.discard(0, 4096);

        IoStats.Counters c = device.stats();
        assertThat(new long[] {c.reads(), c.writes(), c.readBytes(), c.writeBytes(), c.errors()})
                .containsExactly(2, 1, 50, 1000, 0);
        assertThat(c.sectors(IoStats.Kind.WRITE)).isEqualTo(1); // 1000 bytes: one whole sector
        assertThat(c.ops(IoStats.Kind.FLUSH)).isEqualTo(1);
        assertThat(c.ops(IoStats.Kind.DISCARD)).isEqualTo(1);
        assertThat(c.sectors(IoStats.Kind.DISCARD)).isEqualTo(8);
        assertThat(c.inFlight()).isZero();
        assertThat(c.nanos(IoStats.Kind.READ)).isPositive();
        assertThat(c.busyNanos()).isPositive().isLessThanOrEqualTo(c.queueNanos());
    }

    @Test
    void awaitEventReturnsTheNewNumberAfterAnEventAndMinusOneOnTimeout() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");

        assertThat(device.awaitEvent(0, 50)).isEqualTo(-1);
        Future<Long> waiter = pool.submit(() -> device.awaitEvent(0, 10_000));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(waiter).isNotDone();

        device.raiseEvent();

        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(device.awaitEvent(0, 0)).as("already past").isEqualTo(1);
    }

    @Test
    void awaitEventWithAnEndlessTimeoutWaitsForTheEvent() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");

        Future<Long> waiter = pool.submit(() -> device.awaitEvent(0, Long.MAX_VALUE));
        Thread.sleep(SETTLE_MILLIS);
        assertThat(waiter).isNotDone();

        device.raiseEvent();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void openCountFollowsOpensAndCloses() throws Exception {
        MappedDevice device = device("0 16 linear lower 0\n");

        device.opened();
        device.opened();
        device.closed();

        assertThat(device.openCount()).isEqualTo(1);
    }
}
