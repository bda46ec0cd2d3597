package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table text as a user writes it: every refusal is one line naming the line and the problem,
 * and a refused table leaves no device and no open backing file behind. In this package for
 * {@link Mapper#openBackingFiles()}.
 */
class TableParserTest {
    @TempDir
    Path dir;
    Mapper mapper;
    Path big;
    Path small;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        big = TestFiles.noiseSectors(dir, "big.img", 64, 1);
        small = TestFiles.noiseSectors(dir, "small.img", 8, 2);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    static Stream<Arguments> refusedTables() {
        return Stream.of(
                refused("gap between segments", "0 8 zero\n16 8 zero", "line 2: gap"),
                refused("overlapping segments", "0 16 zero\n8 8 zero", "line 2: overlap"),
                refused("first segment not at 0", "8 8 zero", "line 1: gap", "must start at 0"),
                refused("zero length", "0 0 zero", "line 1: length is 0"),
                refused("start not a number", "zero 8 zero", "line 1: start 'zero'", "not a number"),
                refused("length not a number", "0 8k zero", "line 1: length '8k'", "not a number"),
                refused("negative length", "0 -8 zero", "line 1: length '-8'", "not a number"),
                refused("length overflows a byte offset", "0 18014398509481984 zero", "line 1: length",
                        "too large"),
                refused("too few words", "0 8", "line 1: expected <start> <length> <target>", "'0 8'"),
                refused("unknown target type", "0 8 raid9", "line 1: unknown target type 'raid9'",
                        "(known: ", "linear, log-writes, mirror, ", "striped, "),
                refused("linear with one argument", "0 8 linear {big}",
                        "line 1: linear: expected 2 arguments", "got 1"),
                refused("linear with three arguments", "0 8 linear {big} 0 0",
                        "line 1: linear: expected 2 arguments", "got 3"),
                refused("linear offset not a number", "0 8 linear {big} first",
                        "line 1: linear: invalid offset 'first': not a number"),
                refused("striped with a missing pair", "0 32 striped 2 8 {big} 0",
                        "line 1: striped: expected 2 <dev> <offset> pairs, got 2 arguments"),
                refused("striped with an extra pair", "0 32 striped 1 8 {big} 0 {big} 8",
                        "line 1: striped: expected 1 <dev> <offset> pairs, got 4 arguments"),
                refused("striped without chunk size", "0 32 striped 2", "line 1: striped: missing chunk_size"),
                refused("striped with no stripes", "0 32 striped 0 8", "line 1: striped: invalid #stripes 0"),
                refused("zero with an argument", "0 8 zero 1", "line 1: zero: unexpected argument '1'"),
                refused("missing backing file", "0 8 linear ./absent.img 0",
                        "line 1: linear: dev", "absent.img does not exist"),
                refused("bare name that is neither device nor file", "0 8 linear absent.img 0",
                        "line 1: linear: dev 'absent.img': no such device or file"),
                refused("linear longer than its file", "0 16 linear {small} 0",
                        "line 1: linear: ", "small.img is too small: needs 16 sectors", "has 8"),
                refused("linear offset past the end of its file", "0 8 linear {small} 1",
                        "line 1: linear: ", "small.img is too small: needs 9 sectors (8 from offset 1)"),
                refused("linear offset so large that bytes overflow", "0 8 linear {small} 18014398509481983",
                        "line 1: linear: ", "small.img is too small"),
                refused("striped with one stripe too small", "0 32 striped 2 8 {big} 0 {small} 0",
                        "line 1: striped: ", "small.img is too small: needs 16 sectors"),
                refused("striped length not divisible by stripes", "0 25 striped 2 8 {big} 0 {big} 32",
                        "line 1: striped: length 25 is not divisible by the number of stripes 2"),
                refused("striped width not divisible by chunk", "0 48 striped 2 16 {big} 0 {big} 32",
                        "line 1: striped: stripe width 24 is not divisible by chunk_size 16"),
                refused("striped chunk below a page", "0 16 striped 2 4 {big} 0 {big} 32",
                        "line 1: striped: invalid chunk_size 4: must be between 8"),
                refused("error on a later line after files were opened",
                        "0 8 linear {big} 0\n8 8 linear {small} 0\n16 8 linear {small} 4",
                        "line 3: linear: ", "small.img is too small"),
                refused("empty table", "# nothing\n\n", "empty table"));
    }

    private static Arguments refused(String scenario, String table, String... fragments) {
        return arguments(scenario, table, List.of(fragments));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedTables")
    void refusesWithOneLineNamingLineAndProblem(String scenario, String table, List<String> fragments) {
        String text = table.replace("{big}", big.toString()).replace("{small}", small.toString());

        assertThatThrownBy(() -> mapper.create("dev", text, dir))
                .isInstanceOf(TableException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(fragments))
                .extracting(e -> ((MapperException) e).reason()).isEqualTo(MapperException.Reason.INVALID);
        assertThat(mapper.list()).isEmpty();
        assertThat(mapper.openBackingFiles()).isZero();
    }

    @Test
    void acceptsCommentsBlankLinesAndSurroundingWhitespace() throws Exception {
        String text = "# a header comment\n"
                + "\n"
                + "   0 8 linear " + big + " 4   # trailing comment\n"
                + "\t\n"
                + "8\t8\tzero\r\n"
                + "# between\n"
                + "16 8 error\n";

        MappedDevice device = mapper.create("dev", text, dir);

        assertThat(device.liveTable().text())
                .isEqualTo("0 8 linear " + big.toRealPath() + " 4\n8 8 zero\n16 8 error\n");
    }

    @Test
    void lineNumbersCountCommentAndBlankLines() {
        assertThatThrownBy(() -> TableParser.parse("# one\n\n0 8 zero\n# four\n16 8 zero\n"))
                .hasMessageStartingWith("line 5: gap");
    }

    @Test
    void parsesWordsOfEachLine() throws Exception {
        List<TableLine> lines = TableParser.parse("0 8 striped 2 8 a 0 b 0\n8 24 zero\n");

        assertThat(lines).containsExactly(
                new TableLine(1, 0, 8, "striped", ImmutableList.of("2", "8", "a", "0", "b", "0")),
                new TableLine(2, 8, 24, "zero", ImmutableList.of()));
    }

    @Test
    void failedLoadLeavesLiveTableAndNoExtraOpenFile() throws Exception {
        mapper.create("dev", "0 8 linear " + big + " 0\n", dir);
        assertThat(mapper.openBackingFiles()).isEqualTo(1);

        assertThatThrownBy(() -> mapper.load("dev", "0 8 linear " + small + " 0\n8 8 linear " + big + " 60\n", dir))
                .isInstanceOf(TableException.class)
                .hasMessageContaining("line 2");

        assertThat(mapper.openBackingFiles()).isEqualTo(1);
        assertThat(mapper.device("dev").inactiveTable()).isEmpty();
        assertThat(mapper.device("dev").liveTable().text()).isEqualTo("0 8 linear " + big.toRealPath() + " 0\n");
    }
}
