package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The largest request the kernel sends the daemon: a 1 MiB direct write through the loop device
 * arrives cut into requests of at most 256 KiB by default, or of what {@code --max-request}
 * says, sent side by side. Counted at a suspended device, where all of them wait in flight.
 */
class RequestSizeIT {
    private static final int MIB = 1 << 20;

    @Test
    void byDefaultA1MiBWriteArrivesAsAtLeastFourRequestsSideBySide() throws Exception {
        assertThat(requestsForOneMiBWrite()).as("requests in flight for 1 MiB (256 KiB at most each)")
                .isGreaterThanOrEqualTo(4);
    }

    @Test
    void withMaxRequest1MItArrivesAsLoopsOwnPieces() throws Exception {
        // loop cuts a 1 MiB write of scattered pages in at most two (128 segments of 4 KiB or more)
        assertThat(requestsForOneMiBWrite("--max-request", "1M")).as("requests in flight for 1 MiB")
                .isBetween(1, 2);
    }

    @Test
    void aBadMaxRequestIsOneLineAndMountsNothing() throws Exception {
        try (Sandbox s = new Sandbox("request")) {
            Shell.Result r = s.cli("mount", s.mnt.toString(), "--state", s.state.toString(), "--max-request", "3K");

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo(
                    "mapperfs: invalid --max-request '3K': a multiple of 4K from 4K to 1M, such as 256K");
            assertThat(Sandbox.isMounted(s.mnt)).isFalse();
        }
    }

    /**
     * Suspends a linear device, writes 1 MiB of random bytes at 1 MiB through its loop device with
     * O_DIRECT, counts the requests in flight once they have settled, resumes, and checks that
     * the bytes landed in the backing file.
     */
    private static int requestsForOneMiBWrite(String... mountOptions) throws Exception {
        try (Sandbox s = new Sandbox("request")) {
            s.mount(mountOptions);
            Path backing = s.file("a.img", 4 * MIB);
            s.create("vol", "0 8192 linear " + backing + " 0");
            String loop = s.attach("vol");
            // loop's own cut: as large as the device allows (the kernel's default, 1280 KiB here)
            s.setQueue(loop, "max_sectors_kb",
                    Files.readString(Sandbox.queueSetting(loop, "max_hw_sectors_kb")).strip());
            byte[] data = new byte[MIB];
            new Random(42).nextBytes(data);
            Path source = Files.write(s.dir.resolve("data"), data);
            try (FuseConnection fuse = new FuseConnection(s.mnt)) {
                s.cli("suspend", "vol").orFail();
                // Whatever else is on its way to the device (udev probing a new loop device) waits
                // at the gate too: counted before, and not taken for the write's.
                Thread.sleep(500);
                int before = fuse.waiting();
                Process dd = new ProcessBuilder(List.of("dd", "if=" + source, "of=" + loop, "bs=1M", "count=1",
                        "seek=1", "oflag=direct", "status=none")).redirectErrorStream(true).start();
                try {
                    fuse.awaitWaiting(before + 1);
                    Thread.sleep(1000); // the rest of the pieces, sent at once
                    int inFlight = fuse.waiting() - before;
                    s.cli("resume", "vol").orFail();
                    assertThat(dd.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    assertThat(dd.exitValue()).as(new String(dd.getInputStream().readAllBytes())).isZero();
                    assertThat(Sandbox.readAt(backing, MIB, MIB)).isEqualTo(data);
                    return inFlight;
                } finally {
                    dd.destroyForcibly();
                }
            }
        }
    }
}
