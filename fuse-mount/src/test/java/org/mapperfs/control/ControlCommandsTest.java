package org.mapperfs.control;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.MapperException.Reason;
import org.mapperfs.daemon.Daemon;
import org.mapperfs.testing.Disks;

class ControlCommandsTest extends CommandsTestBase {
    private String stored(String name) throws IOException {
        return Files.readString(stateDir.resolve(name + ".table"));
    }

    // ---- create and where its table comes from ----

    @Test
    void createRepliesWithTheNameAndSize() throws Exception {
        assertThat(run("create d 0 16 zero")).isEqualTo("created d (16 sectors)\n");
        assertThat(mapper.device("d").size()).isEqualTo(16 * 512);
    }

    @Test
    void createTakesAUuidThatInfoShows() throws Exception {
        run("create d --uuid TEST-d\n0 8 zero\n");

        assertThat(run("info d")).contains("Number of targets: 1\nUUID:              TEST-d\n");
        assertThat(run("table d")).isEqualTo("0 8 zero\n");
        assertThat(run("create e 0 8 zero")).isNotEmpty();
        assertThat(run("info e")).doesNotContain("UUID");
    }

    @Test
    void createTakesOneSegmentInlineOnTheFirstLine() throws Exception {
        run("create d 0 8 linear " + disk + " 8");

        assertThat(run("table d")).isEqualTo("0 8 linear " + disk + " 8\n");
    }

    @Test
    void createTakesTheTableOnTheFollowingLines() throws Exception {
        String reply = run("create d\n0 8 linear " + disk + " 0\n# a comment\n8 8 zero\n");

        assertThat(reply).isEqualTo("created d (16 sectors)\n");
        assertThat(run("table d")).isEqualTo("0 8 linear " + disk + " 0\n8 8 zero\n");
    }

    @Test
    void createReadsTheTableFileRelativeToTheBaseDirectory() throws Exception {
        Files.createDirectories(dir.resolve("tables"));
        Files.writeString(dir.resolve("tables/t.table"), "0 4 zero\n4 4 linear " + disk + " 0\n");

        assertThat(run("create d --table-file tables/t.table")).isEqualTo("created d (8 sectors)\n");
        assertThat(run("table d")).isEqualTo("0 4 zero\n4 4 linear " + disk + " 0\n");
    }

    @Test
    void relativeBackingPathsResolveAgainstTheBaseDirectory() throws Exception {
        Path base = dir.resolve("elsewhere");
        Path file = Disks.file(base, "sub/lower.img", 8);

        commands.execute("create d 0 8 linear sub/lower.img 0", base);

        assertThat(run("table d")).isEqualTo("0 8 linear " + file + " 0\n");
    }

    @Test
    void aMissingTableFileIsRefusedWithItsPath() {
        MapperException e = refused("create d --table-file nothing.table");

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).contains(dir.resolve("nothing.table").toString()).contains("does not exist");
        assertThat(mapper.list()).isEmpty();
    }

    @Test
    void aTableBothInlineAndOnTheFollowingLinesIsRefused() {
        MapperException e = refused("create d 0 8 zero\n8 8 zero\n");

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).contains("both");
        assertThat(mapper.find("d")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"create d", "create d\n", "create d\n  \n\t\n"})
    void createWithoutATableIsRefused(String command) {
        MapperException e = refused(command);

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).startsWith("no table given");
        assertThat(mapper.find("d")).isEmpty();
    }

    @Test
    void loadWithoutATableIsRefused() throws Exception {
        run("create d 0 8 zero");

        assertThat(refused("load d").getMessage()).startsWith("no table given");
        assertThat(mapper.device("d").inactiveTable()).isEmpty();
    }

    @Test
    void aBadTableIsRefusedAndCreatesNothing() throws Exception {
        MapperException e = refused("create d 0 8 linear " + dir.resolve("gone.img") + " 0");

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(mapper.list()).isEmpty();
        assertThat(stateDir.resolve("d.table")).doesNotExist();
    }

    // ---- command-line errors ----

    @Test
    void anUnknownCommandIsRefused() {
        MapperException e = refused("frobnicate d");

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).isEqualTo("unknown command 'frobnicate' (try 'help')");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\n0 8 zero"})
    void anEmptyCommandIsRefused(String command) {
        assertThat(refused(command).getMessage()).startsWith("empty command");
    }

    @ParameterizedTest
    @ValueSource(strings = {"create", "load", "clear", "suspend", "suspend --noflush", "resume", "remove",
        "remove --force", "message", "wait"})
    void aCommandWithoutItsNameIsRefused(String command) {
        MapperException e = refused(command);

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).isEqualTo("missing NAME");
    }

    @Test
    void renameWithoutTheNewNameIsRefused() throws Exception {
        run("create d 0 8 zero");

        assertThat(refused("rename d").getMessage()).isEqualTo("missing NEW_NAME");
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume d e", "suspend d e", "remove d e", "clear d e", "rename d e f", "status d e",
        "info d e", "table d e", "deps d e", "ls e", "wait d 1 2", "targets e", "version e", "shutdown e"})
    void anExtraArgumentIsRefused(String command) throws Exception {
        run("create d 0 8 zero");

        MapperException e = refused(command);

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).startsWith("unexpected argument '");
        assertThat(mapper.device("d").isSuspended()).isFalse();
    }

    @Test
    void aCommandOnAnUnknownDeviceSaysSo() {
        MapperException e = refused("status nosuch");

        assertThat(e.reason()).isEqualTo(Reason.NO_SUCH_DEVICE);
        assertThat(e.getMessage()).contains("nosuch");
    }

    // ---- message ----

    @Test
    void messageWithANonNumericSectorIsRefused() throws Exception {
        run("create d 0 8 zero");

        MapperException e = refused("message d abc hello");

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).isEqualTo("message: SECTOR 'abc' is not a number");
    }

    @Test
    void messageReachesTheTargetAtTheSector() throws Exception {
        run("create d\n0 8 zero\n8 8 linear " + disk + " 0\n");

        assertThat(refused("message d 9 hello").getMessage()).isEqualTo("linear: accepts no messages");
        assertThat(refused("message d 0 hello").getMessage()).isEqualTo("zero: accepts no messages");
        assertThat(refused("message d 16 hello").getMessage()).contains("outside");
        assertThat(refused("message d 0").getMessage()).contains("no message given");
    }

    @Test
    void aMessageReplyIsOneLineAndAnEmptyReplyStaysEmpty() throws Exception {
        run("create d\n0 8 dust " + disk + " 0 512\n");

        assertThat(run("message d 0 addbadblock 3")).isEmpty();
        assertThat(run("message d 0 countbadblocks")).isEqualTo("countbadblocks: 1 badblock(s) found\n");
        assertThat(run("message d 0 addbadblock 4")).isEmpty();
        assertThat(run("message d 0 listbadblocks")).isEqualTo("3\n4\n");
    }

    // ---- suspend, load, resume ----

    @Test
    void suspendAndResumeShowInTheState() throws Exception {
        run("create d 0 8 zero");

        assertThat(run("suspend d")).isEmpty();
        assertThat(run("info d")).contains("State:             SUSPENDED\n");
        assertThat(run("resume d")).isEmpty();
        assertThat(run("info d")).contains("State:             ACTIVE\n");
    }

    @Test
    void suspendNoflushDoesNotFlushThroughALowerSuspendedDevice() throws Exception {
        run("create lower 0 16 linear " + disk + " 0");
        run("create upper 0 8 linear lower 0");
        run("suspend lower");

        // A flush of upper would wait at lower's closed gate for ever; --noflush never goes there.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run("suspend --noflush upper"));
        assertThat(mapper.device("upper").isSuspended()).isTrue();

        run("resume lower");
        run("resume upper");
        assertThat(mapper.device("upper").isSuspended()).isFalse();
    }

    @Test
    void theNoflushFlagMayFollowTheName() throws Exception {
        run("create d 0 8 zero");

        run("suspend d --noflush");

        assertThat(mapper.device("d").isSuspended()).isTrue();
    }

    @Test
    void loadFillsTheInactiveSlotAndResumeSwapsItInAndPersistsIt() throws Exception {
        run("create d 0 8 zero");
        String newTable = "0 16 linear " + disk + " 0\n";

        assertThat(run("load d " + newTable.strip())).isEmpty();

        assertThat(run("table d")).isEqualTo("0 8 zero\n");
        assertThat(run("table --inactive d")).isEqualTo(newTable);
        assertThat(run("info d")).contains("Tables present:    LIVE & INACTIVE\n");
        assertThat(stored("d")).as("the stored table before resume").isEqualTo("0 8 zero\n");

        assertThat(run("resume d")).isEmpty();

        assertThat(run("table d")).isEqualTo(newTable);
        assertThat(run("table --inactive d")).isEmpty();
        assertThat(run("info d")).contains("Tables present:    LIVE\n").contains("Event number:      1\n");
        assertThat(stored("d")).isEqualTo(newTable);
    }

    @Test
    void reloadIsLoad() throws Exception {
        run("create d 0 8 zero");

        run("reload d\n0 4 zero\n");

        assertThat(run("table --inactive d")).isEqualTo("0 4 zero\n");
    }

    @Test
    void clearDropsTheInactiveTable() throws Exception {
        run("create d 0 8 zero");

        assertThat(run("clear d")).isEqualTo("no inactive table\n");
        run("load d 0 4 zero");
        assertThat(run("clear d")).isEmpty();
        assertThat(mapper.device("d").inactiveTable()).isEmpty();
        run("resume d");
        assertThat(run("table d")).isEqualTo("0 8 zero\n");
    }

    // ---- remove and rename ----

    @Test
    void removeDeletesTheDeviceAndItsStoredTable() throws Exception {
        run("create d 0 8 zero");
        assertThat(stateDir.resolve("d.table")).exists();

        assertThat(run("remove d")).isEmpty();

        assertThat(mapper.list()).isEmpty();
        assertThat(stateDir.resolve("d.table")).doesNotExist();
    }

    @Test
    void removeOfAnOpenDeviceNeedsForce() throws Exception {
        run("create d 0 8 zero");
        mapper.device("d").opened();

        assertThat(refused("remove d").reason()).isEqualTo(Reason.BUSY);
        assertThat(mapper.find("d")).isPresent();
        run("remove --force d");
        assertThat(mapper.find("d")).isEmpty();
    }

    @Test
    void renameMovesTheDeviceAndItsStoredTable() throws Exception {
        run("create d 0 8 zero");

        assertThat(run("rename d e")).isEmpty();

        assertThat(mapper.find("d")).isEmpty();
        assertThat(mapper.find("e")).isPresent();
        assertThat(stateDir.resolve("d.table")).doesNotExist();
        assertThat(stored("e")).isEqualTo("0 8 zero\n");
    }

    // ---- reports ----

    @Test
    void tableAndStatusOfOneDeviceHaveNoPrefix() throws Exception {
        Path other = Disks.file(dir, "other.img", 16);
        run("create s 0 32 striped 2 8 " + disk + " 0 " + other + " 0");

        assertThat(run("table s")).isEqualTo("0 32 striped 2 8 " + disk + " 0 " + other + " 0\n");
        assertThat(run("status s")).isEqualTo("0 32 striped 2 " + disk + " " + other + " 1 AA\n");
    }

    @Test
    void tableAndStatusOfEveryDevicePrefixEachLineWithItsName() throws Exception {
        run("create b\n0 8 zero\n8 8 linear " + disk + " 0\n");
        run("create a 0 4 zero");

        assertThat(run("table")).isEqualTo("a: 0 4 zero\nb: 0 8 zero\nb: 8 8 linear " + disk + " 0\n");
        assertThat(run("status")).isEqualTo("a: 0 4 zero\nb: 0 8 zero\nb: 8 8 linear\n");
    }

    @Test
    void tableInactiveOfEveryDeviceShowsOnlyLoadedTables() throws Exception {
        run("create a 0 4 zero");
        run("create b 0 8 zero");

        assertThat(run("table --inactive")).as("no table loaded, but there are devices").isEmpty();
        run("load b 0 16 zero");
        assertThat(run("table --inactive")).isEqualTo("b: 0 16 zero\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"table", "table --inactive", "status", "info", "ls", "ls --tree"})
    void reportsWithoutDevicesSaySo(String command) throws Exception {
        assertThat(run(command)).isEqualTo("No devices found\n");
    }

    @Test
    void infoShowsDmsetupsFields() throws Exception {
        run("create d 0 16 linear " + disk + " 0");
        mapper.device("d").opened();
        mapper.device("d").opened();

        assertThat(run("info d")).isEqualTo("""
                Name:              d
                State:             ACTIVE
                Tables present:    LIVE
                Open count:        2
                Event number:      0
                Number of targets: 1
                Size:              16 sectors (8192 bytes)
                I/O:               0 reads (0 bytes), 0 writes (0 bytes), 0 errors
                """);
    }

    @Test
    void infoOfEveryDeviceSeparatesTheBlocksWithABlankLine() throws Exception {
        run("create a 0 4 zero");
        run("create b 0 8 zero");

        String reply = run("info");

        assertThat(reply).startsWith("Name:              a\n").contains("\n\nName:              b\n");
        assertThat(reply.split("\n\n")).hasSize(2);
    }

    @Test
    void depsListsTheDevicesUnderTheLiveTable() throws Exception {
        run("create lower 0 16 linear " + disk + " 0");
        run("create upper 0 8 linear lower 8");

        assertThat(run("deps upper")).isEqualTo("1 dependencies\t: (lower)\n");
        assertThat(run("deps lower")).isEqualTo("1 dependencies\t: (" + disk + ")\n");
        assertThat(run("deps")).as("every device, as dmsetup deps lists them").contains("upper: 1 dependencies\t: (lower)\n")
                .contains("lower: 1 dependencies\t: (" + disk + ")\n");
    }

    @Test
    void targetsVersionHelpAndDaemonAnswer() throws Exception {
        assertThat(run("targets").split("\n")).contains("linear", "striped", "zero", "error");
        assertThat(run("version")).isEqualTo("mapperfs " + Daemon.VERSION + "\n");
        assertThat(run("help")).contains("create NAME").contains("wait NAME [EVENT]");
        assertThat(run("daemon")).isEqualTo("pid " + ProcessHandle.current().pid() + "\nmount " + dir.resolve("mnt")
                + "\nstate " + stateDir + "\n");
    }

    // ---- wait ----

    @Test
    void waitReturnsOnceTheEventNumberPassesEvent() throws Exception {
        run("create d 0 8 zero");
        run("load d 0 16 zero");
        ExecutorService waiter = Executors.newSingleThreadExecutor();
        try {
            Future<String> waiting = waiter.submit(() -> run("wait d 0"));
            Thread.sleep(200);
            assertThat(waiting).as("no event yet").isNotDone();

            run("resume d");

            assertThat(waiting.get(10, SECONDS)).isEqualTo("1\n");
        } finally {
            waiter.shutdownNow();
        }
    }

    @Test
    void waitForAnEventThatHasHappenedReturnsAtOnce() throws Exception {
        run("create d 0 8 zero");
        run("load d 0 16 zero");
        run("resume d");

        String reply = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run("wait d 0"));

        assertThat(reply).isEqualTo("1\n");
    }

    @Test
    void waitWithANonNumericEventIsRefused() throws Exception {
        run("create d 0 8 zero");

        assertThat(refused("wait d soon").getMessage()).isEqualTo("wait: EVENT 'soon' is not a number");
    }

    // ---- logging ----

    @ParameterizedTest
    @ValueSource(strings = {"create d 0 8 zero", "create d\n0 8 zero", "load d 0 8 zero", "reload d", "clear d",
        "suspend d", "resume d", "remove d", "rename d e", "message d 0 x", "shutdown", "  resume d"})
    void commandsThatChangeStateAreLogged(String command) {
        assertThat(ControlCommands.changesState(command)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls", "ls --tree", "table", "table d", "status d", "info", "deps d", "wait d 3",
        "targets", "version", "help", "daemon", "", "  "})
    void queriesAreNotLogged(String command) {
        assertThat(ControlCommands.changesState(command)).isFalse();
    }
}
