package org.mapperfs.cli.dmsetup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelDevicesTest {
    @TempDir
    Path dir;

    @Test
    void deviceNumbersSplitAsTheKernelsEncodingDoes() {
        long dev = (253L << 8) | 5 | ((0x1234L & ~0xffL) << 12) | ((0x1000L & ~0xfffL) << 32);

        assertThat(KernelDevices.major(dev)).isEqualTo(253 | 0x1000);
        assertThat(KernelDevices.minor(dev)).isEqualTo(5 | (0x1234 & ~0xff));
        assertThat(KernelDevices.major((7L << 8) | 3)).isEqualTo(7);
        assertThat(KernelDevices.minor((7L << 8) | 3)).isEqualTo(3);
    }

    @Test
    void mountinfoEscapesAreUndone() {
        assertThat(KernelDevices.unescape("/mnt/with\\040space\\011tab")).isEqualTo("/mnt/with space\ttab");
    }

    @Test
    void aNameOrAPathInTheMapperFolderNamesADeviceAndNothingElseDoes() {
        KernelDevices kernel = new KernelDevices(dir.resolve("mnt"), dir.resolve("dev"));

        assertThat(kernel.deviceNamed("vol", List.of("vol"))).hasValue("vol");
        assertThat(kernel.deviceNamed(dir.resolve("dev/mapper/vol").toString(), List.of("vol"))).hasValue("vol");
        assertThat(kernel.deviceNamed(dir.resolve("dev/mapper/gone").toString(), List.of("vol"))).isEmpty();
        assertThat(kernel.deviceNamed("nothere", List.of("vol"))).isEmpty();
        assertThat(kernel.deviceNamed("99999:99999", List.of("vol"))).isEmpty();
    }

    @Test
    void aBlockDevicesNumbersAreReadFromItsNodeAndAFileHasNone() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");

        assertThat(KernelDevices.blockNumbers(file)).isEmpty();
        assertThat(KernelDevices.blockNumbers(Path.of("/dev/null"))).as("a character device").isEmpty();
        if (Files.exists(Path.of("/dev/loop0"))) {
            assertThat(KernelDevices.blockNumbers(Path.of("/dev/loop0"))).hasValue("7:0");
        }
    }
}
