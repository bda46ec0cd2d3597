package org.mapperfs.core.targets.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;

class CryptTargetTest {
    private static final int S = 512;
    private static final String KEY = "0123456789abcdef".repeat(8); // 512 bits: AES-256-XTS

    @TempDir
    Path dir;
    Mapper mapper;
    Path disk;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        disk = Files.write(dir.resolve("disk.img"), new byte[64 * S]).toRealPath();
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    @Test
    void whatIsWrittenReadsBackAndIsNotOnTheDiskInTheClear() throws Exception {
        MappedDevice d = mapper.create("c", "0 56 crypt aes-xts-plain64 " + KEY + " 0 " + disk + " 8\n", dir);
        byte[] data = seeded(16 * S, 3);

        write(d, 4 * S, data);

        assertThat(read(d, 4 * S, data.length)).isEqualTo(data);
        byte[] raw = bytes(disk);
        assertThat(Arrays.copyOfRange(raw, 12 * S, 28 * S)).isNotEqualTo(data);
        assertThat(Arrays.copyOfRange(raw, 0, 12 * S)).as("nothing before it").containsOnly(0);
    }

    @Test
    void aLongRequestAfterAShortOneOnTheSameThreadRoundTrips() throws Exception {
        Path big = Files.write(dir.resolve("big.img"), new byte[1024 * S]).toRealPath();
        MappedDevice d = mapper.create("c", "0 1024 crypt aes-xts-plain64 " + KEY + " 0 " + big + " 0\n", dir);
        byte[] small = seeded(8 * S, 6);
        byte[] large = seeded(600 * S, 7); // more than one pass through the worker's buffer

        write(d, 0, small);
        write(d, 16 * S, large);

        assertThat(read(d, 0, small.length)).isEqualTo(small);
        assertThat(read(d, 16 * S, large.length)).isEqualTo(large);
    }

    @Test
    void theCallersBufferIsNeverEncryptedInPlace() throws Exception {
        MappedDevice d = mapper.create("c", "0 64 crypt aes-xts-plain64 " + KEY + " 0 " + disk + " 0\n", dir);
        ByteBuffer src = ByteBuffer.allocateDirect(4 * S);
        byte[] data = seeded(4 * S, 4);
        src.put(data).flip();

        d.write(src, 0);

        byte[] after = new byte[4 * S];
        src.flip().get(after);
        assertThat(after).isEqualTo(data);
    }

    @Test
    void largeSectorsAndIvOffsetsRoundTripAndChangeTheCiphertext() throws Exception {
        byte[] data = seeded(8 * S, 5);
        MappedDevice a = mapper.create("a", "0 32 crypt aes-xts-plain64 " + KEY + " 0 " + disk
                + " 0 2 sector_size:4096 iv_large_sectors\n", dir);
        MappedDevice b = mapper.create("b", "0 32 crypt aes-xts-plain64 " + KEY + " 8 " + disk
                + " 32 1 sector_size:4096\n", dir);

        write(a, 8 * S, data);
        write(b, 8 * S, data);

        assertThat(read(a, 8 * S, data.length)).isEqualTo(data);
        assertThat(read(b, 8 * S, data.length)).isEqualTo(data);
        byte[] raw = bytes(disk);
        assertThat(Arrays.copyOfRange(raw, 8 * S, 16 * S)).isNotEqualTo(Arrays.copyOfRange(raw, 40 * S, 48 * S));
        assertThatThrownBy(() -> write(a, S, new byte[S])).isInstanceOf(IOException.class)
                .hasMessageContaining("not aligned to its 4096-byte sectors");
    }

    @Test
    void theKeyIsMaskedInReportsAndKeptForTheState() throws Exception {
        MappedDevice d = mapper.create("c", "0 64 crypt aes-xts-plain64 " + KEY + " 0 " + disk + " 0 1 allow_discards\n",
                dir);

        assertThat(d.liveTable().text()).isEqualTo("0 64 crypt aes-xts-plain64 " + KEY + " 0 " + disk
                + " 0 1 allow_discards\n");
        assertThat(d.liveTable().maskedText()).isEqualTo("0 64 crypt aes-xts-plain64 " + "0".repeat(128) + " 0 "
                + disk + " 0 1 allow_discards\n");
        assertThat(d.liveTable().statusText()).isEqualTo("0 64 crypt\n");
    }

    @Test
    void whatIsNotSupportedIsRefusedByNameAndTheKeyIsNeverEchoed() {
        assertRefused("0 64 crypt twofish-xts-plain64 " + KEY + " 0 " + disk + " 0", "cipher 'twofish' is not supported");
        assertRefused("0 64 crypt aes-ctr-plain64 " + KEY + " 0 " + disk + " 0", "chain mode 'ctr' is not supported");
        assertRefused("0 64 crypt aes-xts-benbi " + KEY + " 0 " + disk + " 0", "IV mode 'benbi' is not supported");
        assertRefused("0 64 crypt aes-xts-plain64 " + KEY.substring(0, 48) + " 0 " + disk + " 0",
                "a 192-bit key does not fit aes-xts-plain64");
        assertRefused("0 64 crypt aes-xts-plain64 :64:logon:cryptsetup:x 0 " + disk + " 0",
                "keys from the kernel keyring");
        assertRefused("0 64 crypt aes-xts-plain64 " + KEY + " 0 " + disk + " 0 1 integrity:28:aead",
                "option 'integrity:28:aead' is not supported");
        assertRefused("0 64 crypt aes-xts-plain64 " + KEY + " 0 " + disk + " 0 1 sector_size:1000",
                "invalid sector_size:1000");
        assertRefused("0 64 crypt aes-xts-plain64 " + KEY + " " + KEY + " " + disk + " 0", "invalid iv_offset: not a number");
    }

    private void assertRefused(String table, String message) {
        assertThatThrownBy(() -> mapper.create("x", table, dir)).isInstanceOf(MapperException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY.substring(0, 32)));
    }

    @Test
    void discardsAreDroppedUnlessAllowed() throws Exception {
        MappedDevice d = mapper.create("c", "0 64 crypt aes-xts-plain64 " + KEY + " 0 " + disk + " 0\n", dir);
        byte[] data = seeded(8 * S, 6);
        write(d, 0, data);

        d.discard(0, 8 * S);

        assertThat(read(d, 0, data.length)).as("a discard without allow_discards changes nothing").isEqualTo(data);
        assertThat(HexFormat.of().formatHex(bytes(disk), 0, 16)).isNotEqualTo("00".repeat(16));
    }
}
