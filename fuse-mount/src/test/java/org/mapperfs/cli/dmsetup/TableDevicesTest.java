package org.mapperfs.cli.dmsetup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device arguments of table lines: to mapperfs names on the way in, to major:minor on the way out. */
class TableDevicesTest {
    @TempDir
    Path dir;

    @Test
    void aDmPathOfAMapperfsDeviceBecomesItsName() {
        KernelDevices kernel = new KernelDevices(dir.resolve("mnt"), dir.resolve("dev"));
        String table = "0 8 linear " + dir.resolve("dev/mapper/base") + " 0\n# a comment\n\n8 8 error /dev/x 0\n"
                + "16 8 linear " + dir.resolve("dev/mapper/other") + " 0\n";

        assertThat(TableDevices.in(table, List.of("base"), kernel)).isEqualTo("0 8 linear base 0\n# a comment\n\n"
                + "8 8 error /dev/x 0\n16 8 linear " + dir.resolve("dev/mapper/other") + " 0\n");
    }

    @Test
    void devicesOfMapperfsComeOutAsTheirLoopDevicesNumbersAndFilesStayPaths() {
        Map<String, String> numbers = Map.of("base", "7:3");

        String line = TableDevices.out("0 8 linear base 0", List.of("base", "7"),
                n -> Optional.ofNullable(numbers.get(n)));
        String file = TableDevices.out("0 8 linear /var/tmp/disk.img 16", List.of("base"), n -> Optional.empty());

        assertThat(line).isEqualTo("0 8 linear 7:3 0");
        assertThat(file).isEqualTo("0 8 linear /var/tmp/disk.img 16");
        assertThat(TableDevices.out("0 8 error", List.of(), n -> Optional.empty())).as("dmsetup's trailing space")
                .isEqualTo("0 8 error ");
        assertThat(TableDevices.out("0 8 linear 0 0", List.of("0"), n -> Optional.of("7:9")))
                .as("a number is never taken for a device").isEqualTo("0 8 linear 0 0");
    }
}
