package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fault targets through the kernel: flakey drops exactly the writes of its down interval
 * under ext4, dust fails direct reads of its bad blocks and of nothing else, and delay makes a
 * direct read through loop take at least its delay.
 */
class FaultTargetsIT {
    private static final long MIB = 1024 * 1024;
    private static final int BLOCK = 4096;

    @Test
    void flakeyWithDropWritesLosesExactlyTheWritesOfTheDownInterval() throws Exception {
        try (Sandbox s = new Sandbox("flakey")) {
            s.mount();
            Path disk = s.file("disk.img", 64 * MIB);
            long sectors = 64 * MIB / 512;
            String up = "0 " + sectors + " flakey " + disk + " 0 86400 1 1 drop_writes";
            String down = "0 " + sectors + " flakey " + disk + " 0 0 86400 1 drop_writes";
            s.create("vol", up);
            String loop = s.attach("vol");
            Shell.run("mkfs.ext4", "-q", "-b", "4096", loop).orFail();
            Path fs = s.mountFs(loop, "vol");
            byte[] a = pattern(MIB, 1);
            byte[] b = pattern(MIB, 2);

            Files.write(fs.resolve("a"), a);
            Shell.run("sync").orFail();
            reload(s, "vol", down);
            assertThat(s.cli("table", "vol").orFail().out()).contains(" 0 0 86400 1 drop_writes");
            Files.write(fs.resolve("b"), b);
            Shell.run("sync").orFail();
            reload(s, "vol", "0 " + sectors + " linear " + disk + " 0");

            Set<ByteBuffer> onDisk = blocksOf(disk);
            assertThat(countIn(onDisk, a)).as("blocks of A on the backing file").isEqualTo(MIB / BLOCK);
            assertThat(countIn(onDisk, b)).as("blocks of B on the backing file").isZero();
        }
    }

    @Test
    void dustFailsDirectReadsOfItsBadBlocksAndOfNothingElse() throws Exception {
        try (Sandbox s = new Sandbox("dust")) {
            s.mount();
            Path disk = s.file("disk.img", 4 * MIB);
            s.create("dusty", "0 " + 4 * MIB / 512 + " dust " + disk + " 0 4096");
            String loop = s.attach("dusty");
            for (String block : List.of("5", "17", "1000")) {
                s.cli("message", "dusty", "0", "addbadblock", block).orFail();
            }
            assertThat(unreadable(loop, 1024)).as("bypass: every block reads").isEmpty();
            assertThat(s.cli("status", "dusty").orFail().out()).endsWith(" dust " + disk + " bypass verbose\n");

            s.cli("message", "dusty", "0", "enable").orFail();

            assertThat(s.cli("status", "dusty").orFail().out())
                    .endsWith(" dust " + disk + " fail_read_on_bad_block verbose\n");
            assertThat(unreadable(loop, 1024)).containsExactly(5, 17, 1000);
            Shell.Result dd = Shell.run("dd", "if=" + loop, "of=/dev/null", "bs=4096", "count=1", "skip=17",
                    "iflag=direct");
            assertThat(dd.exit()).isNotZero();
            assertThat(dd.err()).contains("Input/output error");
            assertThat(s.cli("message", "dusty", "0", "countbadblocks").orFail().out())
                    .contains("countbadblocks: 3 badblock(s) found");

            Shell.run("dd", "if=/dev/zero", "of=" + loop, "bs=4096", "count=1", "seek=17", "oflag=direct").orFail();
            assertThat(unreadable(loop, 1024)).as("the write remapped block 17").containsExactly(5, 1000);
            assertThat(s.cli("message", "dusty", "0", "listbadblocks").orFail().out()).contains("5\n1000");
        }
    }

    @Test
    void delayMakesADirectReadThroughLoopTakeAtLeastTheDelay() throws Exception {
        try (Sandbox s = new Sandbox("delay")) {
            s.mount();
            Path disk = s.file("disk.img", 4 * MIB);
            s.create("slow", "0 " + 4 * MIB / 512 + " delay " + disk + " 0 300");
            String loop = s.attach("slow");

            ByteBuffer buffer = ByteBuffer.allocateDirect(2 * BLOCK);
            long[] millis = new long[3];
            try (FileChannel ch = FileChannel.open(Path.of(loop), StandardOpenOption.READ,
                    ExtendedOpenOption.DIRECT)) {
                ByteBuffer aligned = buffer.alignedSlice(BLOCK).limit(BLOCK);
                for (int i = 0; i < millis.length; i++) {
                    aligned.clear();
                    long start = System.nanoTime();
                    ch.read(aligned, (long) (i * 97 + 3) * BLOCK);
                    millis[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
            }
            System.out.println("delay 300 ms: direct 4 KiB reads through loop took " + Arrays.toString(millis) + " ms");
            assertThat(Arrays.stream(millis).min().getAsLong()).as("the fastest of the reads")
                    .isGreaterThanOrEqualTo(300);
            assertThat(s.cli("status", "slow").orFail().out()).endsWith(" delay 0 0 0\n");
        }
    }

    private static void reload(Sandbox s, String name, String table) {
        s.cli("suspend", name).orFail();
        s.cli("load", name, "--table", table).orFail();
        s.cli("resume", name).orFail();
    }

    /** Block numbers (of {@code BLOCK} bytes) whose direct read by dd fails. */
    private static List<Integer> unreadable(String loop, int blocks) {
        String script = "for i in $(seq 0 " + (blocks - 1) + "); do dd if=" + loop
                + " of=/dev/null bs=4096 count=1 skip=$i iflag=direct status=none 2>/dev/null || echo $i; done";
        String out = Shell.run(Shell.bash(script)).orFail().out().strip();
        return out.isEmpty() ? List.of() : Arrays.stream(out.split("\n")).map(Integer::valueOf).toList();
    }

    private static byte[] pattern(long bytes, long seed) {
        byte[] data = new byte[Math.toIntExact(bytes)];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static Set<ByteBuffer> blocksOf(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        Set<ByteBuffer> blocks = new HashSet<>();
        for (int i = 0; i + BLOCK <= all.length; i += BLOCK) {
            blocks.add(ByteBuffer.wrap(all, i, BLOCK).slice());
        }
        return blocks;
    }

    private static long countIn(Set<ByteBuffer> blocks, byte[] data) {
        long found = 0;
        for (int i = 0; i < data.length; i += BLOCK) {
            if (blocks.contains(ByteBuffer.wrap(data, i, BLOCK).slice())) {
                found++;
            }
        }
        return found;
    }
}
