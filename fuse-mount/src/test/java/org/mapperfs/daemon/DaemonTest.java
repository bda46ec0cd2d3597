package org.mapperfs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.control.ControlCommands;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.testing.Disks;

/** {@link Daemon#restore}: a state folder written through one mapper comes back in a new one. */
class DaemonTest {
    @TempDir
    Path dir;

    @TempDir
    Path stateDir;

    private Mapper restored;

    @BeforeEach
    void setUp() {
        restored = Mapper.standalone();
    }

    @AfterEach
    void tearDown() {
        restored.close();
    }

    private void restore() throws IOException {
        Daemon.restore(restored, new StateStore(stateDir));
    }

    private static MappedDevice create(Mapper mapper, String name, String table, Path base) throws Exception {
        return mapper.create(name, table, base);
    }

    @Test
    void stackedDevicesComeBackWhateverTheOrderOfTheirFiles() throws Exception {
        Path disk = Disks.file(dir, "disk.img", 32);
        try (Mapper first = Mapper.standalone()) {
            // Names sort against the stacking order: the top is read first, the bottom last.
            create(first, "z-bottom", "0 32 linear " + disk + " 0", dir);
            create(first, "m-middle", "0 16 linear z-bottom 16", dir);
            create(first, "a-top", "0 8 linear m-middle 8", dir);
            new StateStore(stateDir).sync(first);
        }

        restore();

        assertThat(restored.list()).extracting(MappedDevice::name).containsExactly("a-top", "m-middle", "z-bottom");
        assertThat(restored.device("a-top").liveTable().text()).isEqualTo("0 8 linear m-middle 8\n");
        assertThat(restored.device("a-top").liveTable().devices()).containsExactly(restored.device("m-middle"));
        assertThat(restored.device("m-middle").liveTable().devices()).containsExactly(restored.device("z-bottom"));
    }

    @Test
    void aDeviceComesBackWithItsUuid() throws Exception {
        try (Mapper first = Mapper.standalone()) {
            first.create("d", "LVM-abc-123", "0 8 zero", dir);
            first.create("e", "0 8 zero", dir);
            new StateStore(stateDir).sync(first);
        }
        assertThat(Files.readString(stateDir.resolve("d.table"))).isEqualTo("# uuid: LVM-abc-123\n0 8 zero\n");

        restore();

        assertThat(restored.device("d").uuid()).isEqualTo("LVM-abc-123");
        assertThat(restored.device("d").liveTable().text()).isEqualTo("0 8 zero\n");
        assertThat(restored.device("e").uuid()).isEmpty();
    }

    @Test
    void dataWrittenBeforeIsReadableAfterRestore() throws Exception {
        Path disk = Disks.file(dir, "disk.img", 32);
        byte[] data = Disks.seeded(8 * 512, 42);
        try (Mapper first = Mapper.standalone()) {
            create(first, "lower", "0 32 linear " + disk + " 0", dir);
            MappedDevice upper = create(first, "upper", "0 16 linear lower 16", dir);
            Disks.write(upper, 3 * 512, data);
            new StateStore(stateDir).sync(first);
        }

        restore();

        assertThat(Disks.read(restored.device("upper"), 3 * 512, data.length)).isEqualTo(data);
        assertThat(Disks.read(restored.device("lower"), 19 * 512, data.length)).isEqualTo(data);
    }

    @Test
    void aBrokenTableIsSkippedAndTheOthersComeBack() throws Exception {
        Path disk = Disks.file(dir, "disk.img", 16);
        Path doomed = Disks.file(dir, "doomed.img", 16);
        try (Mapper first = Mapper.standalone()) {
            create(first, "a-good", "0 16 linear " + disk + " 0", dir);
            create(first, "b-broken", "0 16 linear " + doomed + " 0", dir);
            create(first, "c-above-broken", "0 8 linear b-broken 0", dir);
            create(first, "d-zero", "0 4 zero", dir);
            new StateStore(stateDir).sync(first);
        }
        Files.delete(doomed);

        restore();

        assertThat(restored.list()).extracting(MappedDevice::name).containsExactly("a-good", "d-zero");
        assertThat(stateDir.resolve("b-broken.table")).as("left as it is").exists();
        assertThat(stateDir.resolve("c-above-broken.table")).exists();
    }

    @Test
    void theTableOfADeviceThatCouldNotBeRestoredSurvivesLaterChanges() throws Exception {
        Path doomed = Disks.file(dir, "doomed.img", 16);
        try (Mapper first = Mapper.standalone()) {
            create(first, "broken", "0 16 linear " + doomed + " 0", dir);
            new StateStore(stateDir).sync(first);
        }
        Files.delete(doomed);
        StateStore store = new StateStore(stateDir);
        Daemon.restore(restored, store);
        ControlCommands commands = new ControlCommands(restored, new Daemon.Info(dir.resolve("mnt"), store));

        // Any change syncs the folder; the broken device's table must not go with it (the backing
        // file may only be missing for now, e.g. on a disk not yet mounted).
        commands.execute("create other 0 8 zero", dir);

        assertThat(stateDir.resolve("broken.table")).exists();
        assertThat(Files.readString(stateDir.resolve("broken.table"))).isEqualTo("0 16 linear " + doomed + " 0\n");
        assertThat(stateDir.resolve("other.table")).exists();
    }

    @Test
    void corruptTableFilesCostOnlyTheirOwnDevices() throws Exception {
        Path disk = Disks.file(dir, "disk.img", 32);
        Files.writeString(stateDir.resolve("good.table"), "0 32 linear " + disk + " 0\n");
        Files.write(stateDir.resolve("binary.table"), new byte[] {0, (byte) 0xff, (byte) 0xfe, 10});
        Files.writeString(stateDir.resolve("truncated.table"), "0 32 linear " + disk);
        Files.writeString(stateDir.resolve("garbage.table"), "\u0000\u0001 not a table");
        Files.createDirectory(stateDir.resolve("dir.table"));
        Files.writeString(stateDir.resolve("-1.table"), "0 8 zero\n");

        restore();

        assertThat(restored.list()).extracting(MappedDevice::name).containsExactly("good");
        for (String name : new String[] {"binary", "truncated", "garbage", "-1"}) {
            assertThat(stateDir.resolve(name + ".table")).as("left as it was").exists();
        }
        assertThat(stateDir.resolve("dir.table")).isDirectory();
    }

    @Test
    void aKernelRequestTimeoutIsReportedOnlyWhenSet() throws Exception {
        Path sysctl = dir.resolve("default_request_timeout");

        assertThat(Daemon.requestTimeout(sysctl)).as("no such setting: an older kernel").isEmpty();
        Files.writeString(sysctl, "0\n");
        assertThat(Daemon.requestTimeout(sysctl)).isEmpty();
        Files.writeString(sysctl, "30\n");
        assertThat(Daemon.requestTimeout(sysctl)).contains(30L);
    }

    @Test
    void anEmptyStateFolderRestoresNothing() throws Exception {
        restore();

        assertThat(restored.list()).isEmpty();
    }
}
