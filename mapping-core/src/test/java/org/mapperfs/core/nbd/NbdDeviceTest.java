package org.mapperfs.core.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The NBD client against nbdkit, the reference server, on a Unix socket. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NbdDeviceTest {
    @TempDir
    Path dir;

    private final List<Process> servers = new ArrayList<>();
    private final List<NbdDevice> devices = new ArrayList<>();

    @AfterEach
    void stop() {
        devices.forEach(NbdDevice::close);
        servers.forEach(Process::destroyForcibly);
    }

    /** Starts nbdkit in the foreground on dir/SOCKET with ARGS; returns once the socket is there. */
    private Path serve(String socket, String... args) throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean present = Files.isExecutable(Path.of("/usr/bin/nbdkit"));
        if (ci && !present) {
            throw new AssertionError("nbdkit is missing (src/bin/ensure-deps installs it)");
        }
        Assumptions.assumeTrue(present, "nbdkit is not installed (src/bin/ensure-deps installs it)");
        Path sock = dir.resolve(socket);
        Files.deleteIfExists(sock);
        List<String> command = new ArrayList<>(List.of("nbdkit", "-f", "-U", sock.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(socket + ".log").toFile()).start();
        servers.add(p);
        for (int i = 0; i < 500 && !Files.exists(sock); i++) {
            assertThat(p.isAlive()).as(Files.exists(dir.resolve(socket + ".log"))
                    ? Files.readString(dir.resolve(socket + ".log")) : "nbdkit died").isTrue();
            Thread.sleep(10);
        }
        awaitListening(sock, p);
        return sock;
    }

    /** nbdkit binds its socket before it listens: until a connect succeeds, one may be refused. */
    static void awaitListening(Path sock, Process server) throws Exception {
        for (int i = 0; i < 500; i++) {
            try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(
                    java.net.UnixDomainSocketAddress.of(sock))) {
                return;
            } catch (IOException refused) {
                assertThat(server.isAlive()).as("nbdkit died").isTrue();
                Thread.sleep(10);
            }
        }
        throw new AssertionError("nbdkit does not listen on " + sock);
    }

    private NbdDevice open(Path sock, long timeoutMillis) throws Exception {
        NbdDevice d = NbdDevice.open(NbdUri.parse("nbd+unix:///?socket=" + sock), timeoutMillis);
        devices.add(d);
        return d;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(NbdDevice d, long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        d.read(b, offset);
        assertThat(b.hasRemaining()).isFalse();
        byte[] a = new byte[n];
        b.flip().get(a);
        return a;
    }

    @Test
    void writesReadsDiscardsAndFlushesWithStructuredReplies() throws Exception {
        NbdDevice d = open(serve("mem.sock", "memory", "64M"), 10_000);
        assertThat(d.size()).isEqualTo(64L << 20);
        assertThat(d.flushes()).isTrue();
        byte[] data = random(3 << 20, 1);

        d.write(ByteBuffer.wrap(data), 1 << 20);
        d.flush();

        assertThat(read(d, 1 << 20, data.length)).isEqualTo(data);
        assertThat(read(d, 0, 4096)).containsOnly(0); // a hole: OFFSET_HOLE chunks where nbdkit sends them
        d.discard((1 << 20) + 4096, 8192);
        byte[] after = read(d, 1 << 20, 16384);
        assertThat(java.util.Arrays.copyOfRange(after, 4096, 12288)).containsOnly(0);
        assertThat(java.util.Arrays.copyOfRange(after, 0, 4096)).isEqualTo(java.util.Arrays.copyOf(data, 4096));
    }

    @Test
    void simpleRepliesAndASmallMaximumRequestSplitLargeIo() throws Exception {
        NbdDevice d = open(serve("small.sock", "--no-sr", "--filter=blocksize", "memory", "16M", "maxlen=65536"),
                10_000);
        byte[] data = random(1 << 20, 2);

        d.write(ByteBuffer.wrap(data), 4096);

        assertThat(read(d, 4096, data.length)).isEqualTo(data);
    }

    @Test
    void aReadOnlyExportRefusesWritesAndAServerErrorFailsAtOnce() throws Exception {
        NbdDevice ro = open(serve("ro.sock", "-r", "memory", "1M"), 10_000);
        assertThatThrownBy(() -> ro.write(ByteBuffer.allocate(512), 0)).isInstanceOf(IOException.class)
                .hasMessageContaining("read-only");

        NbdDevice bad = open(serve("err.sock", "--filter=error", "memory", "1M", "error-rate=100%",
                "error=EIO"), 10_000);
        long start = System.nanoTime();
        assertThatThrownBy(() -> read(bad, 0, 512)).isInstanceOf(IOException.class)
                .hasMessageContaining("the server failed the read at 0").hasMessageContaining("EIO");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).as("no retry of a server's error")
                .isLessThan(5);
    }

    @Test
    void aServerRestartedWithinTheTimeoutLosesNothingAndAGoneOneFailsAfterIt() throws Exception {
        Path file = dir.resolve("disk.img");
        Files.write(file, new byte[4 << 20]);
        Path sock = serve("file.sock", "file", file.toString());
        NbdDevice d = open(sock, 3_000);
        byte[] before = random(65536, 3);
        d.write(ByteBuffer.wrap(before), 0);
        d.flush();

        // SIGTERM: nbdkit answers what still comes on the old connection with ESHUTDOWN, which
        // sends the client to a new connection.
        servers.get(0).destroy();
        servers.get(0).waitFor(1, TimeUnit.SECONDS);
        serve("file.sock", "file", file.toString());
        byte[] more = random(65536, 4);
        d.write(ByteBuffer.wrap(more), 65536); // on a new connection
        assertThat(read(d, 0, 65536)).isEqualTo(before);
        assertThat(read(d, 65536, 65536)).isEqualTo(more);

        servers.forEach(Process::destroyForcibly); // killed: nothing answers any more
        servers.get(1).waitFor(10, TimeUnit.SECONDS);
        long start = System.nanoTime();
        assertThatThrownBy(() -> read(d, 0, 4096)).isInstanceOf(IOException.class)
                .hasMessageContaining("no answer within 3 s");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(took).isBetween(2_000L, 10_000L);
    }

    @Test
    void aTableNamesAnExportByItsUriWhereverItNamesADevice() throws Exception {
        Path sock = serve("table.sock", "memory", "8M");
        Path file = Files.write(dir.resolve("leg.img"), new byte[8 << 20]);
        String uri = "nbd+unix:///?socket=" + sock;
        try (org.mapperfs.core.Mapper mapper = org.mapperfs.core.Mapper.standalone()) {
            org.mapperfs.core.MappedDevice lin = mapper.create("lin", "0 8192 linear " + uri + " 4096", dir);
            org.mapperfs.core.MappedDevice mir = mapper.create("mir",
                    "0 4096 mirror core 2 1024 nosync 2 " + file + " 0 " + uri + " 0", dir);
            byte[] data = random(65536, 5);

            lin.write(ByteBuffer.wrap(data), 0);
            mir.write(ByteBuffer.wrap(data), 1 << 20);
            mir.flush();

            NbdDevice direct = open(sock, 10_000);
            assertThat(read(direct, 4096L * 512, data.length)).as("linear at its offset").isEqualTo(data);
            assertThat(read(direct, 1 << 20, data.length)).as("the mirror's remote leg").isEqualTo(data);
            assertThat(lin.liveTable().text()).contains(uri);
            assertThatThrownBy(() -> mapper.create("bad", "0 8 linear nbd+unix:///?socket=" + dir.resolve("none")
                    + " 0", dir)).hasMessageContaining("cannot connect");
            assertThatThrownBy(() -> mapper.create("big", "0 99999 linear " + uri + " 0", dir))
                    .isInstanceOf(org.mapperfs.core.MapperException.class);
        }
    }

    /**
     * DRBD-style: a mirror's remote leg goes away under writes (the leg turns D, the writes go
     * on), comes back, and the same table reloaded resyncs only the regions written meanwhile.
     */
    @Test
    void aRemoteMirrorLegThatComesBackResyncsOnlyTheRegionsWrittenMeanwhile() throws Exception {
        int mib = 1 << 20;
        Path local = Files.write(dir.resolve("local.img"), new byte[8 * mib]);
        Path remote = Files.write(dir.resolve("remote.img"), new byte[8 * mib]);
        Path log = Files.write(dir.resolve("log.img"), new byte[64 * 1024]);
        serve("leg.sock", "file", remote.toString());
        String table = "0 16384 mirror disk 2 " + log + " 1024 2 " + local + " 0 nbd+unix:///?socket="
                + dir.resolve("leg.sock") + " 0";
        try (org.mapperfs.core.Mapper mapper = new org.mapperfs.core.Mapper(
                org.mapperfs.core.TargetRegistry.standard(), org.mapperfs.core.HolePuncher.NONE,
                org.mapperfs.core.VectorIo.NONE, java.util.Optional.empty(), 2_000)) {
            org.mapperfs.core.MappedDevice m = mapper.create("m", table, dir);
            for (int i = 0; i < 500 && !m.liveTable().statusText().contains(" 16/16 "); i++) {
                Thread.sleep(10); // the first resync: 8 MiB
            }
            assertThat(m.liveTable().statusText()).contains(" 16/16 ");
            m.write(ByteBuffer.wrap(random(mib / 2, 6)), 0);
            m.flush();

            servers.get(0).destroyForcibly();
            servers.get(0).waitFor(10, TimeUnit.SECONDS);
            m.write(ByteBuffer.wrap(random(4096, 7)), 3L * mib / 2); // region 3: waits the 2 s, then D
            m.write(ByteBuffer.wrap(random(4096, 8)), 7L * mib / 2); // region 7
            String degraded = m.liveTable().statusText();
            assertThat(degraded).contains(" AD ");

            serve("leg.sock", "file", remote.toString());
            mapper.load("m", table, dir);
            mapper.suspend("m", true);
            mapper.resume("m");
            String back = m.liveTable().statusText();
            long inSync = Long.parseLong(back.split(" ")[6].split("/")[0]);
            assertThat(inSync).as(back + ": only regions 3 and 7 are to copy").isGreaterThanOrEqualTo(14);
            for (int i = 0; i < 500 && !m.liveTable().statusText().contains(" 16/16 "); i++) {
                Thread.sleep(10);
            }
            assertThat(m.liveTable().statusText()).contains(" 16/16 ").contains(" AA ");
            byte[] r = Files.readAllBytes(remote);
            byte[] l = Files.readAllBytes(local);
            List<Integer> differ = new ArrayList<>();
            for (int region = 0; region < 16; region++) {
                if (!java.util.Arrays.equals(r, region * mib / 2, (region + 1) * mib / 2, l, region * mib / 2,
                        (region + 1) * mib / 2)) {
                    differ.add(region);
                }
            }
            assertThat(differ).as("regions whose legs differ; status after the reload: " + back).isEmpty();
        }
    }

    @Test
    void urisFollowTheStandardAndTlsIsRefusedByName() throws Exception {
        NbdUri tcp = NbdUri.parse("nbd://example.org:10810/my%20disk");
        assertThat(tcp.host()).contains("example.org");
        assertThat(tcp.port()).isEqualTo(10810);
        assertThat(tcp.export()).isEqualTo("my disk");
        assertThat(NbdUri.parse("nbd://[::1]/").host()).contains("::1");
        assertThat(NbdUri.parse("nbd://h").port()).isEqualTo(NbdUri.DEFAULT_PORT);
        NbdUri unix = NbdUri.parse("nbd+unix:///e?socket=/run/x.sock");
        assertThat(unix.socket()).contains(Path.of("/run/x.sock"));
        assertThat(unix.export()).isEqualTo("e");
        assertThatThrownBy(() -> NbdUri.parse("nbds://h/e")).hasMessageContaining("TLS");
        assertThatThrownBy(() -> NbdUri.parse("nbd+unix:///e")).hasMessageContaining("not an NBD URI");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h:99999/e")).hasMessageContaining("out of range");
    }
}
