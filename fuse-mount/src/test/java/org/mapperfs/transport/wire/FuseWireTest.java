package org.mapperfs.transport.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.mapperfs.fs.MapperFs;

class FuseWireTest {
    private final ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());

    /** A fuse_init_in as a kernel of {@code major.minor} sends it. */
    private ByteBuffer initIn(int major, int minor, int flags, int flags2) {
        b.putInt(0, 40 + 64);
        b.putInt(4, FuseWire.INIT);
        b.putLong(8, 7);
        b.putLong(16, 0);
        b.putInt(40, major);
        b.putInt(44, minor);
        b.putInt(48, 131072);
        b.putInt(52, flags);
        b.putInt(56, flags2);
        return b;
    }

    @Test
    void requestHeaderFieldsAreReadFromTheirOffsets() {
        b.putInt(0, 80);
        b.putInt(4, FuseWire.WRITE);
        b.putLong(8, 0x1122334455667788L);
        b.putLong(16, 42);
        b.putInt(24, 1000);
        b.putInt(28, 100);
        b.putInt(32, 0xfffffffe);

        assertThat(FuseWire.opcode(b)).isEqualTo(FuseWire.WRITE);
        assertThat(FuseWire.unique(b)).isEqualTo(0x1122334455667788L);
        assertThat(FuseWire.nodeId(b)).isEqualTo(42);
        assertThat(FuseWire.uid(b)).isEqualTo(1000);
        assertThat(FuseWire.pid(b)).as("unsigned").isEqualTo(0xfffffffeL);
    }

    @Test
    void replyHeaderCarriesLengthNegatedErrnoAndTheRequestsUnique() {
        FuseWire.putOutHeader(b, 99, 2, 0);
        assertThat(b.getInt(0)).isEqualTo(16);
        assertThat(b.getInt(4)).isEqualTo(-2);
        assertThat(b.getLong(8)).isEqualTo(99);

        FuseWire.putOutHeader(b, 100, 0, 104);
        assertThat(b.getInt(0)).isEqualTo(120);
        assertThat(b.getInt(4)).isZero();
    }

    @Test
    void aModernKernelGetsOurMinorAndOnlyTheFlagsWeWantThatItOffers() {
        int offered = FuseWire.ASYNC_READ | FuseWire.BIG_WRITES | FuseWire.ASYNC_DIO | FuseWire.MAX_PAGES
                | FuseWire.PARALLEL_DIROPS | (1 << 16) /* writeback cache */ | FuseWire.INIT_EXT;
        FuseWire.InitIn in = FuseWire.InitIn.decode(initIn(7, 45, offered, 0x3), 40);

        assertThat(in.flags() >>> 32).as("flags2 read with INIT_EXT from 7.36").isEqualTo(3);
        FuseWire.InitOut out = FuseWire.negotiate(in, 1 << 20, 64);

        assertThat(out.major()).isEqualTo(7);
        assertThat(out.minor()).isEqualTo(FuseWire.OUR_MINOR);
        assertThat(out.flags()).isEqualTo(FuseWire.ASYNC_READ | FuseWire.BIG_WRITES | FuseWire.ASYNC_DIO
                | FuseWire.MAX_PAGES | FuseWire.PARALLEL_DIROPS);
        assertThat(out.maxWrite()).isEqualTo(1 << 20);
        assertThat(out.maxPages()).isEqualTo(256);
        assertThat(out.maxReadahead()).as("the kernel's").isEqualTo(131072);

        ByteBuffer reply = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        reply.put(0, new byte[128]);
        out.encode(reply, 16);
        assertThat(out.size()).isEqualTo(64);
        assertThat(reply.getInt(16)).isEqualTo(7);
        assertThat(reply.getInt(20)).isEqualTo(FuseWire.OUR_MINOR);
        assertThat(reply.getInt(24)).isEqualTo(131072);
        assertThat(reply.getInt(28)).isEqualTo((int) out.flags());
        assertThat(reply.getShort(32)).isEqualTo((short) 64); // max_background
        assertThat(reply.getShort(34)).isEqualTo((short) 48); // congestion_threshold
        assertThat(reply.getInt(36)).isEqualTo(1 << 20); // max_write
        assertThat(reply.getInt(40)).isEqualTo(1); // time_gran
        assertThat(reply.getShort(44)).isEqualTo((short) 256); // max_pages
        assertThat(reply.getInt(48)).as("flags2: nothing asked").isZero();
    }

    @Test
    void anOlderKernelSetsTheMinorAndKeepsWhatItLacksOff() {
        FuseWire.InitIn in = FuseWire.InitIn.decode(initIn(7, 19, FuseWire.ASYNC_READ | FuseWire.BIG_WRITES, 0xff), 40);

        assertThat(in.flags() >>> 32).as("no flags2 before 7.36").isZero();
        FuseWire.InitOut out = FuseWire.negotiate(in, 1 << 20, 64);

        assertThat(out.minor()).isEqualTo(19);
        assertThat(out.flags()).isEqualTo(FuseWire.ASYNC_READ | FuseWire.BIG_WRITES);
        assertThat(out.has(FuseWire.ASYNC_DIO)).isFalse();
        assertThat(out.maxPages()).isZero();
        assertThat(out.size()).as("the 7.22 reply").isEqualTo(24);
    }

    @Test
    void flags2IsIgnoredWithoutInitExt() {
        FuseWire.InitIn in = FuseWire.InitIn.decode(initIn(7, 40, FuseWire.ASYNC_READ, 0xff), 40);
        assertThat(in.flags()).isEqualTo(FuseWire.ASYNC_READ);
    }

    @Test
    void aNewerMajorVersionIsAnsweredWithOursAndTooOldOnesAreRefused() {
        FuseWire.InitOut out = FuseWire.negotiate(new FuseWire.InitIn(8, 0, 0, 0), 1 << 20, 64);
        assertThat(out.major()).isEqualTo(7);

        assertThatThrownBy(() -> FuseWire.negotiate(new FuseWire.InitIn(7, 8, 0, 0), 1 << 20, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7.8 is too old");
        assertThatThrownBy(() -> FuseWire.negotiate(new FuseWire.InitIn(6, 40, 0, 0), 1 << 20, 64))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void direntsArePaddedToEightBytes() {
        assertThat(FuseWire.direntSize(1)).isEqualTo(32);
        assertThat(FuseWire.direntSize(8)).isEqualTo(32);
        assertThat(FuseWire.direntSize(9)).isEqualTo(40);
        assertThat(FuseWire.direntSize(0)).isEqualTo(24);

        b.put(0, new byte[200]);
        for (int i = 0; i < 200; i++) {
            b.put(i, (byte) 0x5a);
        }
        int next = FuseWire.putDirent(b, 16, 200, 7, 3, FuseWire.DT_REG, "control".getBytes(StandardCharsets.UTF_8));

        assertThat(next).isEqualTo(16 + 32);
        assertThat(b.getLong(16)).isEqualTo(7);
        assertThat(b.getLong(24)).as("offset of the next entry").isEqualTo(3);
        assertThat(b.getInt(32)).isEqualTo(7);
        assertThat(b.getInt(36)).isEqualTo(FuseWire.DT_REG);
        assertThat(FuseWire.name(b, 40, next)).isEqualTo("control");
        assertThat(b.get(47)).as("padding zeroed").isZero();
        assertThat(b.get(48)).as("nothing written past the entry").isEqualTo((byte) 0x5a);
    }

    @Test
    void aDirentThatDoesNotFitIsNotWritten() {
        byte[] name = "0123456789".getBytes(StandardCharsets.UTF_8); // 40 bytes with header and padding
        assertThat(FuseWire.putDirent(b, 0, 39, 1, 1, FuseWire.DT_DIR, name)).isEqualTo(-1);
        assertThat(FuseWire.putDirent(b, 0, 40, 1, 1, FuseWire.DT_DIR, name)).isEqualTo(40);
    }

    @Test
    void entryAndAttrRepliesPlaceTheAttributesAfterTheirTimeouts() {
        MapperFs.Attr a = new MapperFs.Attr(MapperFs.S_IFREG | 0600, 1, 1025, 1000, 100, 1700000000L);

        FuseWire.putEntryOut(b, 16, 9, a);
        assertThat(b.getLong(16)).as("nodeid").isEqualTo(9);
        assertThat(b.getLong(32)).as("entry_valid").isZero();
        int attr = 16 + 40;
        assertThat(b.getLong(attr)).as("ino").isEqualTo(9);
        assertThat(b.getLong(attr + 8)).as("size").isEqualTo(1025);
        assertThat(b.getLong(attr + 16)).as("blocks, rounded up").isEqualTo(3);
        assertThat(b.getLong(attr + 32)).as("mtime").isEqualTo(1700000000L);
        assertThat(b.getInt(attr + 60)).as("mode").isEqualTo(MapperFs.S_IFREG | 0600);
        assertThat(b.getInt(attr + 64)).as("nlink").isEqualTo(1);
        assertThat(b.getInt(attr + 68)).as("uid").isEqualTo(1000);
        assertThat(b.getInt(attr + 72)).as("gid").isEqualTo(100);
        assertThat(b.getInt(attr + 80)).as("blksize").isEqualTo(4096);
        assertThat(FuseWire.ENTRY_OUT_SIZE).isEqualTo(128);

        FuseWire.putAttrOut(b, 16, 9, a);
        assertThat(b.getLong(16)).as("attr_valid").isZero();
        assertThat(b.getLong(32 + 8)).as("size").isEqualTo(1025);
        assertThat(FuseWire.ATTR_OUT_SIZE).isEqualTo(104);
    }

    @Test
    void namesEndAtTheirNul() {
        b.put(40, "vol\0junk".getBytes(StandardCharsets.UTF_8));
        assertThat(FuseWire.name(b, 40, 48)).isEqualTo("vol");
        assertThat(FuseWire.name(b, 40, 43)).as("no NUL before the end").isEqualTo("vol");
    }

    @Test
    void theLogNamesAnOpcodeByItsOperation() {
        assertThat(FuseWire.opcodeName(FuseWire.WRITE)).isEqualTo("write");
        assertThat(FuseWire.opcodeName(FuseWire.FALLOCATE)).isEqualTo("fallocate");
        assertThat(FuseWire.opcodeName(99)).isEqualTo("fuse opcode 99");
    }
}
