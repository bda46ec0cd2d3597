package org.mapperfs.core.targets.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.ForwardingDevice;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.MemoryDevice;
import org.mapperfs.core.Table;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.TestFiles;
import org.mapperfs.core.TestThreads;

class MirrorTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path a;
    Path b;
    Path c;
    Path logFile;
    final List<FileDevice> opened = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        a = TestFiles.noiseSectors(dir, "a.img", 2048, 1).toRealPath();
        b = TestFiles.noiseSectors(dir, "b.img", 2048, 2).toRealPath();
        c = TestFiles.noiseSectors(dir, "c.img", 2048, 3).toRealPath();
        logFile = TestFiles.noiseSectors(dir, "log.img", 8, 4).toRealPath();
    }

    @AfterEach
    void tearDown() throws IOException {
        mapper.close();
        for (FileDevice f : opened) {
            f.close();
        }
    }

    // ---- syntax ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "mirror                                | missing log_type",
            "mirror ram 1 8 2 A 0 B 0              | unknown log_type 'ram'",
            "mirror core 0 8 2 A 0 B 0             | invalid #log_args 0: must be between 1 and 2",
            "mirror core 2 8                       | #log_args is 2 but only 1 arguments follow",
            "mirror core 1 4 2 A 0 B 0             | invalid region_size 4: must be between 8",
            "mirror core 1 24 2 A 0 B 0            | invalid region_size 24: must be a power of 2",
            "mirror core 2 8 maybe 2 A 0 B 0       | invalid log argument 'maybe': expected sync or nosync",
            "mirror core 1 8 1 A 0                 | invalid #devs 1: must be between 2 and 32",
            "mirror core 1 8 33 A 0                | invalid #devs 33: must be between 2 and 32",
            "mirror core 1 8 2 A 0                 | expected 2 <dev> <offset> pairs, got 2 arguments",
            "mirror core 1 8 2 A 0 B 1900          | B is too small: needs 3948 sectors (2048 from offset 1900)",
            "mirror core 1 8 2 A 0 B 0 1           | expected 1 arguments (<#features> <features...>), got 0",
            "mirror core 1 8 2 A 0 B 0 1 fast      | unknown feature 'fast'",
            "mirror core 1 8 2 A 0 B 0 1 keep_log  | keep_log needs handle_errors",
            "mirror core 1 8 2 A 0 B 0 2 handle_errors | expected 2 arguments",
            "mirror disk 2 LOG 8 2 A 0 B 0         | log_dev LOG is too small: needs 544 bytes for 256 regions",
            "mirror disk 1 8 2 A 0 B 0             | invalid #log_args 1: must be between 2 and 3",
    })
    void badArgumentsAreRefusedWithTheLineAndTheField(String line, String message) {
        MemoryDevice small = new MemoryDevice("LOG", 512);
        assertThatThrownBy(() -> Table.build("0 2048 " + line + "\n", TargetRegistry.standard(), arg -> switch (arg) {
            case "LOG" -> small;
            case "B" -> new MemoryDevice("B", 2048 * S);
            default -> new MemoryDevice(arg, 4096 * S);
        }, () -> {}))
                .isInstanceOf(TableException.class)
                .hasMessageStartingWith("line 1: mirror: ")
                .hasMessageContaining(message);
    }

    @Test
    void paramsRoundTripAndStatusFollowsDm() throws Exception {
        MappedDevice core = mapper.create("core", "0 2048 mirror core 2 64 nosync 2 " + a + " 0 " + b + " 0"
                + " 3 handle_errors max_recovery_rate 100\n", dir);
        MappedDevice disk = mapper.create("disk", "0 1024 mirror disk 2 " + logFile + " 16 2 " + b + " 1024 " + c
                + " 0 1 handle_errors\n", dir);
        Target coreTarget = core.liveTable().segments().get(0).target();
        Target diskTarget = disk.liveTable().segments().get(0).target();

        assertThat(coreTarget.params()).isEqualTo("core 2 64 nosync 2 " + a + " 0 " + b + " 0"
                + " 3 handle_errors max_recovery_rate 100");
        assertThat(diskTarget.params()).isEqualTo("disk 2 " + logFile + " 16 2 " + b + " 1024 " + c
                + " 0 1 handle_errors");
        assertThat(coreTarget.status()).isEqualTo("2 " + a + " " + b + " 32/32 1 AA 1 core");
        assertThat(diskTarget.status()).matches("2 " + b + " " + c + " \\d+/64 1 AA 3 disk " + logFile + " A");
        mapper.create("again", "0 2048 mirror " + coreTarget.params() + "\n", dir);
        assertThat(mapper.device("again").liveTable().segments().get(0).target().params())
                .isEqualTo(coreTarget.params());
    }

    @Test
    void theResyncRateMessageShowsInTheTableAndBadMessagesAreRefused() throws Exception {
        mapper.create("m", "0 2048 mirror core 2 64 nosync 2 " + a + " 0 " + b + " 0\n", dir);

        mapper.message("m", 0, List.of("mirror_resync_rate", "512"));

        assertThat(mapper.device("m").liveTable().segments().get(0).target().params()).endsWith(" 2 max_recovery_rate 512");
        assertThatThrownBy(() -> mapper.message("m", 0, List.of("mirror_resync_rate", "-1")))
                .isInstanceOf(MapperException.class).hasMessageContaining("invalid rate '-1'");
        // KiB/s whose bytes per second do not fit a long: the table would refuse it too.
        assertThatThrownBy(() -> mapper.message("m", 0, List.of("mirror_resync_rate", "18014398509481984")))
                .isInstanceOf(MapperException.class).hasMessageContaining("invalid rate '18014398509481984'");
        assertThat(mapper.device("m").liveTable().segments().get(0).target().params()).endsWith(" 2 max_recovery_rate 512");
        assertThatThrownBy(() -> mapper.message("m", 0, List.of("resync_now")))
                .isInstanceOf(MapperException.class).hasMessageContaining("unknown message 'resync_now'");
    }

    // ---- data path ----

    @Test
    void writesLandOnEveryLegAtItsOffset() throws Exception {
        MappedDevice m = mapper.create("m", "0 1024 mirror core 2 8 nosync 3 " + a + " 0 " + b + " 100 " + c
                + " 1024\n", dir);
        byte[] data = seeded(100_000, 9);

        write(m, 5000, data);

        assertThat(slice(bytes(a), 5000, data.length)).isEqualTo(data);
        assertThat(slice(bytes(b), 100 * S + 5000, data.length)).isEqualTo(data);
        assertThat(slice(bytes(c), 1024 * S + 5000, data.length)).isEqualTo(data);
    }

    @Test
    void readsOfRegionsInSyncAreSpreadOverTheLegs() throws Exception {
        // nosync on legs that differ: which leg served a read shows in the bytes.
        MappedDevice m = mapper.create("m", "0 64 mirror core 2 8 nosync 2 " + a + " 0 " + b + " 0\n", dir);
        byte[] fromA = slice(bytes(a), 0, 4096);
        byte[] fromB = slice(bytes(b), 0, 4096);

        List<byte[]> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(read(m, 0, 4096));
        }

        assertThat(seen).anySatisfy(x -> assertThat(x).isEqualTo(fromA));
        assertThat(seen).anySatisfy(x -> assertThat(x).isEqualTo(fromB));
    }

    @Test
    void regionsNotInSyncAreReadFromThePrimary() throws Exception {
        // Built, never resumed: no resync runs, every region stays out of sync.
        Table table = Table.build("0 64 mirror core 1 8 2 " + a + " 0 " + b + " 0\n", TargetRegistry.standard(),
                arg -> mapperFile(arg), () -> {});
        try {
            for (int i = 0; i < 4; i++) {
                assertThat(readTable(table, 0, 4096)).isEqualTo(slice(bytes(a), 0, 4096));
            }
            assertThat(table.segments().get(0).target().status()).contains(" 0/8 1 AA ");
        } finally {
            table.close();
        }
    }

    private BlockDevice mapperFile(String path) throws TableException {
        try {
            FileDevice file = FileDevice.open(Path.of(path), HolePuncher.NONE);
            opened.add(file);
            return file;
        } catch (IOException e) {
            throw new TableException(e.getMessage());
        }
    }

    @Test
    void resyncCopiesThePrimaryToEveryLegRaisesAnEventAndReportsAllInSync() throws Exception {
        MappedDevice m = mapper.create("m", "0 2000 mirror core 1 64 3 " + a + " 0 " + b + " 48 " + c + " 0\n", dir);

        awaitInSync(m, 32);
        // The resync raises its event after marking the last region, so it may trail the status.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (m.eventNumber() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }

        assertThat(m.eventNumber()).isGreaterThanOrEqualTo(1);
        byte[] primary = slice(bytes(a), 0, 2000 * S);
        assertThat(slice(bytes(b), 48 * S, 2000 * S)).isEqualTo(primary);
        assertThat(slice(bytes(c), 0, 2000 * S)).isEqualTo(primary);
        assertThat(status(m)).contains(" 32/32 1 AAA 1 core");
    }

    /**
     * Writers hammer the regions while the resync copies them from a primary whose reads are slow
     * (so each copy holds its region a while). Without region locking a write lands on both legs
     * between the copy's read and its write, and the copy puts old bytes back on leg 1.
     */
    @Test
    void writesRacingTheCopyOfTheirRegionAreNeverLost() throws Exception {
        int sectors = 512;
        MemoryDevice primary = new MemoryDevice("p", sectors * S);
        MemoryDevice second = new MemoryDevice("q", sectors * S);
        new Random(1).nextBytes(primary.data());
        new Random(2).nextBytes(second.data());
        CountDownLatch writing = new CountDownLatch(3); // the resync's copies wait for every writer
        BlockDevice slowPrimary = new SlowReads(primary, writing);
        Table table = Table.build("0 " + sectors + " mirror core 1 8 2 p 0 q 0\n", TargetRegistry.standard(),
                arg -> arg.equals("p") ? slowPrimary : second, () -> {});
        Target mirror = table.segments().get(0).target();
        ExecutorService pool = TestThreads.pool();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger writes = new AtomicInteger();
        try {
            mirror.resume();
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                long seed = t;
                // Each writer keeps to its own third of every region: writes racing each other on
                // the same bytes have no defined result, on one disk or on a mirror's two legs.
                int slot = t * (8 * S / 3);
                writers.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    byte[] data = new byte[1024];
                    boolean first = true;
                    while (!stop.get()) {
                        random.nextBytes(data);
                        // Regions are copied in order: aim at the one being copied, or anywhere.
                        long region = random.nextInt(4) == 0 ? random.nextInt(64)
                                : Math.min(63, inSync(mirror.status()));
                        long at = region * 8 * S + slot + random.nextInt(8 * S / 3 - data.length);
                        table.write(ByteBuffer.wrap(data), at);
                        writes.incrementAndGet();
                        if (first) {
                            writing.countDown();
                            first = false;
                        }
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!mirror.status().contains(" 64/64 ") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            stop.set(true);
            for (Future<?> f : writers) {
                f.get();
            }
        } finally {
            stop.set(true);
            TestThreads.shutdown(pool);
            table.close();
        }
        System.out.println("race: " + writes.get() + " writes during the resync");
        assertThat(mirror.status()).contains(" 64/64 ");
        assertThat(writes.get()).isGreaterThan(64);
        assertThat(second.data()).as("leg 1 equals the primary byte for byte").isEqualTo(primary.data());
    }

    // ---- failures ----

    @Test
    void aLegThatFailsIsDroppedAndIoGoesOnOnTheOthers() throws Exception {
        mapper.create("legb", "0 2048 linear " + b + " 0\n", dir);
        MappedDevice m = mapper.create("m", "0 1024 mirror core 2 8 nosync 2 " + a + " 0 legb 0\n", dir);
        long events = m.eventNumber();

        mapper.load("legb", "0 2048 error\n", dir);
        mapper.resume("legb");
        byte[] data = seeded(8192, 3);
        write(m, 4096, data);

        // The two regions written while legb is down are out of sync on it, as dm marks them nosync.
        assertThat(status(m)).isEqualTo("2 " + a + " legb 126/128 1 AD 1 core");
        assertThat(m.eventNumber()).isGreaterThan(events);
        for (int i = 0; i < 4; i++) {
            assertThat(read(m, 4096, data.length)).isEqualTo(data);
        }
    }

    @Test
    void aReadThatFailsIsRetriedOnAnotherLegAndTheLegMarkedR() throws Exception {
        MemoryDevice p = new MemoryDevice("p", 64 * S);
        MemoryDevice q = new MemoryDevice("q", 64 * S);
        byte[] data = seeded(64 * S, 4);
        System.arraycopy(data, 0, p.data(), 0, data.length);
        System.arraycopy(data, 0, q.data(), 0, data.length);
        Table table = Table.build("0 64 mirror core 2 8 nosync 2 p 0 q 0\n", TargetRegistry.standard(),
                arg -> arg.equals("p") ? p : q, () -> {});
        q.failIo(true);

        for (int i = 0; i < 4; i++) {
            assertThat(readTable(table, 512, 4096)).isEqualTo(slice(data, 512, 4096));
        }

        assertThat(table.segments().get(0).target().status()).endsWith(" 1 AR 1 core");
        table.close();
    }

    @Test
    void whenTheLastLegFailsIoFails() throws Exception {
        mapper.create("l0", "0 1024 linear " + a + " 0\n", dir);
        mapper.create("l1", "0 1024 linear " + b + " 0\n", dir);
        MappedDevice m = mapper.create("m", "0 1024 mirror core 2 8 nosync 2 l0 0 l1 0\n", dir);
        for (String leg : List.of("l0", "l1")) {
            mapper.load(leg, "0 1024 error\n", dir);
            mapper.resume(leg);
        }

        assertThatThrownBy(() -> write(m, 0, new byte[4096])).isInstanceOf(IOException.class)
                .hasMessageContaining("no healthy leg left to write");
        assertThatThrownBy(() -> read(m, 0, 4096)).isInstanceOf(IOException.class);
        assertThat(status(m)).contains(" 1 DD 1 core");
    }

    @Test
    void aLegReplacedByReloadStartsOutOfSyncAndResyncs() throws Exception {
        MappedDevice m = mapper.create("m", "0 1024 mirror core 2 64 nosync 2 " + a + " 0 " + b + " 0\n", dir);
        write(m, 0, seeded(1024 * S, 5));

        mapper.load("m", "0 1024 mirror core 1 64 2 " + a + " 0 " + c + " 0\n", dir);
        mapper.resume("m");
        awaitInSync(m, 16);

        assertThat(slice(bytes(c), 0, 1024 * S)).isEqualTo(seeded(1024 * S, 5));
    }

    // ---- lifecycle ----

    @Test
    void suspendStopsTheResyncAndResumeContinuesIt() throws Exception {
        // 256 regions of 4 KiB at 200 KiB/s: about 5 s.
        MappedDevice m = mapper.create("m", "0 2048 mirror core 1 8 2 " + a + " 0 " + b + " 0"
                + " 2 max_recovery_rate 200\n", dir);
        awaitAtLeast(m, 1);

        mapper.suspend("m", true);
        long stopped = inSync(m);
        Thread.sleep(400);
        assertThat(inSync(m)).as("no copy while suspended").isEqualTo(stopped);
        assertThat(stopped).isBetween(1L, 255L);

        mapper.resume("m");
        mapper.message("m", 0, List.of("mirror_resync_rate", "0"));
        awaitInSync(m, 256);
        assertThat(bytes(b)).isEqualTo(bytes(a));
    }

    @Test
    void aDiskLogKeepsResyncProgressAcrossAMapperCloseAndReopen() throws Exception {
        String table = "0 2048 mirror disk 2 " + logFile + " 8 2 " + a + " 0 " + b + " 0 2 max_recovery_rate 200\n";
        MappedDevice m = mapper.create("m", table, dir);
        awaitAtLeast(m, 5);
        long before = inSync(m);
        mapper.close();
        assertThat(before).isBetween(1L, 250L);

        mapper = Mapper.standalone();
        MappedDevice again = mapper.create("m", table, dir);
        long after = inSync(again);

        assertThat(after).as("continues, does not restart at 0").isGreaterThanOrEqualTo(before).isLessThan(256);
        mapper.message("m", 0, List.of("mirror_resync_rate", "0"));
        awaitInSync(again, 256);
        assertThat(bytes(b)).isEqualTo(bytes(a));
    }

    @Test
    void aDiskLogLeftDirtyIsNotTrustedAndOtherLegsStartAfresh() throws Exception {
        String table = "0 2048 mirror disk 2 " + logFile + " 8 2 " + a + " 0 " + b + " 0\n";
        MappedDevice m = mapper.create("m", table, dir);
        awaitInSync(m, 256);
        mapper.suspend("m", true);
        mapper.resume("m");
        // Live again: the log is dirty, as after a crash; a second mapper must not trust it.
        // Its resync starts at resume; the primary's reads wait until the status is read, so
        // that no region can be copied before it is.
        CountDownLatch statusRead = new CountDownLatch(1);
        Table t = Table.build(table, TargetRegistry.standard(),
                arg -> arg.equals(a.toString()) ? new HeldReads(mapperFile(arg), statusRead) : mapperFile(arg),
                () -> {});
        try {
            t.segments().get(0).target().resume();
            assertThat(t.segments().get(0).target().status()).contains(" 0/256 ");
        } finally {
            statusRead.countDown();
            t.close();
        }
        mapper.close();
        mapper = Mapper.standalone();
        MappedDevice clean = mapper.create("m", "0 2048 mirror disk 2 " + logFile + " 8 2 " + a + " 0 " + c + " 0"
                + " 2 max_recovery_rate 1\n", dir);
        assertThat(inSync(clean)).as("another leg: nothing adopted").isLessThan(256);
    }

    // ---- helpers ----

    private static String status(MappedDevice m) {
        return m.liveTable().segments().get(0).target().status();
    }

    private static long inSync(MappedDevice m) {
        return inSync(status(m));
    }

    private static long inSync(String status) {
        String[] words = status.split(" ");
        int legs = Integer.parseInt(words[0]);
        return Long.parseLong(words[legs + 1].split("/")[0]);
    }

    /** Waits (at most 30 s) until the resync has copied {@code regions} regions. */
    private static void awaitAtLeast(MappedDevice m, long regions) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (inSync(m) < regions && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static void awaitInSync(MappedDevice m, long total) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (inSync(m) < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(status(m)).contains(" " + total + "/" + total + " ");
    }

    private static byte[] readTable(Table table, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        table.read(buffer, offset);
        return buffer.array();
    }

    /** A leg whose reads wait until {@code open} opens (at most 30 s). */
    private static final class HeldReads extends ForwardingDevice {
        private final CountDownLatch open;

        HeldReads(BlockDevice device, CountDownLatch open) {
            super(device);
            this.open = open;
        }

        @Override
        public void read(ByteBuffer dst, long offset) throws IOException {
            try {
                open.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            device.read(dst, offset);
        }
    }

    /** A leg whose reads return 2 ms late, to widen the window between a copy's read and its write. */
    /** Reads that wait until {@code start} opens (10 s at most), then take 2 ms more each. */
    private static final class SlowReads extends ForwardingDevice {
        private final CountDownLatch start;

        SlowReads(BlockDevice device, CountDownLatch start) {
            super(device);
            this.start = start;
        }

        @Override
        public void read(ByteBuffer dst, long offset) throws IOException {
            device.read(dst, offset);
            try {
                start.await(10, TimeUnit.SECONDS);
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
