package org.mapperfs.core.targets;

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
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mapperfs.core.BufferPieces;
import org.mapperfs.core.CountingVectorIo;
import org.mapperfs.core.ForwardingDevice;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MemoryDevice;
import org.mapperfs.core.Table;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.TestFiles;

class StripedTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path a;
    Path b;
    Path c;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        a = TestFiles.noiseSectors(dir, "a.img", 200, 1).toRealPath();
        b = TestFiles.noiseSectors(dir, "b.img", 200, 2).toRealPath();
        c = TestFiles.noiseSectors(dir, "c.img", 200, 3).toRealPath();
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    @Test
    void dealsChunksRoundRobinOverTheStripesFromTheirOffsets() throws Exception {
        // 6 chunks of 8 sectors over 3 stripes: c0 c3 on a, c1 c4 on b, c2 c5 on c.
        MappedDevice device = mapper.create("dev",
                "0 48 striped 3 8 " + a + " 10 " + b + " 0 " + c + " 100\n", dir);
        for (int chunk = 0; chunk < 6; chunk++) {
            byte[] fill = new byte[8 * S];
            Arrays.fill(fill, (byte) (chunk + 1));
            write(device, (long) chunk * 8 * S, fill);
        }

        assertThat(chunkByte(a, 10, 0)).isEqualTo((byte) 1);
        assertThat(chunkByte(b, 0, 0)).isEqualTo((byte) 2);
        assertThat(chunkByte(c, 100, 0)).isEqualTo((byte) 3);
        assertThat(chunkByte(a, 10, 1)).isEqualTo((byte) 4);
        assertThat(chunkByte(b, 0, 1)).isEqualTo((byte) 5);
        assertThat(chunkByte(c, 100, 1)).isEqualTo((byte) 6);
    }

    /** Every byte of chunk {@code n} of a stripe, or fails if they differ. */
    private static byte chunkByte(Path file, int offsetSectors, int n) {
        byte[] chunk = slice(bytes(file), (long) (offsetSectors + n * 8) * S, 8 * S);
        for (byte x : chunk) {
            assertThat(x).isEqualTo(chunk[0]);
        }
        return chunk[0];
    }

    @ParameterizedTest(name = "{0} stripes of {1}-sector chunks")
    @CsvSource({"1, 8", "2, 8", "2, 13", "3, 24", "4, 9", "3, 64"})
    void readsCrossingChunkBoundariesMatchTheLayout(int stripes, int chunk) throws Exception {
        Path[] files = {a, b, c, a};
        long[] offsets = {0, 7, 3, 150};
        long width = 2L * chunk;
        StringBuilder table = new StringBuilder("0 " + (width * stripes) + " striped " + stripes + " " + chunk);
        for (int i = 0; i < stripes; i++) {
            table.append(' ').append(files[i]).append(' ').append(offsets[i] % (200 - width));
        }
        MappedDevice device = mapper.create("dev", table + "\n", dir);
        Map<Path, byte[]> contents = Map.of(a, bytes(a), b, bytes(b), c, bytes(c));

        byte[] all = read(device, 0, (int) device.size());

        for (long sector = 0; sector < width * stripes; sector++) {
            long n = sector / chunk;
            int stripe = (int) (n % stripes);
            long fileSector = offsets[stripe] % (200 - width) + (n / stripes) * chunk + sector % chunk;
            assertThat(slice(all, sector * S, S)).as("sector %d", sector)
                    .isEqualTo(slice(contents.get(files[stripe]), fileSector * S, S));
        }
    }

    @Test
    void oneStripeIsLinear() throws Exception {
        MappedDevice striped = mapper.create("striped", "0 64 striped 1 16 " + a + " 9\n", dir);
        MappedDevice linear = mapper.create("linear", "0 64 linear " + a + " 9\n", dir);

        assertThat(read(striped, 100, 30000)).isEqualTo(read(linear, 100, 30000));
    }

    @Test
    void writeAcrossChunksOfAllStripesReadsBack() throws Exception {
        MappedDevice device = mapper.create("dev",
                "0 96 striped 3 16 " + a + " 0 " + b + " 30 " + c + " 60\n", dir);
        byte[] data = seeded(40000, 5);

        device.write(ByteBuffer.allocateDirect(data.length).put(data).flip(), 1234);

        assertThat(read(device, 1234, data.length)).isEqualTo(data);
    }

    @Test
    void paramsRecreateTheTargetAndStatusListsDevicesThenAlive() throws Exception {
        MappedDevice device = mapper.create("dev", "0 32 striped 2 8 " + a + " 0 " + b + " 5\n", dir);
        var target = device.liveTable().segments().get(0).target();

        assertThat(target.params()).isEqualTo("2 8 " + a + " 0 " + b + " 5");
        assertThat(target.status()).isEqualTo("2 " + a + " " + b + " 1 AA");
    }

    @Test
    void statusMarksAStripeDeadAfterItsIoFailed() throws Exception {
        MemoryDevice good = new MemoryDevice("good", 64 * S);
        MemoryDevice bad = new MemoryDevice("bad", 64 * S);
        Table table = Table.build("0 32 striped 2 8 good 0 bad 0\n", TargetRegistry.standard(),
                arg -> arg.equals("good") ? good : bad, () -> {});
        bad.failIo(true);

        table.read(ByteBuffer.allocate(8 * S), 0);
        assertThatThrownBy(() -> table.read(ByteBuffer.allocate(8 * S), 8 * S)).isInstanceOf(IOException.class);

        assertThat(table.segments().get(0).target().status()).isEqualTo("2 good bad 1 AD");
    }

    @Test
    void discardSplitsAtChunksOntoEachStripe() throws Exception {
        MemoryDevice s0 = new MemoryDevice("s0", 32 * S);
        MemoryDevice s1 = new MemoryDevice("s1", 32 * S);
        Arrays.fill(s0.data(), (byte) 1);
        Arrays.fill(s1.data(), (byte) 1);
        Table table = Table.build("0 32 striped 2 8 s0 0 s1 16\n", TargetRegistry.standard(),
                arg -> arg.equals("s0") ? s0 : s1, () -> {});

        // chunks: c0 = s0[0,8), c1 = s1[16,24), c2 = s0[8,16); discard from mid c0 into mid c2
        table.discard(4 * S, 16 * S);

        assertThat(zeroSectors(s0)).containsExactly(4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(zeroSectors(s1)).containsExactly(16, 17, 18, 19, 20, 21, 22, 23);
    }

    @Test
    void aReadOverManyChunksIsOneCallPerStripeWithItsChunksAsPieces() throws Exception {
        Counting s0 = new Counting(new MemoryDevice("s0", 64 * S));
        Counting s1 = new Counting(new MemoryDevice("s1", 64 * S));
        new java.util.Random(9).nextBytes(s0.memory.data());
        new java.util.Random(10).nextBytes(s1.memory.data());
        Table table = Table.build("0 64 striped 2 8 s0 0 s1 8\n", TargetRegistry.standard(),
                arg -> arg.equals("s0") ? s0 : s1, () -> {});

        // From the middle of chunk 0 (on s0) to the middle of chunk 5 (on s1), at position 3 of the buffer.
        ByteBuffer buffer = ByteBuffer.allocate(40 * S + 3).position(3);
        table.read(buffer, 4 * S);

        assertThat(buffer.position()).isEqualTo(40 * S + 3);
        assertThat(s0.calls).isEqualTo(1);
        assertThat(s1.calls).isEqualTo(1);
        assertThat(s0.pieces).isEqualTo(3); // c0 (its second half), c2, c4
        assertThat(s1.pieces).isEqualTo(3); // c1, c3, c5 (its first half)
        // s0 holds c0 c2 c4 side by side from sector 0, s1 holds c1 c3 c5 from sector 8.
        byte[] got = slice(buffer.array(), 3, 40 * S);
        assertThat(slice(got, 0, 4 * S)).isEqualTo(slice(s0.memory.data(), 4 * S, 4 * S));
        assertThat(slice(got, 4 * S, 8 * S)).isEqualTo(slice(s1.memory.data(), 8 * S, 8 * S));
        assertThat(slice(got, 12 * S, 8 * S)).isEqualTo(slice(s0.memory.data(), 8 * S, 8 * S));
        assertThat(slice(got, 36 * S, 4 * S)).isEqualTo(slice(s1.memory.data(), 24 * S, 4 * S));
    }

    @Test
    void aWriteOverManyChunksOfFilesIsOneVectoredCallPerStripe() throws Exception {
        CountingVectorIo vectors = new CountingVectorIo();
        try (Mapper counted = new Mapper(TargetRegistry.standard(), HolePuncher.NONE, vectors, Optional.empty())) {
            MappedDevice device = counted.create("dev", "0 64 striped 2 8 " + a + " 0 " + b + " 8\n", dir);
            byte[] data = seeded(40 * S, 11);

            device.write(ByteBuffer.allocateDirect(40 * S).put(data).flip(), 4 * S);
            device.flush();

            assertThat(vectors.writes.get()).isEqualTo(2);
            assertThat(slice(bytes(a), 4 * S, 4 * S)).isEqualTo(slice(data, 0, 4 * S));
            assertThat(slice(bytes(a), 8 * S, 8 * S)).isEqualTo(slice(data, 12 * S, 8 * S));
            assertThat(slice(bytes(b), 8 * S, 8 * S)).isEqualTo(slice(data, 4 * S, 8 * S));
            assertThat(slice(bytes(b), 24 * S, 4 * S)).isEqualTo(slice(data, 36 * S, 4 * S));
            assertThat(read(device, 4 * S, 40 * S)).isEqualTo(data);
        }
    }

    @Test
    void stripesSharingBytesOfAFileKeepTheLastWriteOfTheRequest() throws Exception {
        // Stripe 0 is a[0,16), stripe 1 is a[8,24): c1 (stripe 1, row 0) and c2 (stripe 0, row 1)
        // both land on a[8,16). In the request's order c2 comes last, so c2 stays.
        MappedDevice device = mapper.create("dev", "0 32 striped 2 8 " + a + " 0 " + a + " 8\n", dir);
        byte[] data = seeded(32 * S, 12);

        device.write(ByteBuffer.allocateDirect(32 * S).put(data).flip(), 0);

        assertThat(slice(bytes(a), 8 * S, 8 * S)).isEqualTo(slice(data, 16 * S, 8 * S));
    }

    /** A lower device that counts the calls that reach it and the pieces they carry. */
    private static final class Counting extends ForwardingDevice {
        final MemoryDevice memory;
        int calls;
        int pieces;

        Counting(MemoryDevice memory) {
            super(memory);
            this.memory = memory;
        }

        @Override
        public void read(ByteBuffer dst, long offset) throws IOException {
            calls++;
            pieces++;
            device.read(dst, offset);
        }

        @Override
        public void readPieces(ByteBuffer buffer, BufferPieces p, long offset) throws IOException {
            calls++;
            pieces += p.count();
            device.readPieces(buffer, p, offset);
        }
    }

    private static int[] zeroSectors(MemoryDevice device) {
        return IntStream.range(0, device.data().length / S)
                .filter(s -> device.data()[s * S] == 0 && device.data()[s * S + S - 1] == 0)
                .toArray();
    }
}
