package org.mapperfs.core.targets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.mapperfs.core.TargetFactory;

/**
 * {@code flakey <dev> <offset> <up interval> <down interval> [<#feature args> <feature>...]}:
 * linear onto {@code dev} from sector {@code offset}, unreliable for {@code <down interval>}
 * seconds after every {@code <up interval>} seconds, the cycle counted in whole seconds from the
 * moment the table is loaded (as in the kernel). Features, which act only while down:
 *
 * <pre>
 *   drop_writes                         writes succeed but never reach dev
 *   error_writes                        writes fail; reads work
 *   error_reads                         reads fail; writes work (unless another feature says)
 *   corrupt_bio_byte N r|w VALUE FLAGS  byte N (from 1) of each read (r) or write (w) request
 *                                       becomes VALUE; FLAGS must be 0 to match (see below)
 *   random_read_corrupt P               with probability P / 1000000000 a read request gets
 *   random_write_corrupt P              (a write is written with) one random byte changed
 * </pre>
 *
 * Without features, every read, write, discard and flush fails while down. drop_writes and
 * error_writes exclude each other and any write corruption. A write is corrupted in a copy: the
 * caller's buffer is never touched. A discard counts as a write (dropped or failed); a flush
 * fails while down only where writes fail. FLAGS is the kernel's bio flag mask; a request here
 * carries no flags, so only 0 matches. A random corruption always changes the byte (a value equal
 * to the old one would be no corruption at all).
 *
 * <p>Status: empty, as in the kernel. Table: {@code <dev> <offset> <up> <down>}, then, if there
 * are features, their count and the features in the order drop_writes|error_writes, error_reads,
 * corrupt_bio_byte, random_read_corrupt, random_write_corrupt.
 */
public final class FlakeyTarget implements Target {
    static final String SYNTAX = "flakey <dev> <offset> <up interval> <down interval> [<#feature args> <arg>...]";
    static final long PROBABILITY_BASE = 1_000_000_000L;
    private static final long UINT_MAX = 0xFFFF_FFFFL;
    private static final int MAX_FEATURE_ARGS = 11;

    private final BlockDevice device;
    private final long offsetSectors;
    private final long base;
    private final long up;
    private final long down;
    private final Features features;
    private final LongSupplier nanoClock;
    private final long loadedAt;
    /** Thread-safe; seeded by tests so that which requests get corrupted is reproducible. */
    private final Random random;

    /** The parsed features; {@code corruptByte == 0} means no corrupt_bio_byte. */
    record Features(boolean dropWrites, boolean errorWrites, boolean errorReads, long corruptByte,
            boolean corruptWrites, int corruptValue, long corruptFlags, long randomRead, long randomWrite) {
        static final Features NONE = new Features(false, false, false, 0, false, 0, 0, 0, 0);

        boolean any() {
            return !equals(NONE);
        }

        int count() {
            return (dropWrites ? 1 : 0) + (errorWrites ? 1 : 0) + (errorReads ? 1 : 0) + (corruptByte > 0 ? 5 : 0)
                    + (randomRead > 0 ? 2 : 0) + (randomWrite > 0 ? 2 : 0);
        }
    }

    private FlakeyTarget(BlockDevice device, long offsetSectors, long up, long down, Features features,
            LongSupplier nanoClock, Random random) {
        this.device = device;
        this.offsetSectors = offsetSectors;
        this.base = Sectors.toBytes(offsetSectors);
        this.up = up;
        this.down = down;
        this.features = features;
        this.nanoClock = nanoClock;
        this.loadedAt = nanoClock.getAsLong();
        this.random = random;
    }

    /** The registered factory: the system's monotonic clock and an unseeded random source. */
    public static Target create(TargetArgs args) throws TableException {
        return create(args, System::nanoTime, new Random());
    }

    /** A factory whose targets read time from {@code nanoClock} and draw corruption from {@code seed}. */
    public static TargetFactory factory(LongSupplier nanoClock, long seed) {
        return args -> create(args, nanoClock, new Random(seed));
    }

    private static Target create(TargetArgs args, LongSupplier nanoClock, Random random) throws TableException {
        if (args.remaining() < 4) {
            throw args.error("expected at least 4 arguments (" + SYNTAX + "), got " + args.remaining());
        }
        BlockDevice device = args.nextDevice("dev");
        long offset = args.nextSectors("offset");
        long up = args.nextLong("up interval", 0, UINT_MAX);
        long down = args.nextLong("down interval", 0, UINT_MAX);
        if (up + down == 0) {
            throw args.error("total (up + down) interval is zero");
        }
        if (up + down > UINT_MAX) {
            throw args.error("interval overflow: up + down exceeds " + UINT_MAX + " seconds");
        }
        Features features = args.remaining() == 0 ? Features.NONE : parseFeatures(args);
        args.expectEnd(SYNTAX);
        args.requireRange(device, offset, args.lengthSectors());
        return new FlakeyTarget(device, offset, up, down, features, nanoClock, random);
    }

    private static Features parseFeatures(TargetArgs args) throws TableException {
        int count = args.nextInt("#feature args", 0, MAX_FEATURE_ARGS);
        if (args.remaining() < count) {
            throw args.error("insufficient feature arguments: " + count + " announced, " + args.remaining()
                    + " given");
        }
        boolean drop = false;
        boolean errorWrites = false;
        boolean errorReads = false;
        long corruptByte = 0;
        boolean corruptWrites = false;
        int value = 0;
        long flags = 0;
        long randomRead = 0;
        long randomWrite = 0;
        int left = count;
        while (left > 0) {
            String name = args.next("feature");
            left--;
            switch (name.toLowerCase(Locale.ROOT)) {
                case "drop_writes" -> {
                    if (drop) {
                        throw args.error("feature drop_writes duplicated");
                    }
                    if (errorWrites) {
                        throw args.error("feature drop_writes conflicts with feature error_writes");
                    }
                    drop = true;
                }
                case "error_writes" -> {
                    if (errorWrites) {
                        throw args.error("feature error_writes duplicated");
                    }
                    if (drop) {
                        throw args.error("feature error_writes conflicts with feature drop_writes");
                    }
                    errorWrites = true;
                }
                case "error_reads" -> {
                    if (errorReads) {
                        throw args.error("feature error_reads duplicated");
                    }
                    errorReads = true;
                }
                case "corrupt_bio_byte" -> {
                    if (left < 4) {
                        throw args.error("feature corrupt_bio_byte requires 4 parameters (<Nth_byte> <r|w> <value>"
                                + " <flags>), " + left + " counted");
                    }
                    corruptByte = args.nextLong("corrupt_bio_byte Nth_byte", 1, UINT_MAX);
                    String direction = args.next("corrupt_bio_byte direction");
                    if (direction.equalsIgnoreCase("w")) {
                        corruptWrites = true;
                    } else if (direction.equalsIgnoreCase("r")) {
                        corruptWrites = false;
                    } else {
                        throw args.error("invalid corrupt_bio_byte direction '" + direction + "' (r or w)");
                    }
                    value = args.nextInt("corrupt_bio_byte value", 0, 255);
                    flags = args.nextLong("corrupt_bio_byte flags", 0, UINT_MAX);
                    left -= 4;
                }
                case "random_read_corrupt", "random_write_corrupt" -> {
                    if (left < 1) {
                        throw args.error("feature " + name + " requires a parameter");
                    }
                    long p = args.nextLong(name + " probability", 0, PROBABILITY_BASE);
                    left--;
                    if (name.equalsIgnoreCase("random_read_corrupt")) {
                        randomRead = p;
                    } else {
                        randomWrite = p;
                    }
                }
                default -> throw args.error("unrecognised feature '" + name + "' (drop_writes, error_writes,"
                        + " error_reads, corrupt_bio_byte, random_read_corrupt, random_write_corrupt)");
            }
        }
        boolean writeCorruption = (corruptByte > 0 && corruptWrites) || randomWrite > 0;
        if (drop && writeCorruption) {
            throw args.error("drop_writes is incompatible with random_write_corrupt or corrupt_bio_byte w");
        }
        if (errorWrites && writeCorruption) {
            throw args.error("error_writes is incompatible with random_write_corrupt or corrupt_bio_byte w");
        }
        return new Features(drop, errorWrites, errorReads, corruptByte, corruptWrites, value, flags, randomRead,
                randomWrite);
    }

    @Override
    public String type() {
        return "flakey";
    }

    @Override
    public String params() {
        StringBuilder sb = new StringBuilder().append(device.name()).append(' ').append(offsetSectors)
                .append(' ').append(up).append(' ').append(down);
        if (features.any()) {
            sb.append(' ').append(features.count());
            if (features.dropWrites()) {
                sb.append(" drop_writes");
            } else if (features.errorWrites()) {
                sb.append(" error_writes");
            }
            if (features.errorReads()) {
                sb.append(" error_reads");
            }
            if (features.corruptByte() > 0) {
                sb.append(" corrupt_bio_byte ").append(features.corruptByte())
                        .append(features.corruptWrites() ? " w " : " r ").append(features.corruptValue())
                        .append(' ').append(features.corruptFlags());
            }
            if (features.randomRead() > 0) {
                sb.append(" random_read_corrupt ").append(features.randomRead());
            }
            if (features.randomWrite() > 0) {
                sb.append(" random_write_corrupt ").append(features.randomWrite());
            }
        }
        return sb.toString();
    }

    @Override
    public String status() {
        return "";
    }

    /** Whether the device is in its down interval now: whole seconds since load, modulo the cycle. */
    boolean isDown() {
        long elapsed = TimeUnit.NANOSECONDS.toSeconds(nanoClock.getAsLong() - loadedAt);
        return elapsed % (up + down) >= up;
    }

    /** Without features, the down interval fails everything. */
    private boolean failsReads() {
        return features.errorReads() || !features.any();
    }

    private boolean failsWrites() {
        return features.errorWrites() || !features.any();
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        if (!isDown()) {
            device.read(dst, base + offset);
            return;
        }
        if (failsReads()) {
            throw new IOException("flakey: read of " + dst.remaining() + " bytes at segment offset " + offset
                    + " failed: device is down");
        }
        int start = dst.position();
        device.read(dst, base + offset);
        int length = dst.position() - start;
        if (features.corruptByte() > 0 && !features.corruptWrites()) {
            corruptFixed(dst, start, length);
        }
        if (hits(features.randomRead())) {
            corruptRandom(dst, start, length);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        if (!isDown()) {
            device.write(src, base + offset);
            return;
        }
        if (features.dropWrites()) {
            src.position(src.limit());
            return;
        }
        if (failsWrites()) {
            throw new IOException("flakey: write of " + src.remaining() + " bytes at segment offset " + offset
                    + " failed: device is down");
        }
        boolean fixed = features.corruptByte() > 0 && features.corruptWrites()
                && features.corruptFlags() == 0 && features.corruptByte() <= src.remaining();
        boolean randomly = hits(features.randomWrite());
        if (!fixed && !randomly) {
            device.write(src, base + offset);
            return;
        }
        // The kernel corrupts a clone of the bio; here a copy, so the caller's data stays intact.
        int length = src.remaining();
        ByteBuffer copy = ByteBuffer.allocate(length);
        copy.put(src.duplicate()).flip();
        if (fixed) {
            corruptFixed(copy, 0, length);
        }
        if (randomly) {
            corruptRandom(copy, 0, length);
        }
        device.write(copy, base + offset);
        src.position(src.limit());
    }

    private void corruptFixed(ByteBuffer buffer, int start, int length) {
        if (features.corruptFlags() == 0 && features.corruptByte() <= length) {
            buffer.put(start + (int) (features.corruptByte() - 1), (byte) features.corruptValue());
        }
    }

    private boolean hits(long probability) {
        return probability > 0 && Math.floorMod(random.nextLong(), PROBABILITY_BASE) < probability;
    }

    private void corruptRandom(ByteBuffer buffer, int start, int length) {
        if (length == 0) {
            return;
        }
        int at = start + random.nextInt(length);
        buffer.put(at, (byte) (buffer.get(at) ^ (1 + random.nextInt(255))));
    }

    @Override
    public void flush() throws IOException {
        if (isDown() && failsWrites()) {
            throw new IOException("flakey: flush failed: device is down");
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (!isDown()) {
            device.discard(base + offset, length);
            return;
        }
        if (features.dropWrites()) {
            return;
        }
        if (failsWrites()) {
            throw new IOException("flakey: discard at segment offset " + offset + " failed: device is down");
        }
        device.discard(base + offset, length);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device);
    }
}
