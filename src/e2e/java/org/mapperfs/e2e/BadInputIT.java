package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input is refused with a one-line error naming what was wrong, through the CLI
 * (exit 1, "mapperfs: ..." on stderr) and through the control file (the write(2) fails, the
 * reason is read back on the same handle), and nothing changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    private Sandbox s;
    private Path a;

    @BeforeAll
    void mount() throws IOException {
        s = new Sandbox("bad");
        s.mount();
        a = s.file("a.img", 1024 * 1024);
        s.create("base", "0 1024 linear " + a + " 0");
        s.create("upper", "0 1024 linear base 0");
    }

    @AfterAll
    void unmount() {
        if (s != null) {
            s.close();
        }
    }

    static Stream<Arguments> badTables() {
        return Stream.of(
                Arguments.of("gap", "0 100 linear A 0\n200 100 linear A 100", "line 2: gap"),
                Arguments.of("overlap", "0 100 linear A 0\n50 100 linear A 100", "line 2: overlap"),
                Arguments.of("not from 0", "8 100 linear A 0", "must start at 0"),
                Arguments.of("zero length", "0 0 linear A 0", "line 1: length is 0"),
                Arguments.of("not a number", "0 1O0 linear A 0", "line 1: length '1O0' is not a number"),
                Arguments.of("unknown target", "0 100 frobnicate A 0", "line 1: unknown target type 'frobnicate'"),
                Arguments.of("too few args", "0 100 linear A", "line 1: linear: expected 2 arguments"),
                Arguments.of("zero with args", "0 100 zero A", "line 1: zero: unexpected argument 'A'"),
                Arguments.of("striped pairs", "0 256 striped 2 128 A 0", "expected 2 <dev> <offset> pairs"),
                Arguments.of("missing file", "0 100 linear /nonexistent/x.img 0", "/nonexistent/x.img does not exist"),
                Arguments.of("too small", "0 4096 linear A 0", "is too small: needs 4096 sectors"),
                Arguments.of("offset past end", "0 100 linear A 2000", "is too small"),
                Arguments.of("bad offset", "0 100 linear A -1", "invalid offset"),
                Arguments.of("self", "0 100 linear fresh 0", "is the device itself"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTables")
    void badTableIsRefusedThroughTheCliAndTheControlFile(String label, String table, String message)
            throws IOException {
        String text = table.replace(" A ", " " + a + " ");
        String before = s.cli("ls").orFail().out();

        Shell.Result cli = s.cliIn(s.dir, text, "create", "fresh");
        assertThat(cli.exit()).as(cli.err()).isEqualTo(1);
        assertThat(cli.err()).startsWith("mapperfs: ").contains(message);
        assertThat(cli.err().strip().lines()).hasSize(1);

        assertRefusedByControlFile("create fresh\n" + text, message);
        assertThat(s.cli("ls").orFail().out()).isEqualTo(before);
        assertThat(s.state.resolve("fresh.table")).doesNotExist();
    }

    static Stream<Arguments> badCommands() {
        return Stream.of(
                Arguments.of(List.of("create", ".", "--table", "0 8 zero"), "invalid device name '.'"),
                Arguments.of(List.of("create", "..", "--table", "0 8 zero"), "invalid device name '..'"),
                Arguments.of(List.of("create", "control", "--table", "0 8 zero"), "invalid device name 'control'"),
                Arguments.of(List.of("create", "a/b", "--table", "0 8 zero"), "invalid device name 'a/b'"),
                Arguments.of(List.of("create", ".meta", "--table", "0 8 zero"), "invalid device name '.meta'"),
                Arguments.of(List.of("create", "base", "--table", "0 8 zero"), "device base already exists"),
                Arguments.of(List.of("remove", "base"), "device base is in use by upper"),
                Arguments.of(List.of("remove", "nosuch"), "no device named 'nosuch'"),
                Arguments.of(List.of("resume", "nosuch"), "no device named 'nosuch'"),
                Arguments.of(List.of("suspend", "nosuch"), "no device named 'nosuch'"),
                Arguments.of(List.of("table", "nosuch"), "no device named 'nosuch'"),
                Arguments.of(List.of("load", "nosuch", "--table", "0 8 zero"), "no device named 'nosuch'"),
                Arguments.of(List.of("load", "base", "--table", "0 8 linear upper 0"), "the table would make a cycle"),
                Arguments.of(List.of("message", "base", "0", "hello"), "linear: accepts no messages"),
                Arguments.of(List.of("message", "base", "5000", "hello"), "sector 5000 is outside base"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCommands")
    void badCommandIsRefusedThroughTheCliAndTheControlFile(List<String> args, String message) throws IOException {
        String before = s.cli("table").orFail().out() + s.cli("info").orFail().out();

        Shell.Result cli = s.cli(args.toArray(String[]::new));
        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(1);
        assertThat(cli.err().strip()).startsWith("mapperfs: ").contains(message);

        String command = String.join(" ", args).replace("--table ", "");
        assertRefusedByControlFile(command, message);
        assertThat(s.cli("table").orFail().out() + s.cli("info").orFail().out()).isEqualTo(before);
    }

    @Test
    void echoOfAnUnknownCommandIntoTheControlFileFails() {
        Shell.Result r = Shell.run(Shell.bash("echo frobnicate > " + s.mnt.resolve("control")));
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Invalid argument");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(s.cli("frobnicate").exit()).isEqualTo(2);
        assertThat(s.cli("create").exit()).isEqualTo(2);
    }

    @Test
    void readingTheControlFileListsEveryDeviceWithItsStateAndTable() throws IOException {
        String listing = Files.readString(s.mnt.resolve("control"));
        assertThat(listing).contains("base ACTIVE 1024 sectors\n  0 1024 linear " + a + " 0\n")
                .contains("upper ACTIVE 1024 sectors\n  0 1024 linear base 0\n");
        assertThat(Files.readString(s.mnt.resolve(".meta/upper/table"))).isEqualTo("0 1024 linear base 0\n");
        assertThat(Files.readString(s.mnt.resolve(".meta/base/info"))).contains("State:             ACTIVE");
        assertThatThrownBy(() -> Files.writeString(s.mnt.resolve(".meta/base/table"), "0 8 zero\n"))
                .as("meta files are read-only, even for root").isInstanceOf(IOException.class);
    }

    @Test
    void filesAreOwnerOnlyByDefault() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.mnt.resolve("control"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.mnt.resolve("base"))))
                .isEqualTo("rw-------");
    }

    @Test
    void anotherUserCannotSendCommandsEvenWhenTheModeAllowsIt() throws IOException {
        try (Sandbox open = new Sandbox("other-uid")) {
            Files.setPosixFilePermissions(open.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            open.mount("--allow-other", "--mode", "0666");
            Path control = open.mnt.resolve("control");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(control))).isEqualTo("rw-rw-rw-");
            Shell.Result r = Shell.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", "-c",
                    "echo 'create x 0 8 zero' > " + control);
            assertThat(r.exit()).isNotZero();
            assertThat(r.err()).contains("Permission denied");
            assertThat(open.cli("ls").orFail().out()).contains("No devices found");
        }
    }

    @Test
    void unmountIsRefusedWhileADeviceIsAttachedOrOpen() throws IOException {
        try (Sandbox t = new Sandbox("busy")) {
            t.mount();
            Path f = t.file("f.img", 1024 * 1024);
            t.create("vol", "0 2048 linear " + f + " 0");
            String loop = t.attach("vol");
            Shell.Result attached = t.cli("unmount");
            assertThat(attached.exit()).isEqualTo(1);
            assertThat(attached.err()).contains("device vol is attached to " + loop);
            t.cli("detach", "vol").orFail();

            try (FileChannel held = FileChannel.open(t.mnt.resolve("vol"), StandardOpenOption.READ)) {
                Shell.Result open = t.cli("unmount");
                assertThat(open.exit()).isEqualTo(1);
                assertThat(open.err()).contains("devices still open: vol");
                assertThat(Sandbox.isMounted(t.mnt)).isTrue();
            }
            t.cli("unmount").orFail();
            assertThat(Sandbox.isMounted(t.mnt)).isFalse();
        }
    }

    /** Writes {@code command} to the control file: the write(2) must fail and the reply name why. */
    private void assertRefusedByControlFile(String command, String message) throws IOException {
        ControlFile.Reply reply = ControlFile.send(s.mnt, command);
        assertThat(reply.ok()).as("write(2) of '%s' fails", command).isFalse();
        assertThat(reply.text().strip()).contains(message);
        assertThat(reply.text().strip().lines()).as("one-line reply").hasSize(1);
    }
}
