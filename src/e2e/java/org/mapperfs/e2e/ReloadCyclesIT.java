package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Suspend/load/resume cycles through the control file under fio's crc32c verify on the loop
 * device (O_DIRECT, 16 in flight): tables alternate between equivalent ones (one segment, two
 * halves) and every 25th cycle goes linear, then a two-leg mirror, then linear again. fio must
 * see no verify error and no I/O error.
 *
 * <p>{@code -Dreload.cycles=N} (default 100, the CI form); src/torture/campaign.sh reload-cycles
 * runs 1000.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ReloadCyclesIT {
    private static final long MIB = 1 << 20;
    private static final long S64 = 64 * MIB / 512;

    @Test
    void reloadCyclesUnderFioVerifyLoseNothing() throws Exception {
        int cycles = Integer.getInteger("reload.cycles", 100);
        try (Sandbox s = new Sandbox("reload")) {
            s.mount();
            Path a = s.file("a.img", 64 * MIB);
            Path b = s.file("b.img", 64 * MIB);
            String whole = "0 " + S64 + " linear " + a + " 0";
            String halves = "0 " + S64 / 2 + " linear " + a + " 0\n" + S64 / 2 + " " + S64 / 2 + " linear " + a
                    + " " + S64 / 2;
            String mirror = "0 " + S64 + " mirror core 1 1024 2 " + a + " 0 " + b + " 0";
            s.create("vol", whole);
            String loop = s.attach("vol");
            Process fio = new ProcessBuilder(List.of("fio", "--name=reload", "--filename=" + loop, "--direct=1",
                    "--ioengine=libaio", "--iodepth=16", "--rw=randwrite", "--bs=4k", "--size=64M",
                    "--verify=crc32c", "--verify_backlog=1024", "--verify_fatal=1", "--verify_state_save=0",
                    "--time_based",
                    "--runtime=" + Math.max(15, cycles / 20), "--output-format=terse", "--terse-version=3"))
                    .redirectErrorStream(true).start();
            Thread.sleep(1000);

            int mirrorRounds = 0;
            long start = System.nanoTime();
            for (int i = 0; i < cycles && fio.isAlive(); i++) {
                String table = i % 25 == 24 ? mirror : i % 2 == 0 ? halves : whole;
                mirrorRounds += table == mirror ? 1 : 0;
                ControlFile.run(s.mnt, "suspend vol");
                ControlFile.run(s.mnt, "load vol\n" + table);
                ControlFile.run(s.mnt, "resume vol");
            }
            double msPerCycle = (System.nanoTime() - start) / 1e6 / cycles;
            boolean stillRunning = fio.isAlive();
            assertThat(fio.waitFor(5, TimeUnit.MINUTES)).isTrue();
            String out = new String(fio.getInputStream().readAllBytes());

            assertThat(stillRunning).as("fio ran through every cycle: " + out).isTrue();
            assertThat(fio.exitValue()).as("fio: " + out).isZero();
            String[] terse = out.lines().filter(l -> l.startsWith("3;")).findFirst().orElseThrow().split(";");
            int errors = Integer.parseInt(terse[4]); // the job's error (an errno), 0 if none
            long writtenKiB = Long.parseLong(terse[46]); // write: total KiB
            System.out.printf("reload cycles: %d (%d through a mirror), %.1f ms per cycle; fio crc32c verify:"
                    + " %d MiB written, %d errors%n", cycles, mirrorRounds, msPerCycle, writtenKiB >> 10, errors);
            assertThat(errors).isZero();
            assertThat(writtenKiB).isPositive();
            // One event per table swap, and one more where a mirror finished its resync in time.
            long events = ControlFile.run(s.mnt, "info vol").lines().filter(l -> l.startsWith("Event number:"))
                    .mapToLong(l -> Long.parseLong(l.substring("Event number:".length()).strip())).findFirst()
                    .orElseThrow();
            assertThat(events).isBetween((long) cycles, (long) cycles + mirrorRounds);
        }
    }
}
