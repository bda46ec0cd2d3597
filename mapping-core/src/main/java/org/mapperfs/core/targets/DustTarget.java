package org.mapperfs.core.targets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Fields;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code dust <dev> <offset> <blksz>}: linear onto {@code dev} from sector {@code offset}, with
 * a list of bad blocks of {@code blksz} bytes (a power of 2, 512 to 1073741824, at most the
 * segment's length). As in the kernel, block numbers count from the start of {@code dev}, so
 * with {@code offset 0} they are the device's own blocks.
 *
 * <p>The list starts empty and disabled ("bypass"): every I/O passes. Once enabled, a read that
 * touches a bad block fails with an I/O error, and a write (or discard) that touches bad blocks
 * takes them off the list and succeeds, like a drive remapping a sector; a block added with a
 * write fail count fails that many writes first. While disabled, writes leave the list alone.
 *
 * <p>Messages ({@code message <dev> 0 ...}; names are case-insensitive):
 * <pre>
 *   addbadblock N [WRITE_FAIL_COUNT]   error if N is already listed or out of range
 *   removebadblock N                   error if N is not listed
 *   queryblock N                       "queryblock: block N found in badblocklist" (or not found)
 *   countbadblocks                     "countbadblocks: K badblock(s) found"
 *   clearbadblocks                     "clearbadblocks: badblocks cleared" or "... no badblocks found"
 *   listbadblocks                      one block number a line, or "No blocks in badblocklist"
 *   enable | disable                   fail reads of bad blocks, or bypass
 *   quiet                              toggles logging of added, removed and remapped blocks
 * </pre>
 *
 * <p>Status: {@code <dev> fail_read_on_bad_block|bypass verbose|quiet}. Table: {@code <dev>
 * <offset> <blksz>}.
 */
public final class DustTarget implements Target {
    static final String SYNTAX = "dust <dev> <offset> <blksz>";
    private static final Logger LOG = LoggerFactory.getLogger(DustTarget.class);
    private static final long MIN_BLOCK = 512;
    private static final long MAX_BLOCK = 1L << 30;

    private final BlockDevice device;
    private final long offsetSectors;
    private final long base;
    private final int blockSize;
    private final int blockShift;
    /** Bad block to the writes it still fails. Guarded by {@code this}, as are the two flags. */
    private final NavigableMap<Long, Integer> bad = new TreeMap<>();
    private boolean enabled;
    private boolean quiet;

    private DustTarget(BlockDevice device, long offsetSectors, int blockSize) {
        this.device = device;
        this.offsetSectors = offsetSectors;
        this.base = Sectors.toBytes(offsetSectors);
        this.blockSize = blockSize;
        this.blockShift = Integer.numberOfTrailingZeros(blockSize);
    }

    public static Target create(TargetArgs args) throws TableException {
        args.expectRemaining(3, SYNTAX);
        BlockDevice device = args.nextDevice("dev");
        long offset = args.nextSectors("offset");
        long blksz = args.nextLong("blksz", MIN_BLOCK, MAX_BLOCK);
        if (Long.bitCount(blksz) != 1) {
            throw args.error("invalid blksz " + blksz + ": must be a power of 2");
        }
        if (blksz > args.lengthBytes()) {
            throw args.error("invalid blksz " + blksz + ": larger than the segment (" + args.lengthBytes()
                    + " bytes)");
        }
        args.requireRange(device, offset, args.lengthSectors());
        return new DustTarget(device, offset, (int) blksz);
    }

    @Override
    public String type() {
        return "dust";
    }

    @Override
    public String params() {
        return device.name() + " " + offsetSectors + " " + blockSize;
    }

    @Override
    public synchronized String status() {
        return device.name() + (enabled ? " fail_read_on_bad_block" : " bypass") + (quiet ? " quiet" : " verbose");
    }

    @Override
    public synchronized Map<String, Object> statusFields() {
        return Fields.of("device", device.name(), "fail_read_on_bad_block", enabled, "quiet", quiet);
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        long first = (base + offset) >>> blockShift;
        long last = (base + offset + Math.max(dst.remaining(), 1) - 1) >>> blockShift;
        synchronized (this) {
            if (enabled) {
                Long hit = bad.ceilingKey(first);
                if (hit != null && hit <= last) {
                    throw new IOException("dust: read of bad block " + hit + " (" + blockSize + " bytes) of "
                            + device.name());
                }
            }
        }
        device.read(dst, base + offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        remap(offset, src.remaining());
        device.write(src, base + offset);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        remap(offset, length);
        device.discard(base + offset, length);
    }

    /** A write over bad blocks, when enabled: fails while a block has write failures left, else remaps. */
    private synchronized void remap(long offset, long length) throws IOException {
        if (!enabled || bad.isEmpty()) {
            return;
        }
        long first = (base + offset) >>> blockShift;
        long last = (base + offset + Math.max(length, 1) - 1) >>> blockShift;
        NavigableMap<Long, Integer> hit = bad.subMap(first, true, last, true);
        for (Map.Entry<Long, Integer> e : hit.entrySet()) {
            if (e.getValue() > 0) {
                e.setValue(e.getValue() - 1);
                throw new IOException("dust: write of bad block " + e.getKey() + " failed (" + e.getValue()
                        + " more failures)");
            }
        }
        if (!quiet) {
            hit.keySet().forEach(b -> LOG.info("dust: block {} removed from badblocklist by write", b));
        }
        hit.clear();
    }

    @Override
    public void flush() {
        // Writes go straight to the lower device, which the table flushes.
    }

    @Override
    public synchronized String message(List<String> args) throws MapperException {
        String verb = args.get(0).toLowerCase(Locale.ROOT);
        boolean blockVerb = verb.equals("addbadblock") || verb.equals("removebadblock") || verb.equals("queryblock");
        if (args.size() == 1) {
            switch (verb) {
                case "addbadblock", "removebadblock", "queryblock" ->
                        throw invalid(args.get(0) + " requires an additional argument");
                case "enable" -> {
                    enabled = true;
                    LOG.info("dust: enabling read failures on bad sectors of {}", device.name());
                    return "";
                }
                case "disable" -> {
                    enabled = false;
                    LOG.info("dust: disabling read failures on bad sectors of {}", device.name());
                    return "";
                }
                case "countbadblocks" -> {
                    return "countbadblocks: " + bad.size() + " badblock(s) found";
                }
                case "clearbadblocks" -> {
                    boolean any = !bad.isEmpty();
                    bad.clear();
                    return any ? "clearbadblocks: badblocks cleared" : "clearbadblocks: no badblocks found";
                }
                case "listbadblocks" -> {
                    return bad.isEmpty() ? "No blocks in badblocklist"
                            : bad.keySet().stream().map(String::valueOf).collect(Collectors.joining("\n"));
                }
                case "quiet" -> {
                    quiet = !quiet;
                    return "";
                }
                default -> throw invalid("unrecognized message '" + args.get(0) + "' received");
            }
        }
        if (args.size() > 3 || !blockVerb || (args.size() == 3 && !verb.equals("addbadblock"))) {
            throw args.size() > 3 ? invalid("invalid number of arguments '" + args.size() + "'")
                    : invalid("unrecognized message '" + args.get(0) + "' received");
        }
        long block = number(args.get(1), "block number", Long.MAX_VALUE);
        int writeFailures = args.size() == 3 ? (int) number(args.get(2), "write fail count", 255) : 0;
        long blocks = device.size() >>> blockShift;
        if (block >= blocks) {
            throw invalid("selected block value out of range (" + device.name() + " has " + blocks + " blocks)");
        }
        switch (verb) {
            case "addbadblock" -> {
                if (bad.containsKey(block)) {
                    throw invalid("block " + block + " already in badblocklist");
                }
                bad.put(block, writeFailures);
                if (!quiet) {
                    LOG.info("dust: badblock added at block {} with write fail count {}", block, writeFailures);
                }
                return "";
            }
            case "removebadblock" -> {
                if (bad.remove(block) == null) {
                    throw invalid("block " + block + " not found in badblocklist");
                }
                if (!quiet) {
                    LOG.info("dust: badblock removed at block {}", block);
                }
                return "";
            }
            default -> {
                return "queryblock: block " + block + (bad.containsKey(block) ? " found" : " not found")
                        + " in badblocklist";
            }
        }
    }

    private static long number(String text, String field, long max) throws MapperException {
        try {
            long value = Long.parseLong(text);
            if (value >= 0 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("invalid " + field + " '" + text + "'" + (max < Long.MAX_VALUE ? " (0 to " + max + ")" : ""));
    }

    private static MapperException invalid(String message) {
        return new MapperException(MapperException.Reason.INVALID, "dust: " + message);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device);
    }
}
