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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The NBD client against nbdkit, the reference server, on a Unix socket. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NbdDeviceTest {
    @TempDir
    Path dir;

    private NbdServers servers;    private final List<NbdDevice> devices = new ArrayList<>();

    @BeforeEach
    void servers() {
        servers = new NbdServers(dir);
    }

    @AfterEach
    void stop() {
        devices.forEach(NbdDevice::close);
        servers.close();
    }

    private Path serve(String socket, String... args) throws Exception {
        server = servers.serve(socket, args);
        return servers.socket(socket);
    }

    /** The last server started. */
    private Process server;

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

    /**
     * Several connections only where the server allows them (multi-conn), counted in nbdkit's
     * log; data written through one is read back through another, and one flush covers all.
     */
    @Test
    void requestsSpreadOverSeveralConnectionsOnlyWhereTheServerAllowsMultiConn() throws Exception {
        Path multiLog = dir.resolve("multi.txt");
        Path multi = serve("multi.sock", "--filter=log", "memory", "16M", "logfile=" + multiLog);
        NbdDevice d = NbdDevice.open(NbdUri.parse("nbd+unix:///?socket=" + multi), new RemoteOptions(10_000, 3));
        devices.add(d);
        assertThat(d.connectionCount()).isEqualTo(3);
        for (int i = 0; i < 12; i++) {
            d.write(ByteBuffer.wrap(random(4096, 10 + i)), i * 4096L);
        }
        d.flush();
        for (int i = 0; i < 12; i++) {
            assertThat(read(d, i * 4096L, 4096)).as("block " + i).isEqualTo(random(4096, 10 + i));
        }
        assertThat(Files.readAllLines(multiLog).stream().filter(l -> l.contains(" Connect ")).count())
                .as("connections made").isEqualTo(3);

        Path singleLog = dir.resolve("single.txt");
        Path single = serve("single.sock", "--filter=log", "--filter=multi-conn", "memory", "16M",
                "logfile=" + singleLog, "multi-conn-mode=disable");
        NbdDevice one = NbdDevice.open(NbdUri.parse("nbd+unix:///?socket=" + single), new RemoteOptions(10_000, 3));
        devices.add(one);
        assertThat(one.connectionCount()).isEqualTo(1);
        for (int i = 0; i < 12; i++) {
            one.write(ByteBuffer.wrap(random(4096, 30 + i)), i * 4096L);
        }
        one.flush();
        assertThat(Files.readAllLines(singleLog).stream().filter(l -> l.contains(" Connect ")).count())
                .as("connections made without multi-conn").isEqualTo(1);
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
        server.destroy();
        server.waitFor(1, TimeUnit.SECONDS);
        serve("file.sock", "file", file.toString());
        byte[] more = random(65536, 4);
        d.write(ByteBuffer.wrap(more), 65536); // on a new connection
        assertThat(read(d, 0, 65536)).isEqualTo(before);
        assertThat(read(d, 65536, 65536)).isEqualTo(more);

        NbdServers.kill(server); // killed: nothing answers any more
        long start = System.nanoTime();
        assertThatThrownBy(() -> read(d, 0, 4096)).isInstanceOf(IOException.class)
                .hasMessageContaining("no answer within 3 s");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(took).isBetween(2_000L, 10_000L);
    }

    @Test
    void aServerThatStopsReadingFailsASendStuckMidwayAndAHandshakeAfterTheTimeout() throws Exception {
        Path sock = serve("stopped.sock", "memory", "64M");
        NbdDevice d = open(sock, 3_000);
        d.write(ByteBuffer.wrap(random(4096, 5)), 0);
        NbdServers.signal(server, "STOP");
        try {
            // 32 MiB fill the socket's buffers: the send itself blocks, with no reply to wait for.
            long start = System.nanoTime();
            assertThatThrownBy(() -> d.write(ByteBuffer.allocateDirect(32 << 20), 0)).isInstanceOf(IOException.class)
                    .hasMessageContaining("no answer within 3 s");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(2_000L, 10_000L);

            // A new connection is accepted by the kernel, but nobody says hello.
            start = System.nanoTime();
            assertThatThrownBy(() -> open(sock, 1_500)).isInstanceOf(IOException.class)
                    .hasMessageContaining("no answer to the handshake");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(1_000L, 8_000L);
        } finally {
            NbdServers.signal(server, "CONT");
        }
        byte[] after = random(65536, 6);
        d.write(ByteBuffer.wrap(after), 8192); // the server goes on: a new connection serves it
        assertThat(read(d, 8192, 65536)).isEqualTo(after);
    }



}
