package org.mapperfs.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MapperException;

class TableFileTest {
    @TempDir
    Path dir;

    @Test
    void aTableFileIsReadAsUtf8Text() throws Exception {
        Path file = Files.writeString(dir.resolve("t"), "0 8 zero\n8 8 error\n");

        assertThat(TableFile.read(file)).isEqualTo("0 8 zero\n8 8 error\n");
    }

    @Test
    void aFileOverTheLimitIsRefusedWithoutReadingItWhole() throws Exception {
        Path file = dir.resolve("huge");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(TableFile.MAX_BYTES + 1L);
        }

        assertThatThrownBy(() -> TableFile.read(file)).isInstanceOf(MapperException.class)
                .hasMessage("table file " + file + " is larger than 16 MiB");
    }

    @Test
    void aFifoADirectoryAndADeviceAreRefusedAtOnce() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        assertThatThrownBy(() -> TableFile.read(fifo)).hasMessage("table file " + fifo + " is not a regular file");
        assertThatThrownBy(() -> TableFile.read(dir)).hasMessage("table file " + dir + " is not a regular file");
        assertThatThrownBy(() -> TableFile.read(Path.of("/dev/zero")))
                .hasMessage("table file /dev/zero is not a regular file");
    }

    @Test
    void bytesThatAreNotUtf8AreRefused() throws Exception {
        Path file = Files.write(dir.resolve("bin"), new byte[] {'0', ' ', (byte) 0xff, '\n'});

        assertThatThrownBy(() -> TableFile.read(file)).hasMessage("table file " + file + " is not UTF-8 text");
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nope");

        assertThatThrownBy(() -> TableFile.read(file)).hasMessage("table file " + file + " does not exist");
    }
}
