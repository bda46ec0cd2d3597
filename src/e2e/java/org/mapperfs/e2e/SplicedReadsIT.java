package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * READ replies of 64 KiB and more spliced from the backing file on the wire transport: the
 * daemon's splice(2) calls into /dev/fuse (watched with strace) are one per such read inside one
 * linear segment and none for the rest (a read across segments, a small one), every byte is the
 * file's, fio's verifying reader through loop finds every block, and a read past the end of a
 * backing file truncated behind the daemon's back fails with EIO instead of hanging; through a
 * mirror, such a read fails over to the other leg and drops the first. Thin blocks and snapshot
 * chunks that follow one another in one file are spliced too, and striped chunks and thin blocks
 * apart piece by piece.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SplicedReadsIT {
    private static final int MIB = 1 << 20;
    private static final int KIB = 1 << 10;

    private static byte[] noise(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static byte[] readFromDevice(FileChannel c, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (c.read(b, at + b.position()) < 0) {
                break;
            }
        }
        return b.array();
    }

    private static byte[] slice(byte[] data, long at, int length) {
        byte[] s = new byte[length];
        System.arraycopy(data, (int) at, s, 0, length);
        return s;
    }

    @Test
    void largeReadsInsideALinearSegmentAreSplicedAndEveryByteIsTheFiles() throws Exception {
        try (Sandbox s = new Sandbox("splice")) {
            s.mount();
            byte[] a = noise(8 * MIB, 1);
            byte[] b = noise(4 * MIB, 2);
            Path fa = Files.write(s.dir.resolve("a.img"), a);
            Path fb = Files.write(s.dir.resolve("b.img"), b);
            // 6 MiB of a from 1 MiB into it, then all of b: 10 MiB
            s.create("vol", "0 12288 linear " + fa + " 2048\n12288 8192 linear " + fb + " 0");
            byte[] vol = new byte[10 * MIB];
            System.arraycopy(a, MIB, vol, 0, 6 * MIB);
            System.arraycopy(b, 0, vol, 6 * MIB, 4 * MIB);
            List<String> intoFuse = splicesIntoFuse(s, () -> {
                // Straight on the device file (direct I/O: one request per 256 KiB at most, no readahead).
                try (FileChannel c = FileChannel.open(s.mnt.resolve("vol"))) {
                    long[][] spliced = {{0, 256 * KIB}, {MIB, MIB}, {123_457, 64 * KIB + 512}, {9 * MIB, MIB}};
                    for (long[] r : spliced) {
                        assertThat(readFromDevice(c, r[0], (int) r[1])).as("%s bytes at %s", r[1], r[0])
                                .isEqualTo(slice(vol, r[0], (int) r[1]));
                    }
                    long[][] copied = {{6 * MIB - 100 * KIB, 256 * KIB}, {4096, 4096}, {5 * MIB + 1, 60 * KIB}};
                    for (long[] r : copied) {
                        assertThat(readFromDevice(c, r[0], (int) r[1])).as("%s bytes at %s", r[1], r[0])
                                .isEqualTo(slice(vol, r[0], (int) r[1]));
                    }
                }
            });
            // 256 KiB: 1 request; 1 MiB: 4; 64.5 KiB: 1; the last MiB: 4
            assertThat(intoFuse).as("replies spliced into /dev/fuse").hasSize(10);
            assertThat(intoFuse).allMatch(l -> !l.contains("= -1"), "every splice into /dev/fuse succeeded");

            // Through loop, as a file system would read it: fio's verifying reader over what its
            // writer wrote, in blocks of 64 KiB to 1 MiB.
            writeThenVerify(s.attach("vol"), "10M", 7);
        }
    }

    @Test
    void aSplicedReadPastTheEndOfATruncatedBackingFileFailsWithEio() throws Exception {
        try (Sandbox s = new Sandbox("splice")) {
            s.mount();
            Path fa = Files.write(s.dir.resolve("a.img"), noise(4 * MIB, 3));
            s.create("vol", "0 8192 linear " + fa + " 0");
            try (FileChannel f = FileChannel.open(fa, java.nio.file.StandardOpenOption.WRITE)) {
                f.truncate(MIB); // behind the daemon's back
            }
            try (FileChannel c = FileChannel.open(s.mnt.resolve("vol"))) {
                assertThat(readFromDevice(c, 0, 256 * KIB)).isEqualTo(slice(Files.readAllBytes(fa), 0, 256 * KIB));
                assertThatThrownBy(() -> c.read(ByteBuffer.allocate(256 * KIB), 2 * MIB))
                        .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
                assertThatThrownBy(() -> c.read(ByteBuffer.allocate(4 * KIB), 2 * MIB))
                        .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
            }
        }
    }

    @Test
    void aMirrorLegWhoseFileCannotBeReadIsDroppedAndTheSplicedReadComesFromTheOtherLeg() throws Exception {
        try (Sandbox s = new Sandbox("splice")) {
            s.mount();
            byte[] data = noise(4 * MIB, 4);
            Path fa = Files.write(s.dir.resolve("a.img"), data);
            Path fb = Files.write(s.dir.resolve("b.img"), data);
            s.create("vol", "0 8192 mirror core 2 1024 nosync 2 " + fa + " 0 " + fb + " 0");
            try (FileChannel f = FileChannel.open(fa, java.nio.file.StandardOpenOption.WRITE)) {
                f.truncate(MIB); // leg 0 loses its last 3 MiB behind the daemon's back
            }
            assertThat(ControlFile.run(s.mnt, "status vol")).contains(" 1 AA ");

            List<String> intoFuse = splicesIntoFuse(s, () -> {
                try (FileChannel c = FileChannel.open(s.mnt.resolve("vol"))) {
                    for (int i = 0; i < 4; i++) { // round-robin: leg 0 is chosen for the first or the second
                        long at = 2 * MIB + i * 256L * KIB;
                        assertThat(readFromDevice(c, at, 256 * KIB)).as("256 KiB at %s", at)
                                .isEqualTo(slice(data, at, 256 * KIB));
                    }
                }
            });

            assertThat(intoFuse).as("replies spliced into /dev/fuse").hasSize(4)
                    .allMatch(l -> !l.contains("= -1"), "every splice into /dev/fuse succeeded");
            assertThat(ControlFile.run(s.mnt, "status vol")).as("leg 0 dropped after a read").contains(" 1 RA ");
        }
    }

    @Test
    void readsOfThinBlocksAndSnapshotChunksThatFollowOneAnotherAreSpliced() throws Exception {
        try (Sandbox s = new Sandbox("splice")) {
            s.mount();
            Path meta = s.file("meta.img", 4L << 20);
            Path data = s.file("data.img", 16L << 20);
            s.create("pool", "0 32768 thin-pool " + meta + " " + data + " 128 16");
            s.cli("message", "pool", "0", "create_thin", "0").orFail();
            s.create("thin", "0 32768 thin pool 0");
            byte[] written = noise(4 * MIB, 5);
            try (FileChannel c = FileChannel.open(s.mnt.resolve("thin"), java.nio.file.StandardOpenOption.WRITE)) {
                for (int at = 0; at < written.length; at += 256 * KIB) { // one request at a time, in order:
                    c.write(ByteBuffer.wrap(written, at, 256 * KIB), at); // blocks follow one another in data.img
                }
            }
            byte[] original = noise(4 * MIB, 6);
            Path origin = Files.write(s.dir.resolve("origin.img"), original);
            Path cow = s.file("cow.img", 4L << 20);
            s.create("base", "0 8192 snapshot-origin " + origin);
            s.create("snap", "0 8192 snapshot " + origin + " " + cow + " P 8");
            try (FileChannel c = FileChannel.open(s.mnt.resolve("base"), java.nio.file.StandardOpenOption.WRITE)) {
                c.write(ByteBuffer.wrap(new byte[MIB]), 0); // copies the first MiB's chunks out, in order
            }

            List<String> all = splices(s, () -> {
                try (FileChannel t = FileChannel.open(s.mnt.resolve("thin"));
                        FileChannel p = FileChannel.open(s.mnt.resolve("snap"))) {
                    for (long at : new long[] {0, 3 * MIB + 12_288}) {
                        assertThat(readFromDevice(t, at, 256 * KIB)).as("thin at %s", at)
                                .isEqualTo(slice(written, at, 256 * KIB));
                    }
                    for (long at : new long[] {4096, 2 * MIB}) { // the COW file's, then the origin's
                        assertThat(readFromDevice(p, at, 256 * KIB)).as("snapshot at %s", at)
                                .isEqualTo(slice(original, at, 256 * KIB));
                    }
                    assertThat(readFromDevice(t, 8 * MIB, 256 * KIB)).as("thin, unmapped").containsOnly(0);
                    // COW chunks, then the origin's: two pieces
                    assertThat(readFromDevice(p, MIB - 128 * KIB, 256 * KIB)).as("snapshot, across")
                            .isEqualTo(slice(original, MIB - 128 * KIB, 256 * KIB));
                }
            });

            List<String> intoFuse = all.stream().filter(l -> l.contains("</dev/fuse>")).toList();
            assertThat(intoFuse).as("replies spliced into /dev/fuse: all but the unmapped thin read").hasSize(5)
                    .allMatch(l -> !l.contains("= -1"), "every splice into /dev/fuse succeeded");
            for (String file : List.of("data.img>", "cow.img>", "origin.img>")) {
                assertThat(all).as("spliced from %s", file).anyMatch(l -> splicesFrom(l, file));
            }
        }
    }

    @Test
    void readsOfStripedChunksAndOfThinBlocksApartAreSplicedPieceByPiece() throws Exception {
        try (Sandbox s = new Sandbox("splice")) {
            s.mount();
            byte[] a = noise(2 * MIB, 7);
            byte[] b = noise(2 * MIB, 8);
            Path fa = Files.write(s.dir.resolve("a.img"), a);
            Path fb = Files.write(s.dir.resolve("b.img"), b);
            s.create("str", "0 8192 striped 2 128 " + fa + " 0 " + fb + " 0"); // 64 KiB chunks
            byte[] striped = new byte[4 * MIB];
            for (int chunk = 0; chunk < 64; chunk++) {
                System.arraycopy(chunk % 2 == 0 ? a : b, chunk / 2 * 64 * KIB, striped, chunk * 64 * KIB, 64 * KIB);
            }
            Path meta = s.file("meta.img", 4L << 20);
            Path data = s.file("data.img", 16L << 20);
            s.create("pool", "0 32768 thin-pool " + meta + " " + data + " 128 16");
            s.cli("message", "pool", "0", "create_thin", "0").orFail();
            s.create("thin", "0 32768 thin pool 0");
            byte[] written = noise(MIB, 9);
            try (FileChannel c = FileChannel.open(s.mnt.resolve("thin"), java.nio.file.StandardOpenOption.WRITE)) {
                for (int at = MIB - 64 * KIB; at >= 0; at -= 64 * KIB) { // last block first: block n lies
                    c.write(ByteBuffer.wrap(written, at, 64 * KIB), at); // at data block 15 - n
                }
            }

            List<String> all = splices(s, () -> {
                try (FileChannel c = FileChannel.open(s.mnt.resolve("str"));
                        FileChannel t = FileChannel.open(s.mnt.resolve("thin"))) {
                    long[][] reads = {{0, 256 * KIB}, {96 * KIB, 256 * KIB}, {3 * MIB + 4096, 128 * KIB}};
                    for (long[] r : reads) { // 4, 5 and 3 chunks
                        assertThat(readFromDevice(c, r[0], (int) r[1])).as("striped: %s bytes at %s", r[1], r[0])
                                .isEqualTo(slice(striped, r[0], (int) r[1]));
                    }
                    for (long at : new long[] {0, 64 * KIB + 512}) { // 4 and 5 blocks, each apart
                        assertThat(readFromDevice(t, at, 256 * KIB)).as("thin at %s", at)
                                .isEqualTo(slice(written, at, 256 * KIB));
                    }
                }
            });

            List<String> intoFuse = all.stream().filter(l -> l.contains("</dev/fuse>")).toList();
            assertThat(intoFuse).as("replies spliced into /dev/fuse").hasSize(5)
                    .allMatch(l -> !l.contains("= -1"), "every splice into /dev/fuse succeeded");
            // A chunk or a block a piece (a splice may come back short and be called again). The
            // kernel may cut a read whose buffer does not start on a page a little short of 256
            // KiB, and the rest comes as a small read, copied: the thin read at 64.5 KiB may then
            // lose its fifth piece, which is 512 bytes.
            for (var want : java.util.Map.of("a.img>", 6, "b.img>", 6, "data.img>", 8).entrySet()) {
                assertThat(all.stream().filter(l -> splicesFrom(l, want.getKey()))).as("splices from %s", want.getKey())
                        .hasSizeGreaterThanOrEqualTo(want.getValue());
            }

            // Through loop: fio's verifying reader over what its writer wrote, 64 KiB to 1 MiB.
            writeThenVerify(s.attach("str"), "4M", 11);
        }
    }

    /**
     * fio's crc32c writer over the first {@code size} of the loop device in blocks of 64 KiB to 1
     * MiB, then its verifying reader, which fails at the first block that is not as written.
     */
    private static void writeThenVerify(String loop, String size, int seed) throws Exception {
        List<String> job = List.of("fio", "--name=write", "--filename=" + loop, "--rw=randwrite",
                "--bsrange=64k-1m", "--iodepth=8", "--ioengine=libaio", "--direct=1", "--size=" + size,
                "--verify=crc32c", "--verify_state_save=0", "--randseed=" + seed, "--output-format=terse");
        List<String> write = new ArrayList<>(job);
        write.add("--do_verify=0");
        Shell.run(write).orFail();
        List<String> verify = new ArrayList<>(job);
        verify.addAll(List.of("--verify_only", "--verify_fatal=1"));
        Shell.run(verify).orFail();
    }

    /**
     * Whether strace's line is a splice from the file whose name ends in {@code file} (strace -y:
     * {@code splice(12</path/to/data.img>, [offset], 9<pipe:[...]>, ...) = 262144}).
     */
    private static boolean splicesFrom(String line, String file) {
        return line.substring(line.indexOf("splice(")).split(",")[0].endsWith(file);
    }

    /** What the caller's reads need: the device file's I/O with the assertions on its bytes. */
    private interface Reads {
        void run() throws Exception;
    }

    /** Runs {@code reads} with strace on the daemon; its splice(2) calls into /dev/fuse. */
    private static List<String> splicesIntoFuse(Sandbox s, Reads reads) throws Exception {
        return splices(s, reads).stream().filter(l -> l.contains("</dev/fuse>")).toList();
    }

    /** Runs {@code reads} with strace on the daemon; its splice(2) calls, descriptors named. */
    private static List<String> splices(Sandbox s, Reads reads) throws Exception {
        long pid = Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow().split(" ")[1]);
        Path trace = s.dir.resolve("strace.out");
        Process strace = new ProcessBuilder(List.of("strace", "-f", "-qq", "-y", "-e", "trace=splice", "-o",
                trace.toString(), "-p", Long.toString(pid))).redirectErrorStream(true).start();
        try {
            awaitTraced(pid);
            reads.run();
        } finally {
            strace.destroy(); // SIGTERM: strace detaches and writes out what it has
            assertThat(strace.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        return whole(Files.readAllLines(trace)).stream().filter(l -> l.contains("splice(")).toList();
    }

    /** What marks strace -f's line that ends a call another thread's line cut short. */
    private static final String RESUMED = " resumed>";

    /**
     * strace -f's lines with each call cut by another thread's put back together: {@code PID
     * splice(...<unfinished ...>} and that PID's later {@code <... splice resumed>...) = N} become one
     * line, so that the result (an error too) stays on the line that names the descriptors.
     */
    static List<String> whole(List<String> lines) {
        Map<String, String> unfinished = new HashMap<>();
        List<String> calls = new ArrayList<>();
        for (String line : lines) {
            String pid = line.split(" ", 2)[0];
            if (line.endsWith("<unfinished ...>")) {
                unfinished.put(pid, line.substring(0, line.length() - "<unfinished ...>".length()));
            } else if (line.contains(RESUMED)) {
                String start = unfinished.remove(pid); // none if the call began before strace came
                String result = line.substring(line.indexOf(RESUMED) + RESUMED.length());
                calls.add(start == null ? line : start + result);
            } else {
                calls.add(line);
            }
        }
        calls.addAll(unfinished.values()); // still in a call when strace left: no result to show
        return calls;
    }

    /** Waits until strace has attached to the daemon's threads (its main thread shows a tracer). */
    private static void awaitTraced(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                while (!Files.readString(t.resolve("status")).lines().anyMatch(
                        l -> l.startsWith("TracerPid:") && !l.endsWith("\t0"))) {
                    assertThat(System.nanoTime()).as("strace attached within 20 s").isLessThan(deadline);
                    Thread.sleep(50);
                }
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            // a thread that ended meanwhile
        }
    }
}
