package org.mapperfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The command line, without any mount: parsing, exit codes, error messages. */
class MainTest {
    /** Cannot be created (no folder can be made in /proc): a regression never reaches FUSE. */
    private static final String UNMOUNTABLE = "/proc/mapperfs-test/mnt";

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Context context;
    private CommandLine cl;

    @BeforeEach
    void setUp() {
        context = new Context();
        cl = Main.commandLine(context);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
    }

    private int run(String... args) {
        return cl.execute(args);
    }

    @Test
    void aCommandLineHoldsOnlyTheCommandItRunsAndHelpHoldsThemAll() {
        assertThat(Main.commandLine(context, "-m", "/x", "ls", "--json").getSubcommands().keySet())
                .containsExactly("ls");
        assertThat(Main.commandLine(context, "--mount", "ls", "stats").getSubcommands().keySet())
                .as("ls is the mount's value here").containsExactly("stats");
        assertThat(Main.commandLine(context, "reload", "x").getSubcommands().keySet())
                .containsExactlyInAnyOrder("load", "reload");
        assertThat(new java.util.HashSet<>(Main.commandLine(context, "--help").getSubcommands().values()))
                .hasSize(Main.COMMANDS.size());
        assertThat(new java.util.HashSet<>(Main.commandLine(context, "frobnicate").getSubcommands().values()))
                .hasSize(Main.COMMANDS.size());
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "frobnicate"))
                .isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("frobnicate");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertThat(run("frobnicate")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).startsWith("mapperfs: ").contains("frobnicate")
                .contains("Try 'mapperfs --help'");
        assertThat(out.toString()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mount", "unmount", "create", "load", "clear", "suspend", "resume", "remove", "rename",
        "message", "table", "status", "info", "ls", "deps", "stats", "wait", "targets", "attach", "detach",
        "install-dmsetup"})
    void everyCommandPrintsItsHelpWithoutAMount(String command) {
        assertThat(run(command, "--help")).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).startsWith("Usage: mapperfs " + command);
        assertThat(err.toString()).isEmpty();
        assertThat(run(command, "-h")).isEqualTo(Main.OK);
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).as(err.toString()).isEqualTo(Main.USAGE);
        assertThat(err.toString()).startsWith("mapperfs: a command is required");
    }

    @Test
    void createWithoutANameIsAUsageError() {
        assertThat(run("create", "--table", "0 8 zero")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).startsWith("mapperfs: ").contains("NAME")
                .contains("Try 'mapperfs create --help'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "suspend", "remove", "wait", "info x y"})
    void aMissingOrExtraArgumentIsAUsageError(String args) {
        assertThat(run(args.split(" "))).isEqualTo(Main.USAGE);
        assertThat(err.toString()).startsWith("mapperfs: ");
    }

    @Test
    void aNonNumericSectorIsAUsageError() {
        assertThat(run("message", "d", "abc", "hello")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).startsWith("mapperfs: ").contains("abc");
    }

    @Test
    void aTableGivenTwoWaysIsAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("t.table"), "0 8 zero\n");

        assertThat(run("create", "d", "--table", "0 8 zero", "--table-file", file.toString())).isEqualTo(Main.USAGE);
        assertThat(err.toString()).startsWith("mapperfs: ").contains("mutually exclusive");
    }

    @Test
    void aCommandWithoutAMountFailsAndSaysWhereItLooked() {
        assertThat(run("-m", "/nonexistent", "ls")).isEqualTo(Main.FAILURE);
        assertThat(err.toString()).startsWith("mapperfs: no mapperfs is mounted at /nonexistent ")
                .doesNotContain("\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void theMountOptionMayFollowTheCommand() {
        assertThat(run("create", "d", "--table", "0 8 zero", "-m", "/nonexistent")).isEqualTo(Main.FAILURE);
        assertThat(err.toString()).startsWith("mapperfs: no mapperfs is mounted at /nonexistent ");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        assertThat(run("--verbose", "-m", "/nonexistent", "status")).isEqualTo(Main.FAILURE);
        assertThat(err.toString()).startsWith("mapperfs: no mapperfs is mounted at").contains("\tat ");
    }

    @Test
    void theMountOptionIsMadeAbsolute() {
        context.mountOption = Path.of("rel/../mnt");

        assertThat(context.mountPoint()).isEqualTo(Path.of("mnt").toAbsolutePath());
        assertThat(context.deviceFile("d")).isEqualTo(Path.of("mnt", "d").toAbsolutePath());
        assertThat(context.control().controlFile()).isEqualTo(Path.of("mnt", "control").toAbsolutePath());
    }

    @Test
    void theDefaultStateFolderIsNamedAfterTheMountPoint() {
        assertThat(MountCommand.defaultState(Path.of("/run/mapperfs"))).isEqualTo(Path.of("/var/lib/mapperfs/run-mapperfs"));
        assertThat(MountCommand.defaultState(Path.of("/mnt/a/b"))).isEqualTo(Path.of("/var/lib/mapperfs/mnt-a-b"));
        assertThat(MountCommand.defaultState(Path.of("/"))).isEqualTo(Path.of("/var/lib/mapperfs/root"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"999", "1000", "rw", "-1", ""})
    void aBadModeIsRefusedBeforeAnythingIsMounted(String mode) {
        int code = run("mount", "--foreground", "--mode", mode, "--state", dir.resolve("state").toString(),
                UNMOUNTABLE);

        assertThat(code).isEqualTo(Main.FAILURE);
        assertThat(err.toString()).startsWith("mapperfs: invalid --mode '" + mode + "'");
        assertThat(dir.resolve("state")).doesNotExist();
    }

    @Test
    void aTableOptionTakesSemicolonsForNewlines() throws Exception {
        ParseResult parsed = cl.parseArgs("create", "d", "--table", "0 8 zero;8 8 linear /dev/x 0");
        CreateCommand create = (CreateCommand) parsed.subcommand().commandSpec().userObject();

        assertThat(create.command()).isEqualTo("create d");
        assertThat(create.table()).isEqualTo("0 8 zero\n8 8 linear /dev/x 0");
    }

    @Test
    void aTableFileIsReadAsItIs() throws Exception {
        Path file = Files.writeString(dir.resolve("t.table"), "0 8 zero # a; b\n");
        ParseResult parsed = cl.parseArgs("reload", "d", "--table-file", file.toString());
        LoadCommand load = (LoadCommand) parsed.subcommand().commandSpec().userObject();

        assertThat(load.command()).isEqualTo("load d");
        assertThat(load.table()).isEqualTo("0 8 zero # a; b\n");
    }

    @Test
    void aMissingTableFileSaysSo() {
        ParseResult parsed = cl.parseArgs("load", "d", "--table-file", dir.resolve("none").toString());
        LoadCommand load = (LoadCommand) parsed.subcommand().commandSpec().userObject();

        assertThatThrownBy(load::table).isInstanceOf(CliException.class).hasMessageContaining("does not exist");
    }

    @Test
    void eachVerbSendsTheControlFilesCommand() {
        assertThat(command("suspend", "--noflush", "d")).isEqualTo("suspend --noflush d");
        assertThat(command("suspend", "d")).isEqualTo("suspend d");
        assertThat(command("resume", "d")).isEqualTo("resume d");
        assertThat(command("remove", "-f", "d")).isEqualTo("remove --force d");
        assertThat(command("rename", "d", "e")).isEqualTo("rename d e");
        assertThat(command("message", "d", "8", "set", "x")).isEqualTo("message d 8 set x");
        assertThat(command("table")).isEqualTo("table");
        assertThat(command("table", "--inactive", "d")).isEqualTo("table --inactive d");
        assertThat(command("status", "d")).isEqualTo("status d");
        assertThat(command("info")).isEqualTo("info");
        assertThat(command("ls", "--tree")).isEqualTo("ls --tree");
        assertThat(command("deps", "d")).isEqualTo("deps d");
        assertThat(command("wait", "d")).isEqualTo("wait d");
        assertThat(command("wait", "d", "3")).isEqualTo("wait d 3");
        assertThat(command("clear", "d")).isEqualTo("clear d");
        assertThat(command("targets")).isEqualTo("targets");
    }

    private String command(String... args) {
        ParseResult parsed = cl.parseArgs(args);
        try {
            return ((ControlVerb) parsed.subcommand().commandSpec().userObject()).command();
        } catch (CliException e) {
            throw new AssertionError(e);
        }
    }
}
