package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the daemon does against the memory-pressure deadlock of a FUSE daemon under loop (its
 * workers must never wait for memory that only their own writeback can free): its workers are
 * I/O flushers and its OOM score is lowered where the kernel permits it, and where it does not
 * (no CAP_SYS_RESOURCE, as in some containers) its log says so once.
 */
class MemoryPressureIT {
    private Sandbox s;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("memory");
        s.mount();
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void workersAreIoFlushersAndTheOomScoreIsLoweredOrTheLogSaysWhyNot() throws IOException {
        long pid = Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow().split(" ")[1]);
        List<String> log = Files.readAllLines(s.state.resolve("daemon.log"));
        int adj = Integer.parseInt(Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).strip());

        if (adj == -900) {
            assertThat(log).noneMatch(l -> l.contains("OOM score"));
        } else {
            assertThat(adj).isZero();
            assertThat(log).filteredOn(l -> l.contains("could not lower the daemon's OOM score to -900")).hasSize(1);
        }
        assertThat(log).filteredOn(l -> l.contains("FUSE workers are I/O flushers")
                || l.contains("PR_SET_IO_FLUSHER refused")).as("said once, not once per worker").hasSize(1);
    }
}
