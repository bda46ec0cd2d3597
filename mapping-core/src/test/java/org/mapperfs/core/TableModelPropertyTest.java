package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport.StatisticsReportMode;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Random tables over real files, random I/O, and a reference model: a plain byte array per
 * backing file, and for every device an array saying where each of its sectors lives, worked
 * out sector by sector from the table specs (a striped segment is dealt chunk by chunk, round
 * robin, with a cursor per stripe: no division formula shared with the engine). After every
 * operation the device's bytes and the raw files' bytes must equal the model.
 *
 * <p>Generated specs are clamped to the devices they land on ({@link #fit}), so every generated
 * table is valid; the refusals of invalid tables are {@link TableParserTest}'s business.
 */
class TableModelPropertyTest {
    private static final int S = 512;
    private static final int MAX_IO = 300 * 1024;
    private static final int FILES = 3;

    // ---- what the generators produce ----

    sealed interface Seg permits Linear, Striped, Zero {}

    /** {@code node} and {@code offset} are reduced modulo what exists when the table is built. */
    record Linear(int sectors, int node, int offset) implements Seg {}

    record Striped(int chunk, int chunksPerStripe, List<Integer> nodes, List<Integer> offsets) implements Seg {}

    record Zero(int sectors) implements Seg {}

    enum Span { ONE_BYTE, PART_OF_A_SECTOR, FEW_SECTORS, LARGE, TO_THE_END, LAST_BYTE }

    /** One read or write; {@code device} picks among the devices of the scenario. */
    record Op(boolean write, int device, Span span, int offsetPick, int lengthPick, boolean direct, int seed) {}

    /** Sizes and offsets spread evenly: jqwik's default bias towards small numbers would keep most I/O inside one segment. */
    private static Arbitrary<Integer> uniform(int min, int max) {
        return Arbitraries.integers().between(min, max).withDistribution(RandomDistribution.uniform());
    }

    @Provide
    Arbitrary<List<Seg>> tables() {
        // Short segments now and then: a one-sector segment is a boundary on both sides.
        Arbitrary<Integer> length = Arbitraries.frequencyOf(Tuple.of(1, uniform(1, 8)), Tuple.of(3, uniform(1, 256)));
        Arbitrary<Seg> linear = Combinators.combine(
                length,
                uniform(0, 7),
                uniform(0, 5000)).as(Linear::new);
        Arbitrary<Seg> striped = uniform(1, 4).flatMap(stripes -> Combinators.combine(
                uniform(8, 64),
                uniform(1, 4),
                uniform(0, 7).list().ofSize(stripes),
                uniform(0, 5000).list().ofSize(stripes)).as(Striped::new));
        Arbitrary<Seg> zero = uniform(1, 64).map(Zero::new);
        Arbitrary<Seg> seg = Arbitraries.frequencyOf(Tuple.of(4, linear), Tuple.of(4, striped), Tuple.of(1, zero));
        // The count drawn first: a list's own size generation favours a single element.
        return uniform(1, 8).flatMap(n -> seg.list().ofSize(n));
    }

    @Provide
    Arbitrary<List<Integer>> fileSectors() {
        return uniform(300, 900).list().ofSize(FILES);
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Span> span = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(Span.ONE_BYTE)),
                Tuple.of(1, Arbitraries.just(Span.PART_OF_A_SECTOR)),
                Tuple.of(3, Arbitraries.just(Span.FEW_SECTORS)),
                Tuple.of(6, Arbitraries.just(Span.LARGE)),
                Tuple.of(2, Arbitraries.just(Span.TO_THE_END)),
                Tuple.of(1, Arbitraries.just(Span.LAST_BYTE)));
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.of(true, false),
                uniform(0, 2),
                span,
                uniform(0, Integer.MAX_VALUE),
                uniform(0, Integer.MAX_VALUE),
                Arbitraries.of(true, false),
                Arbitraries.integers()).as(Op::new);
        return uniform(5, 25).flatMap(n -> op.list().ofSize(n));
    }

    // ---- properties ----

    @Property(tries = 80, seed = "4242", edgeCases = EdgeCasesMode.NONE)
    @StatisticsReport(StatisticsReportMode.OFF)
    void randomTablesOverFilesMatchTheModel(@ForAll("fileSectors") List<Integer> fileSectors,
            @ForAll("tables") List<Seg> table, @ForAll("ops") List<Op> ops) throws Exception {
        try (World world = new World(fileSectors, 1)) {
            world.device("dev", table, world.files);

            world.run(ops);

            Statistics.label("segments touched by one op").coverage(c -> c.check("3+").count(n -> n >= 100));
            Statistics.label("contiguous pieces on the files").coverage(c -> c.check("10+").count(n -> n >= 100));
            Statistics.label("touches the last byte").coverage(c -> c.check(true).count(n -> n >= 40));
        }
    }

    @Property(tries = 30, seed = "777", edgeCases = EdgeCasesMode.NONE)
    @StatisticsReport(StatisticsReportMode.OFF)
    void stripedDeviceOverTwoMappedLinearDevicesMatchesTheModel(@ForAll("fileSectors") List<Integer> fileSectors,
            @ForAll @IntRange(min = 100, max = 300) int lowerSectors,
            @ForAll @IntRange(min = 0, max = 5000) int offset0, @ForAll @IntRange(min = 0, max = 5000) int offset1,
            @ForAll @IntRange(min = 8, max = 64) int chunk, @ForAll @IntRange(min = 1, max = 4) int chunksPerStripe,
            @ForAll @IntRange(min = 0, max = 5000) int stripeOffset0,
            @ForAll @IntRange(min = 0, max = 5000) int stripeOffset1,
            @ForAll("ops") List<Op> ops) throws Exception {
        try (World world = new World(fileSectors, 2)) {
            Node left = world.device("left", List.of(new Linear(lowerSectors, 0, offset0)), world.files);
            Node right = world.device("right", List.of(new Linear(lowerSectors, 1, offset1)), world.files);
            world.device("raid", List.of(new Striped(chunk, chunksPerStripe, List.of(0, 1),
                    List.of(stripeOffset0, stripeOffset1))), List.of(left, right));

            world.run(ops);
        }
    }

    @Property(tries = 30, seed = "31337", edgeCases = EdgeCasesMode.NONE)
    @StatisticsReport(StatisticsReportMode.OFF)
    void threeDeepStackMatchesTheModel(@ForAll("fileSectors") List<Integer> fileSectors,
            @ForAll("tables") List<Seg> bottom, @ForAll("tables") List<Seg> middle, @ForAll("tables") List<Seg> top,
            @ForAll("ops") List<Op> ops) throws Exception {
        try (World world = new World(fileSectors, 3)) {
            Node one = world.device("one", bottom, world.files);
            Node two = world.device("two", middle, List.of(one));
            world.device("three", top, List.of(two));

            world.run(ops);
        }
    }

    // ---- the model ----

    /**
     * Something a table can name, with where each of its sectors finally lives: backing file
     * {@code file[s]} at sector {@code fileSector[s]}, or nowhere ({@code -1}: reads zeros).
     */
    record Node(String name, int sectors, int[] file, int[] fileSector) {}

    /** Clamps a generated segment so that it fits the nodes it lands on. */
    static Seg fit(Seg seg, List<Node> nodes) {
        if (seg instanceof Linear l) {
            int node = l.node() % nodes.size();
            int size = nodes.get(node).sectors();
            int length = Math.min(l.sectors(), size);
            return new Linear(length, node, l.offset() % (size - length + 1));
        }
        if (seg instanceof Striped st) {
            List<Integer> picked = st.nodes().stream().map(n -> n % nodes.size()).toList();
            int smallest = picked.stream().mapToInt(n -> nodes.get(n).sectors()).min().orElseThrow();
            if (smallest < st.chunk()) {
                return fit(new Linear(st.chunk(), picked.get(0), st.offsets().get(0)), nodes);
            }
            int perStripe = Math.min(st.chunksPerStripe(), smallest / st.chunk());
            int width = perStripe * st.chunk();
            List<Integer> offsets = new ArrayList<>();
            for (int i = 0; i < picked.size(); i++) {
                offsets.add(st.offsets().get(i) % (nodes.get(picked.get(i)).sectors() - width + 1));
            }
            return new Striped(st.chunk(), perStripe, picked, offsets);
        }
        return seg;
    }

    static int sectors(Seg seg) {
        if (seg instanceof Linear l) {
            return l.sectors();
        }
        if (seg instanceof Striped st) {
            return st.nodes().size() * st.chunksPerStripe() * st.chunk();
        }
        return ((Zero) seg).sectors();
    }

    static String tableLine(long start, Seg seg, List<Node> nodes) {
        String head = start + " " + sectors(seg) + " ";
        if (seg instanceof Linear l) {
            return head + "linear " + nodes.get(l.node()).name() + " " + l.offset();
        }
        if (seg instanceof Striped st) {
            StringBuilder sb = new StringBuilder(head).append("striped ").append(st.nodes().size())
                    .append(' ').append(st.chunk());
            for (int i = 0; i < st.nodes().size(); i++) {
                sb.append(' ').append(nodes.get(st.nodes().get(i)).name()).append(' ').append(st.offsets().get(i));
            }
            return sb.toString();
        }
        return head + "zero";
    }

    /** Fills the model's arrays for one fitted segment starting at device sector {@code at}. */
    static void place(Seg seg, List<Node> nodes, int[] file, int[] fileSector, int at) {
        if (seg instanceof Linear l) {
            Node lower = nodes.get(l.node());
            for (int k = 0; k < l.sectors(); k++) {
                file[at + k] = lower.file()[l.offset() + k];
                fileSector[at + k] = lower.fileSector()[l.offset() + k];
            }
        } else if (seg instanceof Striped st) {
            // Deal the chunks like cards: chunk c goes to stripe c mod n, each stripe filling
            // its own range from its offset onwards.
            int stripes = st.nodes().size();
            int[] cursor = new int[stripes];
            int k = at;
            for (int c = 0; c < stripes * st.chunksPerStripe(); c++) {
                int stripe = c % stripes;
                Node lower = nodes.get(st.nodes().get(stripe));
                for (int j = 0; j < st.chunk(); j++) {
                    int sector = st.offsets().get(stripe) + cursor[stripe]++;
                    file[k] = lower.file()[sector];
                    fileSector[k] = lower.fileSector()[sector];
                    k++;
                }
            }
        } else {
            for (int k = 0; k < sectors(seg); k++) {
                file[at + k] = -1;
            }
        }
    }

    /** The files, the mapper, the devices and the model of one try. */
    static final class World implements AutoCloseable {
        final Path dir;
        final Mapper mapper = Mapper.standalone();
        final List<Path> paths = new ArrayList<>();
        final byte[][] contents = new byte[FILES][];
        final List<Node> files = new ArrayList<>();
        final List<Node> devices = new ArrayList<>();

        World(List<Integer> fileSectors, long seed) throws IOException {
            dir = Files.createTempDirectory("mapperfs-model");
            Random random = new Random(seed);
            for (int f = 0; f < FILES; f++) {
                int sectors = fileSectors.get(f);
                contents[f] = new byte[sectors * S];
                random.nextBytes(contents[f]);
                Path path = Files.write(dir.resolve("file" + f + ".img"), contents[f]).toRealPath();
                paths.add(path);
                int[] file = new int[sectors];
                int[] fileSector = new int[sectors];
                for (int s = 0; s < sectors; s++) {
                    file[s] = f;
                    fileSector[s] = s;
                }
                files.add(new Node(path.toString(), sectors, file, fileSector));
            }
        }

        Node device(String name, List<Seg> specs, List<Node> lower) throws MapperException {
            StringBuilder text = new StringBuilder();
            List<Seg> fitted = specs.stream().map(s -> fit(s, lower)).toList();
            int total = fitted.stream().mapToInt(TableModelPropertyTest::sectors).sum();
            int[] file = new int[total];
            int[] fileSector = new int[total];
            int at = 0;
            for (Seg seg : fitted) {
                text.append(tableLine(at, seg, lower)).append('\n');
                place(seg, lower, file, fileSector, at);
                at += sectors(seg);
            }
            MappedDevice device = mapper.create(name, text.toString(), dir);
            assertThat(device.liveTable().text()).isEqualTo(text.toString());
            Node node = new Node(name, total, file, fileSector);
            devices.add(node);
            return node;
        }

        void run(List<Op> ops) throws Exception {
            for (int i = 0; i < ops.size(); i++) {
                apply(ops.get(i), "op " + i + " of " + ops);
            }
            for (Node node : devices) {
                byte[] all = TestFiles.read(mapper.device(node.name()), 0, node.sectors() * S);
                assertSameBytes(node.name() + " read whole at the end", expected(node, 0, all.length), all);
            }
        }

        private void apply(Op op, String where) throws Exception {
            Node node = devices.get(op.device() % devices.size());
            MappedDevice device = mapper.device(node.name());
            long size = device.size();
            assertThat(size).isEqualTo((long) node.sectors() * S);
            int length = length(op, size);
            long offset = switch (op.span()) {
                case TO_THE_END, LAST_BYTE -> size - length;
                default -> op.offsetPick() % (size - length + 1);
            };
            collect(node, offset, length, size);

            // Three bytes of slack in front: the engine must honour position and limit.
            ByteBuffer buffer = op.direct() ? ByteBuffer.allocateDirect(length + 3) : ByteBuffer.allocate(length + 3);
            buffer.position(3);
            if (op.write()) {
                byte[] data = TestFiles.seeded(length, op.seed());
                buffer.put(data).position(3);
                device.write(buffer, offset);
                assertThat(buffer.position()).as(where).isEqualTo(length + 3);
                writeModel(node, offset, data);
                buffer.clear().position(3);
            }
            device.read(buffer, offset);
            assertThat(buffer.position()).as(where).isEqualTo(length + 3);
            byte[] got = new byte[length];
            buffer.position(3);
            buffer.get(got);
            assertSameBytes(node.name() + " at " + offset + "+" + length + ", " + where,
                    expected(node, offset, length), got);
            for (int f = 0; f < FILES; f++) {
                assertSameBytes("backing file " + f + " after " + where, contents[f], TestFiles.bytes(paths.get(f)));
            }
        }

        private static int length(Op op, long size) {
            int max = (int) Math.min(size, MAX_IO);
            return switch (op.span()) {
                case ONE_BYTE, LAST_BYTE -> 1;
                case PART_OF_A_SECTOR -> 1 + op.lengthPick() % Math.min(max, S - 1);
                case FEW_SECTORS -> 1 + op.lengthPick() % Math.min(max, 8 * S);
                case LARGE, TO_THE_END -> 1 + op.lengthPick() % max;
            };
        }

        private void writeModel(Node node, long offset, byte[] data) {
            for (int i = 0; i < data.length; i++) {
                long at = offset + i;
                int sector = (int) (at / S);
                int f = node.file()[sector];
                if (f >= 0) {
                    contents[f][node.fileSector()[sector] * S + (int) (at % S)] = data[i];
                }
            }
        }

        private byte[] expected(Node node, long offset, int length) {
            byte[] out = new byte[length];
            for (int i = 0; i < length; i++) {
                long at = offset + i;
                int sector = (int) (at / S);
                int f = node.file()[sector];
                out[i] = f < 0 ? 0 : contents[f][node.fileSector()[sector] * S + (int) (at % S)];
            }
            return out;
        }

        private void collect(Node node, long offset, int length, long size) {
            if (devices.size() != 1) {
                return;
            }
            Table table = mapper.find(node.name()).orElseThrow().liveTable();
            int touched = table.segmentIndex(offset + length - 1) - table.segmentIndex(offset) + 1;
            Statistics.label("segments touched by one op").collect(touched >= 3 ? "3+" : String.valueOf(touched));
            Statistics.label("touches the last byte").collect(offset + length == size);
            int pieces = 1;
            for (long sector = offset / S + 1; sector <= (offset + length - 1) / S; sector++) {
                int s = (int) sector;
                if (node.file()[s] != node.file()[s - 1] || node.fileSector()[s] != node.fileSector()[s - 1] + 1) {
                    pieces++;
                }
            }
            Statistics.label("contiguous pieces on the files").collect(pieces >= 10 ? "10+" : pieces > 1 ? "2-9" : "1");
        }

        @Override
        public void close() throws IOException {
            mapper.close();
            assertThat(mapper.openBackingFiles()).isZero();
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** Like isEqualTo, but says where the first difference is instead of printing megabytes. */
    static void assertSameBytes(String what, byte[] expected, byte[] actual) {
        assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
        int mismatch = Arrays.mismatch(expected, actual);
        if (mismatch >= 0) {
            throw new AssertionError(what + ": first difference at byte " + mismatch + " (sector " + mismatch / S
                    + "): expected " + expected[mismatch] + " but was " + actual[mismatch]);
        }
    }
}
