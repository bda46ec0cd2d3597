package org.mapperfs.cli.dmsetup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeviceCommandsTest {
    @Test
    void aCryptTablesSectorSizeIsTheLoopDevicesLogicalBlockSize() {
        assertThat(DeviceCommands.logicalBlockSize("0 8 linear /a 0")).isEqualTo(512);
        assertThat(DeviceCommands.logicalBlockSize("0 8 crypt aes-xts-plain64 00 0 /a 0 1 sector_size:4096\n"
                + "8 8 zero")).isEqualTo(4096);
    }
}
