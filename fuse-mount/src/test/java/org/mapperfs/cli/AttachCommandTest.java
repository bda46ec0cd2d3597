package org.mapperfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AttachCommandTest {
    @Test
    void aCryptTablesSectorSizeIsTheLoopDevicesLogicalBlockSize() {
        assertThat(AttachCommand.logicalBlockSize("0 8 linear /a 0")).isEqualTo(512);
        assertThat(AttachCommand.logicalBlockSize("0 8 crypt aes-xts-plain64 00 0 /a 0 1 sector_size:4096\n"
                + "8 8 zero")).isEqualTo(4096);
    }
}
