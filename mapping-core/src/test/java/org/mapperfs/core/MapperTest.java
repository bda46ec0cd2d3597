package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mapperfs.core.MapperException.Reason.BUSY;
import static org.mapperfs.core.MapperException.Reason.EXISTS;
import static org.mapperfs.core.MapperException.Reason.INVALID;
import static org.mapperfs.core.MapperException.Reason.IO;
import static org.mapperfs.core.MapperException.Reason.NO_SUCH_DEVICE;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The registry and dmsetup's verbs, on real backing files. In this package for openBackingFiles(). */
class MapperTest {
    private static final int S = 512;
    /** Long enough for a thread that is not blocked to finish; a blocked one never does. */
    private static final long SETTLE_MILLIS = 150;

    @TempDir
    Path dir;
    Mapper mapper;
    Path a;
    Path b;
    final ExecutorService pool = TestThreads.pool();

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        a = TestFiles.noiseSectors(dir, "a.img", 64, 1).toRealPath();
        b = TestFiles.noiseSectors(dir, "b.img", 64, 2).toRealPath();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), mapper::close);
            assertThat(mapper.openBackingFiles()).isZero();
        } finally {
            TestThreads.shutdown(pool);
        }
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(MapperException.Reason reason,
            ThrowingCallable call) {
        return assertThatThrownBy(call).isInstanceOf(MapperException.class)
                .satisfies(e -> assertThat(((MapperException) e).reason()).isEqualTo(reason))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private MappedDevice create(String name, String table) throws MapperException {
        return mapper.create(name, table, dir);
    }

    // ---- registry and names ----

    @Test
    void createdDevicesAreFoundByNameAndListedInOrder() throws Exception {
        MappedDevice second = create("second", "0 8 zero\n");
        MappedDevice first = create("first", "0 8 linear " + a + " 0\n");

        assertThat(mapper.device("first")).isSameAs(first);
        assertThat(mapper.find("second")).containsSame(second);
        assertThat(mapper.list()).containsExactly(first, second);
        assertThat(first.size()).isEqualTo(8 * S);
    }

    @Test
    void createRefusesAnExistingNameAndKeepsTheDevice() throws Exception {
        MappedDevice original = create("dev", "0 8 zero\n");

        assertRefused(EXISTS, () -> create("dev", "0 8 linear " + a + " 0\n"))
                .hasMessage("device dev already exists");

        assertThat(mapper.device("dev")).isSameAs(original);
        assertThat(mapper.openBackingFiles()).isZero();
    }

    @Test
    void aUuidIsKeptAndUniqueAmongDevices() throws Exception {
        MappedDevice a = mapper.create("a", "CRYPT-LUKS2-1", "0 8 zero\n", dir);

        assertThat(a.uuid()).isEqualTo("CRYPT-LUKS2-1");
        assertThat(mapper.create("b", "0 8 zero\n", dir).uuid()).isEmpty();
        assertThatThrownBy(() -> mapper.create("c", "CRYPT-LUKS2-1", "0 8 zero\n", dir))
                .isInstanceOf(MapperException.class).hasMessage("UUID CRYPT-LUKS2-1 is already used by a");
        assertThatThrownBy(() -> mapper.create("c", "two words", "0 8 zero\n", dir))
                .isInstanceOf(MapperException.class).hasMessageStartingWith("invalid UUID");
        assertThat(mapper.list()).extracting(MappedDevice::name).containsExactly("a", "b");
    }

    @Test
    void unknownDeviceIsNoSuchDevice() {
        assertRefused(NO_SUCH_DEVICE, () -> mapper.device("ghost")).hasMessage("no device named 'ghost'");
        assertRefused(NO_SUCH_DEVICE, () -> mapper.suspend("ghost", true));
        assertRefused(NO_SUCH_DEVICE, () -> mapper.remove("ghost", true));
        assertThat(mapper.find("ghost")).isEmpty();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {".", "..", "control", "a/b", ".meta", "", "a b", "tab\t", "é", "-1", "--force"})
    void invalidNamesAreRefusedForCreateAndRename(String name) throws Exception {
        assertRefused(INVALID, () -> create(name, "0 8 zero\n")).hasMessageStartingWith("invalid device name '");
        create("ok", "0 8 zero\n");

        assertRefused(INVALID, () -> mapper.rename("ok", name));

        assertThat(mapper.list()).extracting(MappedDevice::name).containsExactly("ok");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"vol0", "a.b", "x-y_z+1", "controls", "a..", "0"})
    void validNamesAreAccepted(String name) throws Exception {
        assertThat(create(name, "0 8 zero\n").name()).isEqualTo(name);
    }

    @Test
    void nameOfMaximumLengthIsAccepted() throws Exception {
        String name = "n".repeat(127);

        assertThat(create(name, "0 8 zero\n").name()).isEqualTo(name);
        assertRefused(INVALID, () -> create("n".repeat(128), "0 8 zero\n"));
    }

    // ---- suspend and resume ----

    @Test
    void suspendMakesNewIoWaitAndResumeLetsItComplete() throws Exception {
        MappedDevice dev = create("dev", "0 64 linear " + a + " 0\n");
        mapper.suspend("dev", true);
        assertThat(dev.isSuspended()).isTrue();

        Future<?> write = pool.submit(() -> {
            write(dev, 1000, seeded(3000, 5));
            return null;
        });
        Thread.sleep(SETTLE_MILLIS);
        assertThat(write).isNotDone();
        assertThat(slice(bytes(a), 1000, 3000)).isNotEqualTo(seeded(3000, 5));

        mapper.resume("dev");

        write.get(5, TimeUnit.SECONDS);
        assertThat(dev.isSuspended()).isFalse();
        assertThat(slice(bytes(a), 1000, 3000)).isEqualTo(seeded(3000, 5));
        assertThat(dev.stats().errors()).isZero();
    }

    @Test
    void suspendWaitsForIoInFlightToDrain() throws Exception {
        // The upper device's write is in flight (past its own gate) while it waits at the
        // suspended lower device: suspending the upper device must wait for it.
        create("lower", "0 64 linear " + a + " 0\n");
        MappedDevice upper = create("upper", "0 32 linear lower 16\n");
        mapper.suspend("lower", false);
        Future<?> write = pool.submit(() -> {
            write(upper, 0, seeded(S, 6));
            return null;
        });
        Thread.sleep(SETTLE_MILLIS);

        Future<?> suspendUpper = pool.submit(() -> {
            mapper.suspend("upper", true);
            return null;
        });
        Thread.sleep(SETTLE_MILLIS);
        assertThat(suspendUpper).isNotDone();
        assertThat(write).isNotDone();

        mapper.resume("lower");

        write.get(5, TimeUnit.SECONDS);
        suspendUpper.get(5, TimeUnit.SECONDS);
        assertThat(upper.isSuspended()).isTrue();
        assertThat(slice(bytes(a), 16 * S, S)).isEqualTo(seeded(S, 6));
        mapper.resume("upper");
    }

    @Test
    void otherDevicesAndCommandsKeepWorkingWhileOneIsSuspended() throws Exception {
        MappedDevice one = create("one", "0 32 linear " + a + " 0\n");
        MappedDevice two = create("two", "0 32 linear " + a + " 32\n");
        mapper.suspend("one", true);
        Future<byte[]> waiting = pool.submit(() -> read(one, 0, S));

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            write(two, 0, seeded(S, 7));
            create("three", "0 8 zero\n");
            mapper.load("one", "0 32 linear " + b + " 0\n", dir);
            mapper.suspend("two", true);
            mapper.resume("two");
        });

        assertThat(waiting).isNotDone();
        mapper.resume("one");
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo(slice(bytes(b), 0, S));
    }

    @Test
    void loadKeepsTheLiveTableUntilResumeSwapsItInAndRaisesTheEvent() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        long event = dev.eventNumber();

        mapper.load("dev", "0 32 linear " + b + " 8\n", dir);

        assertThat(dev.liveTable().text()).isEqualTo("0 16 linear " + a + " 0\n");
        assertThat(dev.size()).isEqualTo(16 * S);
        assertThat(read(dev, 0, S)).isEqualTo(slice(bytes(a), 0, S));
        assertThat(dev.inactiveTable()).map(Table::text).contains("0 32 linear " + b + " 8\n");
        assertThat(dev.eventNumber()).isEqualTo(event);

        mapper.resume("dev");

        assertThat(dev.liveTable().text()).isEqualTo("0 32 linear " + b + " 8\n");
        assertThat(dev.size()).isEqualTo(32 * S);
        assertThat(read(dev, 0, S)).isEqualTo(slice(bytes(b), 8 * S, S));
        assertThat(dev.inactiveTable()).isEmpty();
        assertThat(dev.eventNumber()).isEqualTo(event + 1);
        assertThat(mapper.openBackingFiles()).as("a.img let go with the old table").isEqualTo(1);
    }

    @Test
    void resumeOfASuspendedDeviceSwapsTheLoadedTable() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        mapper.suspend("dev", true);
        mapper.load("dev", "0 8 zero\n", dir);

        mapper.resume("dev");

        assertThat(dev.liveTable().text()).isEqualTo("0 8 zero\n");
        assertThat(dev.isSuspended()).isFalse();
    }

    @Test
    void clearDropsTheInactiveTableAndItsFiles() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        mapper.load("dev", "0 16 linear " + b + " 0\n", dir);
        assertThat(mapper.openBackingFiles()).isEqualTo(2);

        assertThat(mapper.clear("dev")).isTrue();

        assertThat(dev.inactiveTable()).isEmpty();
        assertThat(mapper.openBackingFiles()).isEqualTo(1);
        assertThat(mapper.clear("dev")).isFalse();
        mapper.resume("dev");
        assertThat(dev.liveTable().text()).isEqualTo("0 16 linear " + a + " 0\n");
        assertThat(dev.eventNumber()).isZero();
    }

    @Test
    void aFileMadeAnewAtTheSamePathIsOpenedAnewByTheNextTable() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        java.nio.file.Files.delete(a);
        TestFiles.noiseSectors(dir, "a.img", 64, 3);

        mapper.load("dev", "0 16 linear " + a + " 0\n", dir);

        assertThat(mapper.openBackingFiles()).as("the deleted file and the new one").isEqualTo(2);
        assertThat(read(dev, 0, S)).as("the live table keeps its file").isNotEqualTo(slice(bytes(a), 0, S));
        mapper.resume("dev");
        assertThat(read(dev, 0, S)).isEqualTo(slice(bytes(a), 0, S));
        write(dev, 3 * S, seeded(S, 9));
        assertThat(slice(bytes(a), 3 * S, S)).isEqualTo(seeded(S, 9));
        assertThat(mapper.openBackingFiles()).isEqualTo(1);
    }

    @Test
    void loadingOverALoadedTableReleasesTheReplacedOne() throws Exception {
        create("dev", "0 16 linear " + a + " 0\n");
        mapper.load("dev", "0 16 linear " + b + " 0\n", dir);

        mapper.load("dev", "0 16 linear " + a + " 16\n", dir);

        assertThat(mapper.openBackingFiles()).isEqualTo(1);
    }

    @Test
    void aLoadCheckThatRefusesLeavesNothingLoadedAndNoFileOpen() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");

        assertRefused(BUSY, () -> mapper.load("dev", "0 8 linear " + b + " 0\n", dir, (device, table) -> {
            assertThat(device).isSameAs(dev);
            if (table.size() < device.size()) {
                throw new MapperException(BUSY, "would shrink " + device.name());
            }
        })).hasMessage("would shrink dev");

        assertThat(dev.inactiveTable()).isEmpty();
        assertThat(mapper.openBackingFiles()).isEqualTo(1);
        mapper.load("dev", "0 32 linear " + b + " 0\n", dir, (device, table) -> {});
        assertThat(dev.inactiveTable()).isPresent();
    }

    @Test
    void resumeWhoseFlushFailsKeepsBothTablesAndLeavesTheDeviceRunning() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        mapper.load("dev", "0 16 linear " + b + " 0\n", dir);
        closeBackingFileUnder(dev);

        assertRefused(IO, () -> mapper.resume("dev")).hasMessageStartingWith("resume dev: flush failed");

        assertThat(dev.liveTable().text()).isEqualTo("0 16 linear " + a + " 0\n");
        assertThat(dev.inactiveTable()).map(Table::text).contains("0 16 linear " + b + " 0\n");
        assertThat(dev.isSuspended()).isFalse();
        assertThat(dev.eventNumber()).isZero();
    }

    @Test
    void suspendWhoseFlushFailsLeavesTheDeviceRunning() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        closeBackingFileUnder(dev);

        assertRefused(IO, () -> mapper.suspend("dev", true)).hasMessageStartingWith("suspend dev: flush failed");

        assertThat(dev.isSuspended()).isFalse();
        Future<byte[]> read = pool.submit(() -> read(dev, 0, S));
        assertThatThrownBy(() -> read.get(5, TimeUnit.SECONDS)).as("fails at the closed file, not at the gate")
                .hasCauseInstanceOf(IOException.class);
    }

    /** The file under the device goes away as a yanked disk would: its channel closes. */
    /** Dirties the device's backing file (a flush with nothing written does no I/O), then closes it. */
    private static void closeBackingFileUnder(MappedDevice dev) throws IOException {
        dev.write(ByteBuffer.allocate(512), 0);
        ((FileDevice) dev.liveTable().devices().iterator().next()).close();
    }

    @Test
    void awaitEventReturnsAfterAResumeAndTimesOutOtherwise() throws Exception {
        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        long event = dev.eventNumber();
        Future<Long> waiter = pool.submit(() -> dev.awaitEvent(event, 10_000));

        mapper.load("dev", "0 8 zero\n", dir);
        Thread.sleep(SETTLE_MILLIS);
        assertThat(waiter).as("a load is no event").isNotDone();
        mapper.resume("dev");

        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(event + 1);
        assertThat(dev.awaitEvent(event + 1, 50)).isEqualTo(-1);
    }

    // ---- remove ----

    @Test
    void removeRefusesADeviceAnotherDeviceUsesAndNamesTheUser() throws Exception {
        create("lower", "0 64 linear " + a + " 0\n");
        create("upper", "0 32 linear lower 0\n");
        create("staged", "0 8 zero\n");
        mapper.load("staged", "0 8 linear lower 0\n", dir);

        assertRefused(BUSY, () -> mapper.remove("lower", true))
                .hasMessage("device lower is in use by staged, upper");

        assertThat(mapper.users(mapper.device("lower"))).containsExactly("staged", "upper");
        mapper.remove("upper", false);
        mapper.clear("staged");
        mapper.remove("lower", false);
        assertThat(mapper.find("lower")).isEmpty();
        assertThat(mapper.openBackingFiles()).isZero();
    }

    @Test
    void removeRefusesAnOpenDeviceUnlessForcedAndTheOldHandleThenFails() throws Exception {
        MappedDevice dev = create("dev", "0 64 linear " + a + " 0\n");
        dev.opened();

        assertRefused(BUSY, () -> mapper.remove("dev", false)).hasMessageContaining("dev is open (1 handle(s))");
        assertThat(mapper.find("dev")).isPresent();

        mapper.remove("dev", true);

        assertThat(mapper.find("dev")).isEmpty();
        assertThat(mapper.openBackingFiles()).isZero();
        Future<byte[]> stale = pool.submit(() -> read(dev, 0, S));
        assertThatThrownBy(() -> stale.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("device dev has been removed");
    }

    @Test
    void removeOfASuspendedDeviceFailsItsWaitingIo() throws Exception {
        MappedDevice dev = create("dev", "0 64 linear " + a + " 0\n");
        mapper.suspend("dev", true);
        Future<byte[]> waiting = pool.submit(() -> read(dev, 0, S));
        Thread.sleep(SETTLE_MILLIS);

        mapper.remove("dev", false);

        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("has been removed");
    }

    @Test
    void backingFilesAreOpenedOnceAndClosedWithTheirLastUser() throws Exception {
        create("one", "0 8 linear " + a + " 0\n8 8 linear ./a.img 8\n");
        create("two", "0 16 striped 2 8 " + a + " 16 " + b + " 0\n");
        assertThat(mapper.openBackingFiles()).isEqualTo(2);

        mapper.remove("two", false);
        assertThat(mapper.openBackingFiles()).isEqualTo(1);
        mapper.remove("one", false);
        assertThat(mapper.openBackingFiles()).isZero();
    }

    // ---- references between devices ----

    @Test
    void aTableNamingItsOwnDeviceIsRefused() throws Exception {
        assertRefused(INVALID, () -> create("self", "0 8 linear self 0\n"))
                .hasMessage("line 1: linear: dev 'self' is the device itself");
        assertThat(mapper.find("self")).isEmpty();

        MappedDevice dev = create("dev", "0 16 linear " + a + " 0\n");
        assertRefused(INVALID, () -> mapper.load("dev", "0 8 zero\n8 8 linear dev 0\n", dir))
                .hasMessage("line 2: linear: dev 'dev' is the device itself");

        assertThat(dev.liveTable().text()).isEqualTo("0 16 linear " + a + " 0\n");
        assertThat(dev.inactiveTable()).isEmpty();
    }

    @Test
    void aCycleThroughOtherDevicesIsRefusedAndTheLiveTableIsUntouched() throws Exception {
        MappedDevice x = create("x", "0 64 linear " + a + " 0\n");
        create("y", "0 32 linear x 0\n");
        create("z", "0 16 linear y 0\n");

        assertRefused(INVALID, () -> mapper.load("x", "0 8 linear " + b + " 0\n8 8 linear z 0\n", dir))
                .hasMessage("line 2: linear: dev 'z' uses x: the table would make a cycle");

        assertThat(x.liveTable().text()).isEqualTo("0 64 linear " + a + " 0\n");
        assertThat(x.inactiveTable()).isEmpty();
        assertThat(mapper.openBackingFiles()).as("b.img released").isEqualTo(1);
        write(x, 0, seeded(S, 8));
        assertThat(read(mapper.device("z"), 0, S)).isEqualTo(seeded(S, 8));
    }

    @Test
    void aCycleThroughAnInactiveTableIsRefused() throws Exception {
        create("x", "0 64 linear " + a + " 0\n");
        create("y", "0 8 zero\n");
        mapper.load("y", "0 8 linear x 0\n", dir);

        assertRefused(INVALID, () -> mapper.load("x", "0 8 linear y 0\n", dir)).hasMessageContaining("cycle");
        assertRefused(BUSY, () -> mapper.remove("x", true)).hasMessage("device x is in use by y");
    }

    @Test
    void renameKeepsTheTablesOfUsersPrintingTheNewName() throws Exception {
        create("lower", "0 64 linear " + a + " 0\n");
        MappedDevice upper = create("upper", "0 16 linear lower 8\n16 16 striped 2 8 lower 32 " + b + " 0\n");

        mapper.rename("lower", "base");

        assertThat(upper.liveTable().text())
                .isEqualTo("0 16 linear base 8\n16 16 striped 2 8 base 32 " + b + " 0\n");
        assertThat(upper.liveTable().statusText()).contains("striped 2 base " + b + " 1 AA");
        assertThat(mapper.find("lower")).isEmpty();
        assertThat(mapper.device("base").name()).isEqualTo("base");
        assertThat(create("again", upper.liveTable().text()).liveTable().text()).isEqualTo(upper.liveTable().text());
        assertRefused(INVALID, () -> create("stale", "0 8 linear lower 0\n"));
        assertRefused(BUSY, () -> mapper.remove("base", false)).hasMessageContaining("in use by again, upper");
    }

    @Test
    void renameRefusesATakenNameAndAnUnknownDevice() throws Exception {
        create("one", "0 8 zero\n");
        create("two", "0 8 zero\n");

        assertRefused(EXISTS, () -> mapper.rename("one", "two")).hasMessage("device two already exists");
        assertRefused(NO_SUCH_DEVICE, () -> mapper.rename("ghost", "three"));
        assertThat(mapper.list()).extracting(MappedDevice::name).containsExactly("one", "two");
    }

    @Test
    void aPathInTheDeviceDirectoryNamesThatDevice() throws Exception {
        Path mount = dir.resolve("mnt");
        try (Mapper mounted = new Mapper(TargetRegistry.standard(), HolePuncher.NONE, VectorIo.NONE, Optional.of(mount))) {
            mounted.create("lower", "0 64 linear " + a + " 0\n", dir);

            MappedDevice upper = mounted.create("upper", "0 8 linear " + mount.resolve("lower") + " 8\n", dir);

            assertThat(upper.liveTable().text()).isEqualTo("0 8 linear lower 8\n");
            assertThatThrownBy(() -> mounted.create("bad", "0 8 linear " + mount.resolve(".meta/lower") + " 0\n", dir))
                    .isInstanceOf(TableException.class).hasMessageContaining("inside the mapperfs mount");
            assertThatThrownBy(() -> mounted.load("lower", "0 8 linear " + mount.resolve("upper") + " 0\n", dir))
                    .isInstanceOf(TableException.class).hasMessageContaining("cycle");
        }
    }

    @Test
    void aBareNameThatIsNoDeviceButAFileInTheBaseDirectoryIsThatFile() throws Exception {
        MappedDevice dev = create("dev", "0 8 linear a.img 0\n");

        assertThat(dev.liveTable().text()).isEqualTo("0 8 linear " + a + " 0\n");
    }

    // ---- message ----

    @Test
    void messageToATargetWithoutMessagesIsAnError() throws Exception {
        create("dev", "0 8 linear " + a + " 0\n8 8 zero\n");

        assertRefused(INVALID, () -> mapper.message("dev", 0, List.of("hello"))).hasMessage("linear: accepts no messages");
        assertRefused(INVALID, () -> mapper.message("dev", 15, List.of("hello"))).hasMessage("zero: accepts no messages");
        assertRefused(INVALID, () -> mapper.message("dev", 16, List.of("hello")))
                .hasMessage("sector 16 is outside dev (16 sectors)");
        assertRefused(INVALID, () -> mapper.message("dev", 0, List.of())).hasMessageContaining("no message");
        assertRefused(NO_SUCH_DEVICE, () -> mapper.message("ghost", 0, List.of("hello")));
    }

    // ---- close ----

    @Test
    void closeClosesEveryDeviceAndBackingFile() throws Exception {
        create("lower", "0 64 linear " + a + " 0\n");
        create("upper", "0 32 striped 2 8 lower 0 " + b + " 0\n");
        create("top", "0 16 linear upper 0\n");
        mapper.load("lower", "0 64 linear " + b + " 0\n", dir);
        MappedDevice top = mapper.device("top");

        mapper.close();

        assertThat(mapper.openBackingFiles()).isZero();
        assertThat(mapper.list()).isEmpty();
        Future<byte[]> late = pool.submit(() -> read(top, 0, 1));
        assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void closeDoesNotHangOnSuspendedDevices() throws Exception {
        create("lower", "0 64 linear " + a + " 0\n");
        MappedDevice upper = create("upper", "0 32 linear lower 0\n");
        create("alone", "0 32 linear " + b + " 0\n");
        write(upper, 0, seeded(S, 9));
        mapper.suspend("lower", false);
        mapper.suspend("alone", false);

        assertTimeoutPreemptively(Duration.ofSeconds(5), mapper::close);

        assertThat(mapper.openBackingFiles()).isZero();
        assertThat(slice(bytes(a), 0, S)).isEqualTo(seeded(S, 9));
    }
}
