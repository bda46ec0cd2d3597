package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.control.CommandsFixture;
import org.mapperfs.core.MapperException;
import ru.serce.jnrfuse.ErrorCodes;

class ControlHandleTest {
    private static final long OWNER = 1000;
    private static final long OTHER = 1001;

    @TempDir
    Path dir;

    @TempDir
    Path stateDir;

    private CommandsFixture fx;

    @BeforeEach
    void setUp() throws IOException {
        fx = new CommandsFixture(dir, stateDir);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private ControlHandle handle() {
        return new ControlHandle(fx.mapper, fx.commands, OWNER);
    }

    private static int send(ControlHandle h, String command, long uid) throws MapperException {
        return h.write(ByteBuffer.wrap(command.getBytes(StandardCharsets.UTF_8)), uid, ProcessHandle.current().pid());
    }

    /** Everything the handle reads back from here on, in reads of {@code chunk} bytes. */
    private static String readAll(ControlHandle h, int chunk) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(chunk);
        int n;
        while ((n = h.read(buf.clear())) > 0) {
            sb.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    @Test
    void aHandleNothingWasWrittenOnReadsTheListing() throws MapperException {
        assertThat(readAll(handle(), 4096)).isEqualTo("# no devices\n");
        send(handle(), "create a 0 64 linear " + fx.disk + " 0", OWNER);
        assertThat(readAll(handle(), 4096)).isEqualTo("a ACTIVE 64 sectors\n  0 64 linear " + fx.disk + " 0\n");
    }

    @Test
    void theReplyOfTheLastCommandIsReadBackInPiecesThenEnds() throws MapperException {
        ControlHandle h = handle();
        String command = "create a 0 64 linear " + fx.disk + " 0";
        assertThat(send(h, command, OWNER)).isEqualTo(command.length());
        send(h, "status a", OWNER);
        String whole = readAll(h, 4096);
        assertThat(whole).isEqualTo("0 64 linear\n");
        send(h, "status a", OWNER);
        assertThat(readAll(h, 3)).isEqualTo(whole);
        assertThat(readAll(h, 3)).as("read to the end").isEmpty();
    }

    @Test
    void relativePathsResolveAgainstTheWritersDirectory() {
        Path cwd = ControlHandle.writerDirectory(ProcessHandle.current().pid());
        assertThat(cwd).isEqualTo(Path.of("").toAbsolutePath());
        assertThat(ControlHandle.writerDirectory(Long.MAX_VALUE)).as("a process that is gone").isEqualTo(Path.of("/"));
    }

    @Test
    void aRefusedCommandThrowsAndItsReasonIsTheReply() {
        ControlHandle h = handle();
        Throwable t = catchThrowable(() -> send(h, "create a 0 64 linear " + dir.resolve("missing.img") + " 0", OWNER));
        assertThat(t).isInstanceOf(MapperException.class);
        assertThat(readAll(h, 4096)).isEqualTo(t.getMessage() + "\n").contains("missing.img");
        assertThat(fx.mapper.list()).as("nothing created").isEmpty();
    }

    @Test
    void anotherUsersCommandIsRefusedWithEaccesAndNotRun() {
        ControlHandle h = handle();
        Throwable t = catchThrowable(() -> send(h, "create a 0 64 linear " + fx.disk + " 0", OTHER));
        assertThat(t).isInstanceOf(FsError.class);
        assertThat(((FsError) t).errno()).isEqualTo(ErrorCodes.EACCES());
        assertThat(readAll(h, 4096)).startsWith("permission denied");
        assertThat(fx.mapper.list()).isEmpty();
    }

    @Test
    void repliesArePerHandle() throws MapperException {
        ControlHandle first = handle();
        ControlHandle second = handle();
        send(first, "create a 0 64 linear " + fx.disk + " 0", OWNER);
        send(second, "status a", OWNER);
        assertThat(readAll(second, 4096)).isEqualTo("0 64 linear\n");
        assertThat(readAll(first, 4096)).as("its own command's reply").isEqualTo("created a (64 sectors)\n");
    }

    @Test
    void copyOutGivesWhatLiesFromTheOffsetAndNothingPastTheEnd() {
        byte[] content = "abcdef".getBytes(StandardCharsets.UTF_8);
        ByteBuffer dst = ByteBuffer.allocate(4);
        assertThat(ControlHandle.copyOut(content, 3, dst)).isEqualTo(3);
        assertThat(new String(dst.array(), 0, 3, StandardCharsets.UTF_8)).isEqualTo("def");
        assertThat(ControlHandle.copyOut(content, 6, dst.clear())).isZero();
        assertThat(ControlHandle.copyOut(content, 0, dst.clear())).isEqualTo(4);
    }

    @Test
    void refusalsAreOneShortPrintableLine() {
        assertThat(ControlHandle.printable("bad \u001b[31mname\u0000\r\nnext", 100))
                .isEqualTo("bad \\x1b[31mname\\x00\\x0d\\x0anext");
        assertThat(ControlHandle.printable("x".repeat(1000), 10)).isEqualTo("xxxxxxxxxx... (1000 characters)");
        assertThat(ControlHandle.printable("short", 10)).isEqualTo("short");
        assertThat(ControlHandle.printable("a\u2028b", 10)).isEqualTo("a\\u2028b");
    }

    @Test
    void theLogShowsACommandsFirstThreeWordsAndNeverATableOnItsLine() {
        String key = "0123456789abcdef".repeat(8);

        assertThat(ControlHandle.firstWords("create c 0 8 crypt aes-xts-plain64 " + key + " 0 /d 0"))
                .isEqualTo("create c 0");
        assertThat(ControlHandle.firstWords("suspend --noflush vol\n")).isEqualTo("suspend --noflush vol");
        assertThat(ControlHandle.firstWords("create c\n0 8 crypt aes-xts-plain64 " + key)).isEqualTo("create c");
    }
}
