package org.mapperfs.transport.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.Mapper;
import org.mapperfs.fs.FsError;
import org.mapperfs.fs.MapperFs;
import ru.serce.jnrfuse.ErrorCodes;

/** {@link Nodes}: the kernel's node ids for the mount's files. */
class NodesTest {
    private final Mapper mapper = Mapper.standalone();
    private final MapperFs fs = new MapperFs(mapper, null, new MapperFs.Options(0, 0, 0600, true));
    private final Nodes nodes = new Nodes(fs);

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private MapperFs.Node path(String path) {
        return fs.resolve(path);
    }

    @Test
    void fixedNodesHaveFixedIds() {
        assertThat(nodes.idOf(path("/"))).isEqualTo(FuseWire.ROOT_ID);
        assertThat(nodes.idOf(path("/control"))).isEqualTo(Nodes.CONTROL_ID);
        assertThat(nodes.idOf(path("/.meta"))).isEqualTo(Nodes.META_ID);
        assertThat(nodes.node(1)).isEqualTo(MapperFs.Node.ROOT);
    }

    @Test
    void aDeviceAndItsMetaFilesKeepTheirIds() throws Exception {
        mapper.create("d", "0 8 zero", null);
        long device = nodes.idOf(path("/d"));
        long metaDir = nodes.idOf(path("/.meta/d"));
        long table = nodes.idOf(path("/.meta/d/table"));

        assertThat(java.util.List.of(device, metaDir, table)).doesNotHaveDuplicates().allMatch(id -> id > Nodes.META_ID);
        assertThat(nodes.idOf(path("/d"))).isEqualTo(device);
        assertThat(nodes.idOf(path("/.meta/d/table"))).isEqualTo(table);
        assertThat(nodes.node(table).file()).isEqualTo(MapperFs.MetaFile.TABLE);
        assertThat(nodes.parentId(nodes.node(metaDir))).isEqualTo(Nodes.META_ID);
    }

    @Test
    void aDeviceRemovedAndCreatedAgainIsANewNodeAndTheOldIdIsStale() throws Exception {
        mapper.create("d", "0 8 zero", null);
        long old = nodes.idOf(path("/d"));
        long oldTable = nodes.idOf(path("/.meta/d/table"));
        mapper.remove("d", false);
        mapper.create("d", "0 16 zero", null);

        long fresh = nodes.idOf(path("/d"));

        assertThat(fresh).isNotEqualTo(old);
        assertThat(fs.attr(nodes.node(fresh)).size()).isEqualTo(16 * 512);
        for (long stale : new long[] {old, oldTable}) {
            assertThatThrownBy(() -> nodes.node(stale)).isInstanceOf(FsError.class)
                    .extracting(e -> ((FsError) e).errno()).isEqualTo(ErrorCodes.ENOENT());
        }
        assertThatThrownBy(() -> nodes.node(12345)).isInstanceOf(FsError.class);
    }

    @Test
    void forgetDropsOnlyNodesThatNoLongerExist() throws Exception {
        mapper.create("a", "0 8 zero", null);
        mapper.create("b", "0 8 zero", null);
        long a = nodes.lookedUp(path("/a"));
        long b = nodes.lookedUp(path("/b"));
        mapper.remove("b", false);
        int before = nodes.size();

        nodes.forget(a, 1);
        nodes.forget(b, 1);
        nodes.forget(FuseWire.ROOT_ID, 1);

        assertThat(nodes.size()).isEqualTo(before - 1);
        assertThat(nodes.idOf(path("/a"))).isEqualTo(a);
        assertThat(nodes.node(FuseWire.ROOT_ID)).isEqualTo(MapperFs.Node.ROOT);
    }

    /** READDIR's ids carry no reference, so the kernel never forgets them: the sweep does. */
    @Test
    void nodesOfARemovedDeviceKnownOnlyFromAListingGoAtTheNextSweep() throws Exception {
        mapper.create("d", "0 8 zero", null);
        int before = nodes.size();
        long listed = nodes.idOf(path("/d"));
        nodes.idOf(path("/.meta/d"));
        mapper.remove("d", false);

        nodes.sweep();

        assertThat(nodes.size()).isEqualTo(before);
        assertThatThrownBy(() -> nodes.node(listed)).isInstanceOf(FsError.class);
    }

    @Test
    void aRemovedNodeTheKernelStillHoldsStaysUntilItsLastLookupIsForgotten() throws Exception {
        mapper.create("d", "0 8 zero", null);
        int before = nodes.size();
        long id = nodes.lookedUp(path("/d"));
        nodes.lookedUp(path("/d"));
        mapper.remove("d", false);

        nodes.sweep();
        nodes.forget(id, 1);
        assertThat(nodes.size()).isEqualTo(before + 1);

        nodes.forget(id, 1);
        assertThat(nodes.size()).isEqualTo(before);
    }
}
