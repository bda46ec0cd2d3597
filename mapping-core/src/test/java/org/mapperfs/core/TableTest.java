package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TableTest {
    @TempDir
    Path dir;
    Mapper mapper;
    Path a;
    Path b;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        a = TestFiles.noiseSectors(dir, "a.img", 128, 1).toRealPath();
        b = TestFiles.noiseSectors(dir, "b.img", 128, 2).toRealPath();
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    // ---- text round trips, one per target type ----

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "0 16 linear {a} 3\n",
            "0 32 striped 2 8 {a} 0 {b} 5\n",
            "0 72 striped 3 24 {a} 1 {b} 0 {a} 100\n",
            "0 9 zero\n",
            "0 7 error\n",
            "0 16 linear {a} 0\n16 1 zero\n17 32 striped 1 8 {b} 9\n49 5 error\n54 8 linear {b} 120\n"})
    void textParsesBackToAnEqualTable(String template) throws Exception {
        String text = template.replace("{a}", a.toString()).replace("{b}", b.toString());
        Table table = mapper.create("dev", text, dir).liveTable();

        assertThat(table.text()).isEqualTo(text);
        Table again = mapper.create("again", table.text(), Path.of("/nonexistent")).liveTable();
        assertThat(again.text()).isEqualTo(table.text());
        assertThat(again.size()).isEqualTo(table.size());
    }

    @Test
    void textPrintsRelativePathsAsTheRealAbsolutePath() throws Exception {
        Table table = mapper.create("dev", "0 8 linear ./a.img 2\n", dir).liveTable();

        assertThat(table.text()).isEqualTo("0 8 linear " + a + " 2\n");
    }

    @Test
    void textOfAStackedTableNamesTheLowerDevice() throws Exception {
        mapper.create("lower", "0 64 linear " + a + " 0\n", dir);
        Table upper = mapper.create("upper", "0 32 linear lower 16\n", dir).liveTable();

        assertThat(upper.text()).isEqualTo("0 32 linear lower 16\n");
        assertThat(mapper.create("copy", upper.text(), dir).liveTable().text()).isEqualTo(upper.text());
    }

    @Test
    void statusOfLinearZeroAndErrorIsEmptyAndStripedListsDevicesAndHealth() throws Exception {
        String text = "0 8 linear " + a + " 0\n8 8 zero\n16 8 error\n24 48 striped 3 8 " + a + " 8 " + b + " 0 "
                + a + " 40\n";
        Table table = mapper.create("dev", text, dir).liveTable();

        assertThat(table.statusText()).isEqualTo("0 8 linear\n8 8 zero\n16 8 error\n24 48 striped 3 "
                + a + " " + b + " " + a + " 1 AAA\n");
        assertThat(table.segments()).extracting(s -> s.target().status())
                .containsExactly("", "", "", "3 " + a + " " + b + " " + a + " 1 AAA");
    }

    // ---- geometry and splitting ----

    @Test
    void findsTheSegmentOfEveryOffsetAtAndAroundBoundaries() throws Exception {
        Table table = mapper.create("dev", "0 1 zero\n1 7 zero\n8 100 zero\n", dir).liveTable();

        assertThat(table.segmentIndex(0)).isZero();
        assertThat(table.segmentIndex(511)).isZero();
        assertThat(table.segmentIndex(512)).isEqualTo(1);
        assertThat(table.segmentIndex(8 * 512 - 1)).isEqualTo(1);
        assertThat(table.segmentIndex(8 * 512)).isEqualTo(2);
        assertThat(table.segmentIndex(table.size() - 1)).isEqualTo(2);
        assertThat(table.segmentAtSector(7).startSector()).isEqualTo(1);
        assertThat(table.sectors()).isEqualTo(108);
        assertThatThrownBy(() -> table.segmentAtSector(108)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void targetsSeeOnlySegmentRelativeInRangeRequests() throws Exception {
        RecordingTarget first = new RecordingTarget(3);
        RecordingTarget second = new RecordingTarget(1);
        RecordingTarget third = new RecordingTarget(4);
        Table table = new Table(List.of(new Segment(0, 3, first), new Segment(3, 1, second),
                new Segment(4, 4, third)), () -> {});

        table.write(ByteBuffer.allocate(3 * 512), 1000);
        table.read(ByteBuffer.allocateDirect(1), 8 * 512 - 1);

        assertThat(first.calls).containsExactly("write 1000+536");
        assertThat(second.calls).containsExactly("write 0+512");
        assertThat(third.calls).containsExactly("write 0+488", "read 2047+1");
    }

    @Test
    void splitsDiscardsAtSegmentBoundaries() throws Exception {
        RecordingTarget first = new RecordingTarget(2);
        RecordingTarget second = new RecordingTarget(2);
        Table table = new Table(List.of(new Segment(0, 2, first), new Segment(2, 2, second)), () -> {});

        table.discard(100, 1500);

        assertThat(first.calls).containsExactly("discard 100+924");
        assertThat(second.calls).containsExactly("discard 0+576");
    }

    @Test
    void leavesTheBufferPositionAtItsOldLimitAndTheLimitUnchanged() throws Exception {
        Table table = mapper.create("dev", "0 8 linear " + a + " 0\n8 8 zero\n", dir).liveTable();
        ByteBuffer buffer = ByteBuffer.allocate(8000);
        buffer.position(100).limit(7000);

        table.read(buffer, 1000);

        assertThat(buffer.position()).isEqualTo(7000);
        assertThat(buffer.limit()).isEqualTo(7000);
    }

    // ---- out of range ----

    @ParameterizedTest(name = "{0} bytes at the end, one past")
    @ValueSource(ints = {1, 512, 4097})
    void requestsEndingOnePastTheEndFailAndChangeNothing(int length) throws Exception {
        Table table = mapper.create("dev", "0 16 linear " + a + " 0\n16 16 linear " + b + " 64\n", dir).liveTable();
        byte[] beforeA = TestFiles.bytes(a);
        byte[] beforeB = TestFiles.bytes(b);
        long offset = table.size() - length + 1;

        ByteBuffer write = ByteBuffer.wrap(TestFiles.seeded(length, 3));
        assertThatThrownBy(() -> table.write(write, offset)).isInstanceOf(IOException.class)
                .hasMessageContaining("outside the device's " + table.size() + " bytes");
        ByteBuffer read = ByteBuffer.allocate(length);
        assertThatThrownBy(() -> table.read(read, offset)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> table.discard(offset, length)).isInstanceOf(IOException.class);

        assertThat(write.position()).isZero();
        assertThat(read.position()).isZero();
        assertThat(TestFiles.bytes(a)).isEqualTo(beforeA);
        assertThat(TestFiles.bytes(b)).isEqualTo(beforeB);
    }

    @Test
    void negativeOffsetFails() throws Exception {
        Table table = mapper.create("dev", "0 8 zero\n", dir).liveTable();

        assertThatThrownBy(() -> table.read(ByteBuffer.allocate(1), -1)).isInstanceOf(IOException.class);
    }

    @Test
    void emptyRequestAtTheEndIsAllowed() throws Exception {
        Table table = mapper.create("dev", "0 8 zero\n", dir).liveTable();
        ByteBuffer empty = ByteBuffer.allocate(0);

        assertThatCode(() -> table.read(empty, table.size())).doesNotThrowAnyException();
        assertThatCode(() -> table.discard(table.size(), 0)).doesNotThrowAnyException();
        assertThat(empty.position()).isZero();
    }

    @Test
    void lastByteIsReadable() throws Exception {
        Table table = mapper.create("dev", "0 8 zero\n8 8 linear " + a + " 120\n", dir).liveTable();

        byte[] last = new byte[1];
        table.read(ByteBuffer.wrap(last), table.size() - 1);

        assertThat(last[0]).isEqualTo(TestFiles.bytes(a)[128 * 512 - 1]);
    }

    // ---- flush and close ----

    @Test
    void flushesEachLowerDeviceOnceEvenWhenSegmentsShareIt() throws Exception {
        MemoryDevice shared = new MemoryDevice("shared", 64 * 512);
        MemoryDevice other = new MemoryDevice("other", 64 * 512);
        Table table = Table.build("0 8 linear shared 0\n8 8 linear other 0\n16 8 linear shared 8\n",
                TargetRegistry.standard(), arg -> arg.equals("shared") ? shared : other, () -> {});

        table.flush();

        assertThat(shared.flushes()).isEqualTo(1);
        assertThat(other.flushes()).isEqualTo(1);
        assertThat(table.devices()).containsExactly(shared, other);
    }

    @Test
    void flushTriesEveryDeviceAndReportsTheFirstFailure() throws Exception {
        MemoryDevice bad = new MemoryDevice("bad", 8 * 512);
        MemoryDevice good = new MemoryDevice("good", 8 * 512);
        Table table = Table.build("0 8 linear bad 0\n8 8 linear good 0\n",
                TargetRegistry.standard(), arg -> arg.equals("bad") ? bad : good, () -> {});
        bad.failIo(true);

        assertThatThrownBy(table::flush).isInstanceOf(IOException.class).hasMessageContaining("bad: flush failed");
        assertThat(good.flushes()).isEqualTo(1);
    }

    @Test
    void closeClosesTargetsAndRunsReleaseOnce() {
        RecordingTarget target = new RecordingTarget(8);
        AtomicInteger released = new AtomicInteger();
        Table table = new Table(List.of(new Segment(0, 8, target)), released::incrementAndGet);

        table.close();

        assertThat(target.closed).isEqualTo(1);
        assertThat(released).hasValue(1);
    }

    @Test
    void failedBuildRunsReleaseOnce() {
        AtomicInteger released = new AtomicInteger();
        MemoryDevice memory = new MemoryDevice("m", 8 * 512);

        assertThatThrownBy(() -> Table.build("0 8 linear m 0\n8 8 linear m 1\n", TargetRegistry.standard(),
                arg -> memory, released::incrementAndGet)).isInstanceOf(TableException.class)
                .hasMessageStartingWith("line 2: linear: m is too small");
        assertThat(released).hasValue(1);
    }

    @Test
    void segmentsMustBeContiguousFromZero() {
        RecordingTarget t = new RecordingTarget(8);

        assertThatThrownBy(() -> new Table(List.of(new Segment(1, 8, t)), () -> {}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Table(List.of(), () -> {})).isInstanceOf(IllegalArgumentException.class);
    }

    /** Records every call as {@code "<op> <offset>+<length>"} and checks it stays in range. */
    static final class RecordingTarget implements Target {
        final long length;
        final List<String> calls = new ArrayList<>();
        int closed;

        RecordingTarget(long sectors) {
            this.length = Sectors.toBytes(sectors);
        }

        private void record(String op, long offset, long n) {
            assertThat(offset).isNotNegative();
            assertThat(offset + n).isLessThanOrEqualTo(length);
            calls.add(op + " " + offset + "+" + n);
        }

        @Override
        public String type() {
            return "recording";
        }

        @Override
        public String params() {
            return "";
        }

        @Override
        public String status() {
            return "";
        }

        @Override
        public void read(ByteBuffer dst, long offset) {
            record("read", offset, dst.remaining());
            dst.position(dst.limit());
        }

        @Override
        public void write(ByteBuffer src, long offset) {
            record("write", offset, src.remaining());
            src.position(src.limit());
        }

        @Override
        public void flush() {}

        @Override
        public void discard(long offset, long n) {
            record("discard", offset, n);
        }

        @Override
        public List<BlockDevice> devices() {
            return List.of();
        }

        @Override
        public void close() {
            closed++;
        }
    }
}
