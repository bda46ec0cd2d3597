package org.mapperfs.core.targets.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.MemoryDevice;
import org.mapperfs.core.Table;
import org.mapperfs.core.TargetRegistry;

/** A mirror that has lost its primary: what is in sync goes on; what is not cannot be written. */
class MirrorDegradedTest {
    private static final int S = 512;
    private final MemoryDevice p = new MemoryDevice("p", 64 * S);
    private final MemoryDevice q = new MemoryDevice("q", 64 * S);

    private Table build(String line) throws Exception {
        return Table.build(line, TargetRegistry.standard(), name -> name.equals("p") ? p : q, () -> {});
    }

    /** Not resumed: no resync runs, every region stays out of sync (readable from p only). */
    @Test
    void aWriteToARegionNotInSyncFailsOnceThePrimaryIsGone() throws Exception {
        Table t = build("0 64 mirror core 1 8 2 p 0 q 0\n");
        p.failIo(true);

        assertThatThrownBy(() -> t.write(ByteBuffer.wrap(new byte[4096]), 0)).isInstanceOf(IOException.class)
                .hasMessageContaining("not in sync and the primary leg is gone");
        assertThatThrownBy(() -> t.write(ByteBuffer.wrap(new byte[4096]), 8 * S)).isInstanceOf(IOException.class)
                .hasMessageContaining("not in sync and the primary leg is gone");
        t.close();
    }

    @Test
    void writesToRegionsInSyncGoOnWithoutThePrimary() throws Exception {
        Table t = build("0 64 mirror core 2 8 nosync 2 p 0 q 0\n");
        p.failIo(true);
        byte[] data = new byte[4096];
        data[0] = 7;

        t.write(ByteBuffer.wrap(data), 0);

        ByteBuffer back = ByteBuffer.allocate(4096);
        t.read(back, 0);
        assertThat(back.array()).isEqualTo(data);
        t.close();
    }
}
