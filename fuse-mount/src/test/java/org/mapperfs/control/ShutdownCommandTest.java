package org.mapperfs.control;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.LongWaits;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.MapperException.Reason;
import org.mapperfs.testing.Disks;

/** {@code shutdown} through the control commands, as the unmount sends it. */
class ShutdownCommandTest extends CommandsTestBase {
    /** A wait holds the control file open, which would keep the unmount after shutdown waiting. */
    @Test
    void shutdownEndsTheWaitsInProgress() throws Exception {
        run("create d 0 8 zero");
        ExecutorService waiter = Executors.newSingleThreadExecutor();
        try {
            Future<String> waiting = waitOn(waiter);
            assertThat(waiting).as("no event yet").isNotDone();

            run("shutdown");

            assertThatThrownBy(() -> waiting.get(10, SECONDS)).cause().isInstanceOf(MapperException.class)
                    .hasMessage("wait d: mapperfs is shutting down");

            // The unmount after a shutdown may fail and the daemon go on: a new wait still waits.
            Future<String> later = waitOn(waiter);
            assertThat(later).as("no event yet").isNotDone();
            run("load d 0 16 zero");
            run("resume d");
            assertThat(later.get(10, SECONDS)).isEqualTo("1\n");
        } finally {
            waiter.shutdownNow();
        }
    }

    /** {@code wait d} on the waiter's thread, returned once it waits (its wait announced). */
    private Future<String> waitOn(ExecutorService waiter) throws InterruptedException {
        CountDownLatch waits = new CountDownLatch(1);
        Future<String> waiting = waiter.submit(() -> {
            LongWaits.onThisThread(waits::countDown);
            try {
                return run("wait d");
            } finally {
                LongWaits.onThisThread(null);
            }
        });
        assertThat(waits.await(10, SECONDS)).as("wait d waits").isTrue();
        return waiting;
    }

    @Test
    void shutdownIsRefusedWhileADeviceIsOpen() throws Exception {
        run("create d 0 8 zero");
        run("create e 0 8 zero");
        mapper.device("d").opened();

        MapperException e = refused("shutdown");

        assertThat(e.reason()).isEqualTo(Reason.BUSY);
        assertThat(e.getMessage()).contains("d (1)").doesNotContain("e (").contains("--force");
    }

    @Test
    void shutdownForceRepliesWithThePidWhileADeviceIsOpen() throws Exception {
        run("create d 0 8 linear " + disk + " 0");
        mapper.device("d").opened();

        assertThat(run("shutdown --force")).isEqualTo("pid " + ProcessHandle.current().pid() + "\n");
    }

    /** A write of one sector to device d, on {@code writer}. */
    private Future<?> writeToD(ExecutorService writer) {
        return writer.submit(() -> {
            Disks.write(mapper.device("d"), 0, Disks.seeded(512, 3));
            return null;
        });
    }

    @Test
    void shutdownForceFailsIoWaitingAtASuspendedDevice() throws Exception {
        run("create d 0 8 linear " + disk + " 0");
        mapper.device("d").opened();
        run("suspend d");
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiting = writeToD(writer);
            Thread.sleep(200);
            assertThat(waiting).as("waits at the suspended device").isNotDone();

            run("shutdown --force");

            assertThatThrownBy(() -> waiting.get(10, SECONDS)).cause().isInstanceOf(IOException.class)
                    .hasMessage("device d: mapperfs is shutting down (forced)");
        } finally {
            writer.shutdownNow();
        }
    }

    @Test
    void aPlainShutdownLeavesIoWaitingAtASuspendedDeviceWaiting() throws Exception {
        run("create d 0 8 linear " + disk + " 0");
        run("suspend d");
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiting = writeToD(writer);
            Thread.sleep(200);

            run("shutdown");

            Thread.sleep(200);
            assertThat(waiting).as("the unmount may still fail; the device is only suspended").isNotDone();
            run("resume d");
            waiting.get(10, SECONDS);
        } finally {
            writer.shutdownNow();
        }
    }

    @Test
    void shutdownWithoutOpenDevicesRepliesWithThePid() throws Exception {
        run("create d 0 8 linear " + disk + " 0");

        assertThat(run("shutdown")).isEqualTo("pid " + ProcessHandle.current().pid() + "\n");
    }

    @Test
    void shutdownDoesNotHangOnASuspendedDeviceOrOneAboveIt() throws Exception {
        run("create lower 0 16 linear " + disk + " 0");
        run("create upper 0 8 linear lower 0");
        run("suspend lower");

        String reply = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run("shutdown"));

        assertThat(reply).startsWith("pid ");
    }
}
