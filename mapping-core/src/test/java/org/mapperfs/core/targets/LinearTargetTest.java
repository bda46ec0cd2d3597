package org.mapperfs.core.targets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.VectorIo;
import org.mapperfs.core.TestFiles;

class LinearTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path file;
    byte[] original;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        file = TestFiles.noiseSectors(dir, "disk.img", 64, 7).toRealPath();
        original = bytes(file);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    @Test
    void readsTheFileFromTheOffsetSector() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 linear " + file + " 5\n", dir);

        assertThat(device.size()).isEqualTo(16 * S);
        assertThat(read(device, 0, 16 * S)).isEqualTo(slice(original, 5 * S, 16 * S));
        assertThat(read(device, 16 * S - 1, 1)).isEqualTo(slice(original, 21 * S - 1, 1));
    }

    @Test
    void writesLandAtTheOffsetAndNowhereElse() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 linear " + file + " 5\n", dir);
        byte[] data = seeded(1000, 8);

        write(device, 700, data);

        byte[] expected = original.clone();
        System.arraycopy(data, 0, expected, 5 * S + 700, data.length);
        assertThat(bytes(file)).isEqualTo(expected);
    }

    @Test
    void segmentsInReverseOrderOverOneFileMapEachToItsOwnRange() throws Exception {
        MappedDevice device = mapper.create("dev",
                "0 8 linear " + file + " 56\n8 8 linear " + file + " 0\n", dir);

        byte[] all = read(device, 0, 16 * S);

        assertThat(slice(all, 0, 8 * S)).isEqualTo(slice(original, 56 * S, 8 * S));
        assertThat(slice(all, 8 * S, 8 * S)).isEqualTo(slice(original, 0, 8 * S));
    }

    @Test
    void paramsRecreateTheTargetAndStatusIsEmpty() throws Exception {
        Target target = mapper.create("dev", "0 16 linear " + file + " 5\n", dir)
                .liveTable().segments().get(0).target();

        assertThat(target.type()).isEqualTo("linear");
        assertThat(target.params()).isEqualTo(file + " 5");
        assertThat(target.status()).isEmpty();
        assertThat(target.devices()).hasSize(1);
    }

    @Test
    void refusesMessages() throws Exception {
        mapper.create("dev", "0 16 linear " + file + " 5\n", dir);

        assertThatThrownBy(() -> mapper.message("dev", 0, List.of("hello")))
                .isInstanceOf(MapperException.class)
                .hasMessage("linear: accepts no messages");
    }

    @Test
    void discardWithoutHolePunchingZeroesOnlyTheMappedRange() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 linear " + file + " 5\n", dir);

        device.discard(S + 3, 2 * S);

        byte[] expected = original.clone();
        Arrays.fill(expected, 6 * S + 3, 8 * S + 3, (byte) 0);
        assertThat(bytes(file)).isEqualTo(expected);
    }

    @Test
    void discardPunchesTheFileRangeUnderTheSegment() throws Exception {
        List<String> punched = new ArrayList<>();
        HolePuncher recorder = (path, offset, length) -> punched.add(path.getFileName() + " " + offset + "+" + length);
        try (Mapper punching = new Mapper(TargetRegistry.standard(), recorder, VectorIo.NONE, Optional.empty())) {
            MappedDevice device = punching.create("dev", "0 8 zero\n8 16 linear " + file + " 5\n", dir);

            device.discard(9 * S, 4 * S);

            assertThat(punched).containsExactly("disk.img " + (6 * S) + "+" + (4 * S));
            assertThat(bytes(file)).isEqualTo(original);
        }
    }
}
