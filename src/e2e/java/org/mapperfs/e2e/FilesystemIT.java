package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Through the real kernel: a device is attached with losetup, carries ext4 with a 64 MiB random
 * file that survives fsck, a remount and a restart of the daemon; and its bytes sit in the
 * backing files exactly where the table puts them.
 */
class FilesystemIT {
    private static final long MIB = 1024 * 1024;
    private static final int MARK = 4096;

    /** Where a device offset lands: a backing file and an offset in it. */
    record Place(Path file, long offset) {}

    /** A layout: sets up its devices in a sandbox, returns the top device and its mapping. */
    interface Layout {
        Mapping build(Sandbox s) throws IOException;
    }

    record Mapping(String device, long size, LongFunction<Place> place) {}

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("concatenated", (Layout) FilesystemIT::concatenated, "wire"),
                Arguments.of("striped", (Layout) FilesystemIT::striped, "wire"),
                Arguments.of("stacked", (Layout) FilesystemIT::stacked, "wire"),
                // The libfuse 2 transport serves the same mount: one layout proves it end to end.
                Arguments.of("concatenated-libfuse", (Layout) FilesystemIT::concatenated, "libfuse"));
    }

    /** linear + linear: 96 MiB of A, then 64 MiB of B. */
    static Mapping concatenated(Sandbox s) throws IOException {
        Path a = s.file("a.img", 96 * MIB);
        Path b = s.file("b.img", 64 * MIB);
        long sa = 96 * MIB / 512;
        long sb = 64 * MIB / 512;
        s.create("vol", "0 " + sa + " linear " + a + " 0;" + sa + " " + sb + " linear " + b + " 0");
        return new Mapping("vol", 160 * MIB, x -> x < 96 * MIB ? new Place(a, x) : new Place(b, x - 96 * MIB));
    }

    /** striped over three files, 64 KiB chunks. */
    static Mapping striped(Sandbox s) throws IOException {
        Path[] f = {s.file("s0.img", 64 * MIB), s.file("s1.img", 64 * MIB), s.file("s2.img", 64 * MIB)};
        long chunk = 64 * 1024;
        s.create("stripes", "0 " + (192 * MIB / 512) + " striped 3 128 " + f[0] + " 0 " + f[1] + " 0 " + f[2] + " 0");
        return new Mapping("stripes", 192 * MIB, x -> {
            long c = x / chunk;
            return new Place(f[(int) (c % 3)], (c / 3) * chunk + x % chunk);
        });
    }

    /** striped over two mapperfs devices: linear on P from 1 MiB, linear on Q from 0. */
    static Mapping stacked(Sandbox s) throws IOException {
        Path p = s.file("p.img", 81 * MIB);
        Path q = s.file("q.img", 80 * MIB);
        long lower = 80 * MIB / 512;
        s.create("low1", "0 " + lower + " linear " + p + " 2048");
        s.create("low2", "0 " + lower + " linear " + q + " 0");
        long chunk = 64 * 1024;
        s.create("top", "0 " + (2 * lower) + " striped 2 128 low1 0 " + s.mnt.resolve("low2") + " 0");
        return new Mapping("top", 160 * MIB, x -> {
            long c = x / chunk;
            long inLower = (c / 2) * chunk + x % chunk;
            return c % 2 == 0 ? new Place(p, MIB + inLower) : new Place(q, inLower);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void deviceCarriesExt4ThroughRemountAndDaemonRestart(String name, Layout layout, String transport)
            throws Exception {
        try (Sandbox s = new Sandbox(name)) {
            s.mount("--transport", transport);
            Mapping m = layout.build(s);
            String loop = s.attach(m.device());

            checkPlacement(loop, m);

            Path fs = s.mkfsAndMount(loop, "1");
            Shell.run(Shell.bash("head -c 64M /dev/urandom > " + fs.resolve("data") + " && sync")).orFail();
            String sum = sha256(fs.resolve("data"));
            s.unmountFs(fs);
            fsckClean(loop);
            fs = s.mountFs(loop, "2");
            assertThat(sha256(fs.resolve("data"))).isEqualTo(sum);
            s.unmountFs(fs);

            // Stop the daemon and start it again on the same state folder.
            s.cli("detach", m.device()).orFail();
            s.cli("unmount").orFail();
            assertThat(Sandbox.isMounted(s.mnt)).isFalse();
            s.mount("--transport", transport);
            assertThat(s.cli("ls").orFail().out()).contains(m.device());
            String again = s.attach(m.device());
            fsckClean(again);
            fs = s.mountFs(again, "3");
            assertThat(sha256(fs.resolve("data"))).isEqualTo(sum);
        }
    }

    /** Writes distinct 4 KiB marks through the loop device and finds each in its backing file. */
    private static void checkPlacement(String loop, Mapping m) throws IOException {
        Random random = new Random(42);
        Set<Long> distinct = new LinkedHashSet<>(List.of(0L, m.size() - MARK, m.size() / 2, 96 * MIB - MARK, 96 * MIB));
        while (distinct.size() < 45) {
            distinct.add((random.nextLong(m.size() - MARK) / MARK) * MARK);
        }
        List<Long> offsets = new ArrayList<>(distinct);
        List<byte[]> marks = new ArrayList<>();
        try (RandomAccessFile dev = new RandomAccessFile(loop, "rw")) {
            for (long offset : offsets) {
                byte[] mark = new byte[MARK];
                random.nextBytes(mark);
                marks.add(mark);
                dev.seek(offset);
                dev.write(mark);
            }
            dev.getFD().sync();
        }
        for (int i = 0; i < offsets.size(); i++) {
            Place place = m.place().apply(offsets.get(i));
            assertThat(FileWriterLoad.sha256(Sandbox.readAt(place.file(), place.offset(), MARK)))
                    .as("mark at device offset %d in %s at %d", offsets.get(i), place.file(), place.offset())
                    .isEqualTo(FileWriterLoad.sha256(marks.get(i)));
        }
    }

    static void fsckClean(String device) {
        Shell.Result r = Shell.run("fsck.ext4", "-fn", device);
        assertThat(r.exit()).as("fsck -fn %s:\n%s%s", device, r.out(), r.err()).isZero();
    }

    static String sha256(Path file) {
        return Shell.run("sha256sum", file.toString()).orFail().out().split(" ")[0];
    }
}
