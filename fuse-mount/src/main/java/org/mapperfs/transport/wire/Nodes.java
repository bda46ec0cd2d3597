package org.mapperfs.transport.wire;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.mapperfs.fs.FsError;
import org.mapperfs.fs.MapperFs;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The kernel's node ids for the nodes of a {@link MapperFs}: the root is 1, the control file 2,
 * {@code .meta} 3; every other node gets the next free number the first time the kernel sees it,
 * and keeps it while it exists. Ids are never reused, so a device removed and created again is a
 * new node with a new id, and the old id answers ENOENT.
 *
 * <p>A node that no longer exists is dropped once the kernel holds no reference to it: the
 * lookups it was answered minus those it forgot. Ids handed out by READDIR carry no reference
 * (the kernel never forgets them), so nodes known only from a listing go at the next sweep.
 */
final class Nodes {
    static final long CONTROL_ID = 2;
    static final long META_ID = 3;

    private final MapperFs fs;
    private final Map<Long, MapperFs.Node> byId = new ConcurrentHashMap<>();
    private final Map<MapperFs.Node, Long> ids = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(META_ID + 1);
    /** The kernel's references (lookups not yet forgotten) per id; absent means none. */
    private final Map<Long, AtomicLong> lookups = new ConcurrentHashMap<>();

    Nodes(MapperFs fs) {
        this.fs = fs;
        put(FuseWire.ROOT_ID, MapperFs.Node.ROOT);
        put(CONTROL_ID, MapperFs.Node.CONTROL);
        put(META_ID, MapperFs.Node.META);
    }

    private void put(long id, MapperFs.Node node) {
        byId.put(id, node);
        ids.put(node, id);
    }

    long idOf(MapperFs.Node node) {
        return ids.computeIfAbsent(node, n -> {
            long id = next.getAndIncrement();
            byId.put(id, n);
            return id;
        });
    }

    /** The id of a node answered to a LOOKUP: the kernel holds one more reference to it. */
    long lookedUp(MapperFs.Node node) {
        long id = idOf(node);
        lookups.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
        return id;
    }

    /** The node of an id; ENOENT if there is none or it no longer exists. */
    MapperFs.Node node(long id) {
        MapperFs.Node node = byId.get(id);
        if (node == null || !fs.exists(node)) {
            throw new FsError(ErrorCodes.ENOENT());
        }
        return node;
    }

    /** The id of a directory's parent (the root is its own parent). */
    long parentId(MapperFs.Node dir) {
        return switch (dir.kind()) {
            case META_DEVICE -> META_ID;
            default -> FuseWire.ROOT_ID;
        };
    }

    /**
     * The kernel dropped {@code nlookup} of its references to a node. Once it holds none, a node
     * that no longer exists is forgotten here too; one that exists keeps its id, which the kernel
     * may look up again.
     */
    void forget(long id, long nlookup) {
        AtomicLong count = lookups.get(id);
        if (count != null && count.addAndGet(-nlookup) <= 0) {
            lookups.remove(id, count);
        }
        dropIfGone(id);
    }

    /** Drops every node that no longer exists and that the kernel holds no reference to. */
    void sweep() {
        for (Long id : byId.keySet()) {
            dropIfGone(id);
        }
    }

    private void dropIfGone(long id) {
        MapperFs.Node node = byId.get(id);
        if (id > META_ID && node != null && !lookups.containsKey(id) && !fs.exists(node)) {
            byId.remove(id);
            ids.remove(node);
        }
    }

    int size() {
        return byId.size();
    }
}
