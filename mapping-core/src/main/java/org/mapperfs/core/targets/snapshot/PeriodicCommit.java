package org.mapperfs.core.targets.snapshot;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The once-a-second commit of a snapshot whose store defers its commits, as thin-pool commits
 * its mappings: run on one daemon thread for every snapshot, held off while the device is
 * suspended (from presuspend to resume) and cancelled at close. The timer and its pause are a
 * small state machine of their own; the snapshot says only what a commit is.
 */
final class PeriodicCommit {
    private static final long COMMIT_EVERY_MILLIS = 1_000;
    private static final ScheduledExecutorService COMMITTER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "snapshot-commit");
        t.setDaemon(true);
        return t;
    });

    private final Runnable commit;
    private final ScheduledFuture<?> periodic;
    /** Suspended: the periodic commit waits for the resume. */
    private volatile boolean paused;

    /** Runs {@code commit} once a second from now on, while not paused. */
    PeriodicCommit(Runnable commit) {
        this.commit = commit;
        this.periodic = COMMITTER.scheduleWithFixedDelay(this::run, COMMIT_EVERY_MILLIS, COMMIT_EVERY_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void run() {
        if (!paused) {
            commit.run();
        }
    }

    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
    }

    /** No more commits from the timer; one under way may still end. */
    void cancel() {
        periodic.cancel(false);
    }
}
