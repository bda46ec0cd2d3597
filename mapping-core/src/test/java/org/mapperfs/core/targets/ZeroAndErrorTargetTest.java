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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TestFiles;

class ZeroAndErrorTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        file = TestFiles.noiseSectors(dir, "disk.img", 32, 11).toRealPath();
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    @ParameterizedTest(name = "direct buffer: {0}")
    @ValueSource(booleans = {false, true})
    void zeroReadsZerosEvenIntoADirtyBuffer(boolean direct) throws Exception {
        // Larger than the target's 64 KiB block of zeros, so the fill loops.
        MappedDevice device = mapper.create("dev", "0 300 zero\n", dir);
        int length = 150_001;
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(length + 2) : ByteBuffer.allocate(length + 2);
        while (buffer.hasRemaining()) {
            buffer.put((byte) 0x5a);
        }
        buffer.position(1).limit(length + 1);

        device.read(buffer, 7);

        assertThat(buffer.position()).isEqualTo(length + 1);
        buffer.clear();
        assertThat(buffer.get(0)).isEqualTo((byte) 0x5a);
        assertThat(buffer.get(length + 1)).isEqualTo((byte) 0x5a);
        for (int i = 1; i <= length; i++) {
            if (buffer.get(i) != 0) {
                throw new AssertionError("byte " + i + " is " + buffer.get(i));
            }
        }
    }

    @Test
    void zeroDropsWritesAndTheLinearSegmentsAroundItStillTakeTheirs() throws Exception {
        MappedDevice device = mapper.create("dev",
                "0 8 linear " + file + " 0\n8 8 zero\n16 8 linear " + file + " 24\n", dir);
        byte[] original = bytes(file);
        byte[] data = seeded(24 * S, 12);

        write(device, 0, data);

        byte[] expected = original.clone();
        System.arraycopy(data, 0, expected, 0, 8 * S);
        System.arraycopy(data, 16 * S, expected, 24 * S, 8 * S);
        assertThat(bytes(file)).isEqualTo(expected);
        byte[] back = read(device, 0, 24 * S);
        assertThat(slice(back, 8 * S, 8 * S)).containsOnly(0);
        assertThat(slice(back, 0, 8 * S)).isEqualTo(slice(data, 0, 8 * S));
    }

    @Test
    void zeroFlushAndDiscardSucceed() throws Exception {
        MappedDevice device = mapper.create("dev", "0 8 zero\n", dir);

        device.discard(0, 8 * S);
        device.flush();

        assertThat(read(device, 0, 8 * S)).containsOnly(0);
    }

    @Test
    void errorFailsReadsWritesAndDiscardsButNotFlush() throws Exception {
        MappedDevice device = mapper.create("dev", "0 8 linear " + file + " 0\n8 8 error\n", dir);
        byte[] original = bytes(file);

        assertThatThrownBy(() -> read(device, 8 * S, 1)).isInstanceOf(IOException.class)
                .hasMessageContaining("error target: read");
        assertThatThrownBy(() -> write(device, 9 * S, new byte[S])).isInstanceOf(IOException.class)
                .hasMessageContaining("error target: write at segment offset 512");
        assertThatThrownBy(() -> device.discard(8 * S, S)).isInstanceOf(IOException.class)
                .hasMessageContaining("error target: discard");
        device.flush();

        assertThat(device.stats().errors()).isEqualTo(3); // the read, the write and the discard
        assertThat(read(device, 0, 8 * S)).isEqualTo(slice(original, 0, 8 * S));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"zero", "error"})
    void hasNoParamsNoStatusNoDevicesAndRefusesMessages(String type) throws Exception {
        MappedDevice device = mapper.create("dev", "0 8 " + type + "\n", dir);
        Target target = device.liveTable().segments().get(0).target();

        assertThat(target.type()).isEqualTo(type);
        assertThat(target.params()).isEmpty();
        assertThat(target.status()).isEmpty();
        assertThat(target.devices()).isEmpty();
        assertThat(device.liveTable().text()).isEqualTo("0 8 " + type + "\n");
        assertThatThrownBy(() -> mapper.message("dev", 3, List.of("ping")))
                .isInstanceOf(MapperException.class)
                .hasMessage(type + ": accepts no messages");
    }

    @Test
    void errorIgnoresItsArgumentsAsTheKernelsDoesAndOpensNothing() throws Exception {
        MappedDevice device = mapper.create("dev", "0 8 error " + dir.resolve("absent.img") + " 0\n", dir);

        assertThat(device.liveTable().text()).isEqualTo("0 8 error\n");
        assertThat(device.liveTable().devices()).isEmpty();
        assertThatThrownBy(() -> read(device, 0, S)).isInstanceOf(IOException.class);
    }
}
