package org.mapperfs.core.targets.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.ForwardingDevice;
import org.mapperfs.core.MemoryDevice;
import org.mapperfs.core.Table;
import org.mapperfs.core.TargetRegistry;

/** A mirror's flush: it survives a dropped leg, and the log says clean only after the legs are durable. */
class MirrorFlushTest {
    private static final int S = 512;

    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final MemoryDevice logDevice = new MemoryDevice("log", 4096);
    private final MemoryDevice p = new MemoryDevice("p", 64 * S);
    private final MemoryDevice q = new MemoryDevice("q", 64 * S);

    private Table build(String line) throws Exception {
        return Table.build(line, TargetRegistry.standard(), name -> switch (name) {
            case "log" -> new Recorded(logDevice, calls);
            case "p" -> new Recorded(p, calls);
            default -> new Recorded(q, calls);
        }, () -> {});
    }

    private static void write(Table t, long offset, int length) throws IOException {
        t.write(ByteBuffer.wrap(new byte[length]), offset);
    }

    @Test
    void aDroppedLegDoesNotFailTheFlushAndTheOthersAreFlushed() throws Exception {
        Table t = build("0 64 mirror core 2 8 nosync 2 p 0 q 0\n");
        t.segments().get(0).target().resume();
        q.failIo(true);
        write(t, 0, 4096);
        int flushesBefore = p.flushes();

        t.flush();

        assertThat(p.flushes()).isEqualTo(flushesBefore + 1);
        assertThat(t.segments().get(0).target().status()).contains(" AD ");
        t.close();
    }

    @Test
    void aLegWhoseFlushFailsIsDroppedAsF() throws Exception {
        Table t = build("0 64 mirror core 2 8 nosync 2 p 0 q 0\n");
        t.segments().get(0).target().resume();
        write(t, 0, 4096);
        q.failIo(true);

        t.flush();

        assertThat(t.segments().get(0).target().status()).contains(" AF ");
        t.close();
    }

    @Test
    void whenNoLegCanFlushTheFlushFails() throws Exception {
        Table t = build("0 64 mirror core 2 8 nosync 2 p 0 q 0\n");
        t.segments().get(0).target().resume();
        write(t, 0, 4096);
        p.failIo(true);
        q.failIo(true);

        assertThatThrownBy(t::flush).isInstanceOf(IOException.class).hasMessageContaining("no healthy leg left to flush");
        t.close();
    }

    /** The suspend flush and the close each write the clean log only after both legs flushed. */
    @Test
    void theCleanLogIsWrittenAfterTheLegsAreFlushed() throws Exception {
        Table t = build("0 64 mirror disk 3 log 8 nosync 2 p 0 q 0\n");
        var mirror = t.segments().get(0).target();
        mirror.resume();
        write(t, 0, 4096);
        calls.clear();

        mirror.presuspend();
        t.flush();

        assertThat(calls).containsSubsequence("flush p", "write log", "flush log");
        assertThat(calls).containsSubsequence("flush q", "write log", "flush log");
        assertThat(calls.indexOf("write log")).isGreaterThan(calls.indexOf("flush p"))
                .isGreaterThan(calls.indexOf("flush q"));

        mirror.resume();
        write(t, 4096, 4096);
        calls.clear();
        t.close();

        assertThat(calls).contains("flush p", "flush q", "write log");
        assertThat(calls.indexOf("write log")).isGreaterThan(calls.indexOf("flush p"))
                .isGreaterThan(calls.indexOf("flush q"));
    }

    /** Notes writes and flushes of the device it wraps, by name. */
    private static final class Recorded extends ForwardingDevice {
        private final List<String> calls;

        Recorded(BlockDevice device, List<String> calls) {
            super(device);
            this.calls = calls;
        }

        @Override
        public void write(ByteBuffer src, long offset) throws IOException {
            calls.add("write " + name());
            device.write(src, offset);
        }

        @Override
        public void flush() throws IOException {
            calls.add("flush " + name());
            device.flush();
        }
    }
}
