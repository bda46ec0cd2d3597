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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TestFiles;

class DustTargetTest {
    private static final int S = 512;
    private static final int B = 4096;

    @TempDir
    Path dir;
    Mapper mapper;
    Path file;
    byte[] original;
    MappedDevice device;

    @BeforeEach
    void setUp() throws Exception {
        mapper = Mapper.standalone();
        file = TestFiles.noiseSectors(dir, "disk.img", 1024, 3).toRealPath();
        original = bytes(file);
        device = mapper.create("dust1", "0 256 dust " + file + " 0 4096\n", dir);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private String message(String... words) throws MapperException {
        return mapper.message("dust1", 0, List.of(words));
    }

    private String status() {
        return device.liveTable().segments().get(0).target().status();
    }

    /** Which of the device's blocks fail a read of the whole block. */
    private List<Integer> unreadableBlocks() {
        List<Integer> failing = new ArrayList<>();
        for (int block = 0; block < 256 * S / B; block++) {
            try {
                assertThat(read(device, (long) block * B, B)).isEqualTo(slice(original, (long) block * B, B));
            } catch (IOException e) {
                failing.add(block);
            }
        }
        return failing;
    }

    @Test
    void badBlocksReadFineUntilEnabledThenFailAloneAndReadFineAgainAfterDisable() throws Exception {
        message("addbadblock", "3");
        message("addbadblock", "7");
        message("addbadblock", "31");

        assertThat(status()).isEqualTo(file + " bypass verbose");
        assertThat(unreadableBlocks()).isEmpty();
        message("enable");
        assertThat(status()).isEqualTo(file + " fail_read_on_bad_block verbose");
        assertThat(unreadableBlocks()).containsExactly(3, 7, 31);
        message("disable");
        assertThat(unreadableBlocks()).isEmpty();
    }

    @Test
    void aReadFailsIfItTouchesABadBlockAnywhere() throws Exception {
        message("addbadblock", "5");
        message("enable");

        assertThatThrownBy(() -> read(device, 5 * B + B - 1, 1)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read(device, 4 * B + 100, B)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read(device, 0, 256 * S)).isInstanceOf(IOException.class);
        assertThat(read(device, 4 * B, B)).isEqualTo(slice(original, 4 * B, B));
        assertThat(read(device, 6 * B, B)).isEqualTo(slice(original, 6 * B, B));
    }

    @Test
    void aWriteToABadBlockWhileEnabledRemapsItAndSucceeds() throws Exception {
        message("addbadblock", "2");
        message("addbadblock", "3");
        message("enable");
        byte[] data = seeded(B, 9);

        write(device, 2 * B + 512, data);

        byte[] expected = original.clone();
        System.arraycopy(data, 0, expected, 2 * B + 512, B);
        assertThat(bytes(file)).isEqualTo(expected);
        assertThat(message("listbadblocks")).isEqualTo("No blocks in badblocklist");
        assertThat(read(device, 2 * B, 2 * B)).isEqualTo(slice(expected, 2 * B, 2 * B));
    }

    @Test
    void aWriteWhileDisabledLeavesTheListAlone() throws Exception {
        message("addbadblock", "2");

        write(device, 2 * B, seeded(B, 10));

        assertThat(message("queryblock", "2")).isEqualTo("queryblock: block 2 found in badblocklist");
        message("enable");
        assertThat(unreadableBlocks()).containsExactly(2);
    }

    @Test
    void aWriteFailCountFailsThatManyWritesBeforeTheRemap() throws Exception {
        message("addbadblock", "4", "2");
        message("enable");

        assertThatThrownBy(() -> write(device, 4 * B, seeded(B, 11))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> write(device, 4 * B, seeded(B, 11))).isInstanceOf(IOException.class);
        assertThat(bytes(file)).isEqualTo(original);
        write(device, 4 * B, seeded(B, 11));
        assertThat(slice(bytes(file), 4 * B, B)).isEqualTo(seeded(B, 11));
        assertThat(message("countbadblocks")).isEqualTo("countbadblocks: 0 badblock(s) found");
    }

    @Test
    void messagesReplyAsDocumented() throws Exception {
        assertThat(message("addbadblock", "60")).isEmpty();
        assertThat(message("ADDBADBLOCK", "7")).isEmpty();
        assertThat(message("countbadblocks")).isEqualTo("countbadblocks: 2 badblock(s) found");
        assertThat(message("queryblock", "60")).isEqualTo("queryblock: block 60 found in badblocklist");
        assertThat(message("queryblock", "61")).isEqualTo("queryblock: block 61 not found in badblocklist");
        assertThat(message("listbadblocks")).isEqualTo("7\n60");
        assertThat(message("removebadblock", "60")).isEmpty();
        assertThat(message("clearbadblocks")).isEqualTo("clearbadblocks: badblocks cleared");
        assertThat(message("clearbadblocks")).isEqualTo("clearbadblocks: no badblocks found");
        assertThat(message("listbadblocks")).isEqualTo("No blocks in badblocklist");
        assertThat(message("quiet")).isEmpty();
        assertThat(status()).isEqualTo(file + " bypass quiet");
        message("enable");
        assertThat(status()).isEqualTo(file + " fail_read_on_bad_block quiet");
        message("quiet");
        assertThat(status()).isEqualTo(file + " fail_read_on_bad_block verbose");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "addbadblock 88 ; addbadblock 88      | dust: block 88 already in badblocklist",
            "removebadblock 87                    | dust: block 87 not found in badblocklist",
            "addbadblock                          | dust: addbadblock requires an additional argument",
            "queryblock                           | dust: queryblock requires an additional argument",
            "addbadblock 128                      | dust: selected block value out of range",
            "addbadblock x                        | dust: invalid block number 'x'",
            "addbadblock 1 256                    | dust: invalid write fail count '256' (0 to 255)",
            "queryblock 1 2                       | dust: unrecognized message 'queryblock' received",
            "frobnicate                           | dust: unrecognized message 'frobnicate' received",
            "enable now                           | dust: unrecognized message 'enable' received",
            "addbadblock 1 2 3                    | dust: invalid number of arguments '4'"})
    void badMessagesAreInvalidArguments(String messages, String error) throws Exception {
        String[] each = messages.split(" ; ");
        for (int i = 0; i < each.length - 1; i++) {
            message(each[i].split(" "));
        }
        assertThatThrownBy(() -> message(each[each.length - 1].split(" ")))
                .isInstanceOfSatisfying(MapperException.class,
                        e -> assertThat(e.reason()).isEqualTo(MapperException.Reason.INVALID))
                .hasMessage(error + (error.contains("out of range") ? " (" + file + " has 128 blocks)" : ""));
    }

    @Test
    void blockNumbersCountFromTheStartOfTheDeviceUnderneathAsInTheKernel() throws Exception {
        MappedDevice shifted = mapper.create("shifted", "0 128 dust " + file + " 16 1024\n", dir);
        mapper.message("shifted", 0, List.of("addbadblock", "10"));
        mapper.message("shifted", 0, List.of("enable"));

        assertThatThrownBy(() -> read(shifted, 2 * 1024, 1024)).isInstanceOf(IOException.class);
        assertThat(read(shifted, 1024, 1024)).isEqualTo(slice(original, 16 * S + 1024, 1024));
        assertThat(read(shifted, 3 * 1024, 1024)).isEqualTo(slice(original, 16 * S + 3 * 1024, 1024));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0, 512", "8, 4096", "3, 65536"})
    void tableRoundTrips(long offset, int blksz) throws Exception {
        String text = "0 128 dust " + file + " " + offset + " " + blksz + "\n";
        Target target = mapper.create("rt", text, dir).liveTable().segments().get(0).target();

        assertThat(target.params()).isEqualTo(file + " " + offset + " " + blksz);
        assertThat(mapper.device("rt").liveTable().text()).isEqualTo(text);
        assertThat(mapper.device("rt").liveTable().statusText()).isEqualTo("0 128 dust " + file + " bypass verbose\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "0                 | expected 3 arguments",
            "0 512 1           | expected 3 arguments",
            "0 511             | invalid blksz 511",
            "0 2147483648      | invalid blksz 2147483648",
            "0 1536            | invalid blksz 1536: must be a power of 2",
            "0 131072          | invalid blksz 131072: larger than the segment",
            "x 512             | invalid offset 'x'",
            "1000 512          | is too small"})
    void badArgumentsAreRefusedWithTheLineAndTheField(String args, String message) {
        assertThatThrownBy(() -> mapper.create("bad", "0 8 zero\n8 128 dust " + file + " " + args + "\n", dir))
                .isInstanceOf(MapperException.class)
                .hasMessageContaining("line 2: dust: ")
                .hasMessageContaining(message);
    }
}
