package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IoGateTest {
    /** Long enough for a thread that is not blocked to finish; a blocked one never does. */
    private static final Duration SETTLE = Duration.ofMillis(150);

    private final IoGate gate = new IoGate();
    private final ExecutorService pool = TestThreads.pool();

    @AfterEach
    void tearDown() throws InterruptedException {
        TestThreads.shutdown(pool);
    }

    @Test
    void openGateLetsManyThreadsInAtOnce() throws Exception {
        CountDownLatch allInside = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            pool.submit(() -> {
                gate.enter();
                try {
                    allInside.countDown();
                    allInside.await();
                } finally {
                    gate.exit();
                }
                return null;
            });
        }

        assertThat(allInside.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void closeWaitsUntilIoInFlightHasLeft() throws Exception {
        gate.enter();

        Future<?> closing = pool.submit(gate::close);
        Thread.sleep(SETTLE.toMillis());
        assertThat(closing).isNotDone();

        gate.exit();
        closing.get(5, TimeUnit.SECONDS);
        assertThat(gate.isClosed()).isTrue();
    }

    @Test
    void closedGateMakesNewIoWaitNotFailUntilOpened() throws Exception {
        gate.close();
        AtomicInteger passed = new AtomicInteger();

        Future<?> io = pool.submit(() -> {
            gate.enter();
            passed.incrementAndGet();
            gate.exit();
        });
        Thread.sleep(SETTLE.toMillis());
        assertThat(io).isNotDone();
        assertThat(passed).hasValue(0);

        gate.open();
        io.get(5, TimeUnit.SECONDS);
        assertThat(passed).hasValue(1);
    }

    @Test
    void ioArrivingWhileCloseWaitsForDrainAlsoWaits() throws Exception {
        gate.enter();
        Future<?> closing = pool.submit(gate::close);
        awaitClosing();

        Future<?> late = pool.submit(() -> {
            gate.enter();
            gate.exit();
        });
        Thread.sleep(SETTLE.toMillis());
        assertThat(late).isNotDone();

        gate.exit();
        closing.get(5, TimeUnit.SECONDS);
        assertThat(late).isNotDone();
        gate.open();
        late.get(5, TimeUnit.SECONDS);
    }

    @Test
    void closeCompletesUnderASteadyStreamOfOverlappingIo() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger inside = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            workers.add(pool.submit(() -> {
                started.countDown();
                while (!stop.get()) {
                    gate.enter();
                    try {
                        inside.incrementAndGet();
                        Thread.sleep(2);
                    } finally {
                        inside.decrementAndGet();
                        gate.exit();
                    }
                }
                return null;
            }));
        }
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(20);

        pool.submit(gate::close).get(5, TimeUnit.SECONDS);

        assertThat(inside).as("nobody inside a closed gate").hasValue(0);
        stop.set(true);
        gate.open();
        for (Future<?> worker : workers) {
            worker.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anotherThreadMayOpenWhatOneThreadClosed() throws Exception {
        pool.submit(gate::close).get(5, TimeUnit.SECONDS);

        pool.submit(gate::open).get(5, TimeUnit.SECONDS);

        assertThat(gate.isClosed()).isFalse();
        gate.enter();
        gate.exit();
    }

    @Test
    void closingAClosedGateAndOpeningAnOpenGateDoNothing() throws Exception {
        gate.open();
        assertThat(gate.isClosed()).isFalse();

        gate.close();
        pool.submit(gate::close).get(5, TimeUnit.SECONDS);
        assertThat(gate.isClosed()).isTrue();

        gate.open();
        assertThat(gate.isClosed()).isFalse();
        pool.submit(() -> {
            gate.enter();
            gate.exit();
        }).get(5, TimeUnit.SECONDS);
    }

    /** A thread pool hears before its thread waits at a closed gate, and not when it passes an open one. */
    @Test
    void waitingAtAClosedGateIsAnnouncedToTheThreadsHook() throws Exception {
        AtomicInteger announced = new AtomicInteger();
        CountDownLatch heard = new CountDownLatch(1);
        Future<?> passing = pool.submit(() -> {
            LongWaits.onThisThread(announced::incrementAndGet);
            gate.enter();
            gate.exit();
            return null;
        });
        passing.get(5, TimeUnit.SECONDS);
        assertThat(announced).hasValue(0);

        gate.close();
        Future<?> waiting = pool.submit(() -> {
            LongWaits.onThisThread(() -> {
                announced.incrementAndGet();
                heard.countDown();
            });
            gate.enter();
            gate.exit();
            return null;
        });

        assertThat(heard.await(5, TimeUnit.SECONDS)).isTrue();
        gate.open();
        waiting.get(5, TimeUnit.SECONDS);
        assertThat(announced).hasValue(1);
    }

    @Test
    void aCloseThatIsGivenUpOpensTheGateAgainAndLetsWaitingIoThrough() throws Exception {
        gate.enter();
        AtomicBoolean giveUp = new AtomicBoolean();
        Future<Boolean> closing = pool.submit(() -> gate.closeOrGiveUp(giveUp::get));
        awaitClosing();
        Future<?> waiting = passThrough();
        Thread.sleep(SETTLE.toMillis());
        assertThat(waiting).as("new I/O waits while the close drains").isNotDone();

        giveUp.set(true);

        assertThat(closing.get(5, TimeUnit.SECONDS)).isFalse();
        waiting.get(5, TimeUnit.SECONDS);
        assertThat(gate.isClosed()).isFalse();
        gate.exit();
        assertThat(pool.submit(() -> gate.closeOrGiveUp(giveUp::get)).get(5, TimeUnit.SECONDS))
                .as("with nothing in flight a close succeeds even when it may be given up").isTrue();
        assertThat(gate.isClosed()).isTrue();
    }

    @Test
    void anAbandonedGateLetsWaitingIoThroughAndNeverClosesAgain() throws Exception {
        gate.close();
        Future<?> waiting = passThrough();
        Thread.sleep(SETTLE.toMillis());
        assertThat(waiting).isNotDone();

        gate.abandon();

        waiting.get(5, TimeUnit.SECONDS);
        gate.close();
        assertThat(gate.isClosed()).isFalse();
        assertThat(passThrough()).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void aGateAbandonedWhileAClosingDrainsStaysOpen() throws Exception {
        gate.enter();
        Future<?> closing = pool.submit(gate::close);
        awaitClosing();

        gate.abandon();
        gate.exit();

        closing.get(5, TimeUnit.SECONDS);
        assertThat(gate.isClosed()).isFalse();
        assertThat(passThrough()).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void tryEnterNeverWaitsAtAClosedGate() {
        assertThat(gate.tryEnter()).isTrue();
        gate.exit();
        gate.close();

        assertThat(gate.tryEnter()).isFalse();
    }

    /** I/O that enters the gate and leaves at once, on a pool thread. */
    private Future<?> passThrough() {
        return pool.submit(() -> {
            gate.enter();
            gate.exit();
            return null;
        });
    }

    /** Waits until a close has begun: new I/O no longer enters. */
    private void awaitClosing() {
        TestThreads.await("a close begins", () -> {
            if (gate.tryEnter()) {
                gate.exit();
                return false;
            }
            return true;
        });
    }
}
