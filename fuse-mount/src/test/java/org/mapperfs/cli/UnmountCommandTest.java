package org.mapperfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The wait for the daemon's exit at the end of {@code unmount}. */
class UnmountCommandTest {

    /**
     * A process whose child has exited and is never reaped: bash starts the child, prints its
     * pid and becomes {@code sleep}, which does not wait for children.
     */
    private static Process parentOfAZombie(String childSeconds) throws Exception {
        return new ProcessBuilder("bash", "-c", "sleep " + childSeconds + " & echo $!; exec sleep 30").start();
    }

    private static long childPid(Process parent) throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.US_ASCII))) {
            return Long.parseLong(r.readLine().strip());
        }
    }

    @Test
    void aDaemonThatExitedButIsNotReapedCountsAsExited() throws Exception {
        Process parent = parentOfAZombie("0.1");
        try {
            long child = childPid(parent);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!UnmountCommand.zombie(child)) {
                assertThat(System.nanoTime()).as("the child became a zombie").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).as("still in the process table")
                    .contains(true);

            long started = System.nanoTime();
            assertThat(UnmountCommand.awaitExit(child, TimeUnit.SECONDS.toNanos(5))).isTrue();
            assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(1));
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }

    @Test
    void aRunningDaemonIsWaitedForUntilTheTimeOut() throws Exception {
        Process parent = parentOfAZombie("30");
        try {
            long child = childPid(parent);

            assertThat(UnmountCommand.zombie(child)).isFalse();
            assertThat(UnmountCommand.awaitExit(child, TimeUnit.MILLISECONDS.toNanos(200))).isFalse();
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            assertThat(UnmountCommand.awaitExit(child, TimeUnit.SECONDS.toNanos(5))).isTrue();
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessThatIsGoneHasExited() throws Exception {
        assertThat(UnmountCommand.zombie(Integer.MAX_VALUE)).isFalse();
        assertThat(UnmountCommand.awaitExit(Integer.MAX_VALUE, 0)).isTrue();
    }
}
