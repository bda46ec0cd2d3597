package org.mapperfs.core.targets.verity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.read;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;

/** Trees made by veritysetup (cryptsetup-bin), read through the engine. */
class VerityTargetTest {
    private static final int BLOCKS = 300; // two hash levels with sha256 in 4 KiB blocks

    @TempDir
    Path dir;
    Mapper mapper;
    Path data;
    Path hashes;
    byte[] content;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        content = new byte[BLOCKS * 4096];
        new Random(1).nextBytes(content);
        for (int i = 0; i < 4096; i++) {
            content[7 * 4096 + i] = 0; // block 7 is all zeros
        }
        data = Files.write(dir.resolve("data.img"), content).toRealPath();
        hashes = dir.resolve("hash.img");
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private String format(String... extra) throws Exception {
        String[] base = {"veritysetup", "format", data.toString(), hashes.toString()};
        String[] command = new String[base.length + extra.length];
        System.arraycopy(base, 0, command, 0, 2);
        System.arraycopy(extra, 0, command, 2, extra.length);
        System.arraycopy(base, 2, command, 2 + extra.length, 2);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String hash = extra.length > 1 && extra[0].equals("--hash") ? extra[1] : "sha256";
        int version = String.join(" ", extra).contains("--format 0") ? 0 : 1;
        return "0 " + BLOCKS * 8 + " verity " + version + " " + data + " " + hashes + " 4096 4096 " + BLOCKS + " 1 "
                + hash + " " + field(out, "Root hash:\\s+(\\S+)") + " " + field(out, "Salt:\\s+(\\S+)");
    }

    private static String field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return m.group(1);
    }

    @Test
    void everyBlockReadsBackVerifiedWhateverTheHashAndFormat() throws Exception {
        for (String[] options : new String[][] {{}, {"--hash", "sha1"}, {"--hash", "sha512"}, {"--format", "0"}}) {
            MappedDevice v = mapper.create("v", format(options), dir);

            assertThat(read(v, 0, content.length)).as(String.join(" ", options)).isEqualTo(content);
            assertThat(read(v, 4096 * 5 + 1000, 3000)).as("a part of a block").isEqualTo(
                    java.util.Arrays.copyOfRange(content, 4096 * 5 + 1000, 4096 * 5 + 4000));
            assertThat(v.liveTable().statusText()).isEqualTo("0 " + BLOCKS * 8 + " verity V -\n");
            mapper.remove("v", false);
        }
    }

    @Test
    void aFlippedDataByteFailsThatBlockOnlyAndTurnsTheStatusToC() throws Exception {
        String table = format();
        flip(data, 123 * 4096 + 17);
        MappedDevice v = mapper.create("v", table, dir);

        assertThatThrownBy(() -> read(v, 123 * 4096, 4096)).isInstanceOf(IOException.class)
                .hasMessage("verity: data block 123 does not match its digest");
        assertThat(read(v, 122 * 4096, 4096)).isEqualTo(java.util.Arrays.copyOfRange(content, 122 * 4096,
                123 * 4096));
        assertThat(v.liveTable().statusText()).isEqualTo("0 " + BLOCKS * 8 + " verity C -\n");
        assertThat(v.liveTable().segments().get(0).target().statusFields())
                .containsExactly(java.util.Map.entry("verified", false), java.util.Map.entry("corrupted", true));
    }

    @Test
    void aFlippedHashByteFailsTheBlocksItCoversAndIgnoreCorruptionPassesThem() throws Exception {
        String table = format();
        long leaves = Files.size(hashes) / 4096 - 3; // level 0: 3 blocks of 128 digests, stored last
        flip(hashes, leaves * 4096 + 5);
        MappedDevice v = mapper.create("v", table, dir);

        assertThatThrownBy(() -> read(v, 0, 4096)).hasMessageContaining("does not match its digest");
        assertThat(read(v, 200 * 4096, 4096)).as("under the second leaf").isEqualTo(
                java.util.Arrays.copyOfRange(content, 200 * 4096, 201 * 4096));
        mapper.remove("v", false);
        MappedDevice lax = mapper.create("v", table + " 1 ignore_corruption", dir);
        assertThat(read(lax, 0, 4096)).isEqualTo(java.util.Arrays.copyOfRange(content, 0, 4096));
        assertThat(lax.liveTable().statusText()).contains("verity C");
    }

    @Test
    void aReadOfManyBlocksFailsOnTheBadOneAndZeroBlocksComeBackAsZeros() throws Exception {
        String table = format();
        flip(data, 123 * 4096 + 17);
        flip(data, 7 * 4096 + 9); // block 7 was zeros when the tree was made
        MappedDevice v = mapper.create("v", table, dir);

        assertThatThrownBy(() -> read(v, 120 * 4096, 64 * 4096)).isInstanceOf(IOException.class)
                .hasMessage("verity: data block 123 does not match its digest");
        assertThat(read(v, 124 * 4096, 64 * 4096)).as("the blocks after it").isEqualTo(
                java.util.Arrays.copyOfRange(content, 124 * 4096, 188 * 4096));
        assertThatThrownBy(() -> read(v, 4 * 4096, 8 * 4096)).hasMessage("verity: data block 7 does not match its digest");
        mapper.remove("v", false);

        MappedDevice zeros = mapper.create("v", table + " 1 ignore_zero_blocks", dir);
        assertThat(read(zeros, 4 * 4096, 8 * 4096)).as("block 7 is zeros, not what the file has").isEqualTo(
                java.util.Arrays.copyOfRange(content, 4 * 4096, 12 * 4096));
        mapper.remove("v", false);

        MappedDevice lax = mapper.create("v", table + " 1 ignore_corruption", dir);
        byte[] got = read(lax, 120 * 4096, 8 * 4096);
        assertThat(got[3 * 4096 + 17]).as("the flipped byte, as the file has it").isEqualTo((byte) (content[123 * 4096 + 17] ^ 0x40));
        assertThat(lax.liveTable().statusText()).contains("verity C");
    }

    @Test
    void writesFailAndUnsupportedOptionsAreRefusedByName() throws Exception {
        String table = format();
        MappedDevice v = mapper.create("v", table + " 2 ignore_zero_blocks check_at_most_once", dir);

        assertThatThrownBy(() -> org.mapperfs.core.TestFiles.write(v, 0, new byte[4096]))
                .hasMessage("verity: the device is read-only");
        assertThat(read(v, 7 * 4096, 4096)).containsOnly(0);
        assertThatThrownBy(() -> mapper.create("w", table + " 2 use_fec_from_device " + data, dir))
                .isInstanceOf(MapperException.class).hasMessageContaining("option 'use_fec_from_device' is not supported");
        assertThatThrownBy(() -> mapper.create("w", table.replace(" sha256 ", " md5 "), dir))
                .hasMessageContaining("algorithm 'md5' is not supported");
    }

    private static void flip(Path file, long at) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x40));
            ch.write(b.rewind(), at);
        }
    }
}
