package org.mapperfs.core.targets.verity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Fields;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code verity <version> <dev> <hash_dev> <data_block_size> <hash_block_size> <num_data_blocks>
 * <hash_start_block> <algorithm> <digest> <salt> [<#opt_params> <opt_params>...]}: dm-verity. A
 * read is verified up the hash tree ({@link HashTree}, as veritysetup writes it) to the root
 * digest; a block that does not verify fails with EIO (or, with {@code ignore_corruption}, is
 * returned and logged), and the status turns from {@code V} to {@code C}. Writes and discards
 * fail. Options: {@code ignore_corruption}, {@code restart_on_corruption} and
 * {@code panic_on_corruption} (both fail the read: a daemon restarts or panics nothing),
 * {@code ignore_zero_blocks}, {@code check_at_most_once}; FEC is refused by name.
 *
 * <p>Verified hash blocks are kept (up to {@value #CACHED_HASH_BLOCKS}), so a sequential read
 * hashes each hash block once, not once per data block.
 */
public final class VerityTarget implements Target {
    static final String SYNTAX = "verity <version> <dev> <hash_dev> <data_block_size> <hash_block_size>"
            + " <num_data_blocks> <hash_start_block> <algorithm> <digest> <salt> [<#opt_params> <opt_params>...]";
    static final int CACHED_HASH_BLOCKS = 4096;
    private static final Logger log = LoggerFactory.getLogger(VerityTarget.class);
    private static final List<String> FLAGS = List.of("ignore_corruption", "restart_on_corruption",
            "panic_on_corruption", "ignore_zero_blocks", "check_at_most_once", "restart_on_error", "panic_on_error");

    private final int version;
    private final BlockDevice data;
    private final BlockDevice hashes;
    private final int dataBlockSize;
    private final int hashBlockSize;
    private final long dataBlocks;
    private final long hashStart;
    private final String algorithm;
    private final byte[] root;
    private final byte[] salt;
    private final List<String> options;
    private final HashTree tree;
    private final boolean ignoreCorruption;
    private final boolean atMostOnce;
    private final byte[] zeroDigest;
    /** A data block of zeros, with ignore_zero_blocks; else null. */
    private final byte[] zeroBlock;
    /** Verified hash blocks by index; guarded by itself. Access order: least recently used first. */
    private final Map<Long, byte[]> verified = new LinkedHashMap<>(256, 0.75f, true);
    /** Data blocks verified once (check_at_most_once); guarded by itself. */
    private final BitSet checked = new BitSet();
    private volatile boolean corrupted;
    private final ThreadLocal<Scratch> scratch;

    /** One thread's digest and buffers: a read allocates nothing once its hash blocks are cached. */
    private static final class Scratch {
        final MessageDigest md;
        final byte[] block;
        final ByteBuffer view;
        final byte[] digest;
        /** Where in the hash block {@link #leaf} returned the wanted digest lies. */
        int wantAt;

        Scratch(String javaName, int blockSize) {
            try {
                md = MessageDigest.getInstance(javaName);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            block = new byte[blockSize];
            view = ByteBuffer.wrap(block);
            digest = new byte[md.getDigestLength()];
        }
    }

    private VerityTarget(TargetArgs args, int version, BlockDevice data, BlockDevice hashes, int dataBlockSize,
            int hashBlockSize, long dataBlocks, long hashStart, String algorithm, String javaName, byte[] root,
            byte[] salt, List<String> options) throws TableException {
        this.version = version;
        this.data = data;
        this.hashes = hashes;
        this.dataBlockSize = dataBlockSize;
        this.hashBlockSize = hashBlockSize;
        this.dataBlocks = dataBlocks;
        this.hashStart = hashStart;
        this.algorithm = algorithm;
        this.root = root;
        this.salt = salt;
        this.options = options;
        this.ignoreCorruption = options.contains("ignore_corruption");
        this.atMostOnce = options.contains("check_at_most_once");
        this.tree = new HashTree(version, dataBlocks, hashBlockSize, root.length, hashStart);
        if (Sectors.fromBytes(hashes.size()) < tree.end * (hashBlockSize / 512)) {
            throw args.error("hash_dev is too small: the tree ends at hash block " + tree.end);
        }
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(javaName, dataBlockSize));
        if (options.contains("ignore_zero_blocks")) {
            Scratch z = new Scratch(javaName, dataBlockSize); // its block is all zeros
            digest(z, z.block);
            this.zeroDigest = z.digest;
            this.zeroBlock = z.block;
        } else {
            this.zeroDigest = null;
            this.zeroBlock = null;
        }
    }

    public static Target create(TargetArgs args) throws TableException {
        if (args.remaining() < 10) {
            throw args.error("expected at least 10 arguments (" + SYNTAX + "), got " + args.remaining());
        }
        int version = args.nextInt("version", 0, 1);
        BlockDevice data = args.nextDevice("dev");
        BlockDevice hashes = args.nextDevice("hash_dev");
        int dataBlockSize = blockSize(args, "data_block_size");
        int hashBlockSize = blockSize(args, "hash_block_size");
        long dataBlocks = args.nextLong("num_data_blocks", 1, Long.MAX_VALUE / dataBlockSize);
        long hashStart = args.nextLong("hash_start_block", 0, Long.MAX_VALUE / hashBlockSize);
        String algorithm = args.next("algorithm");
        String javaName = switch (algorithm) {
            case "sha1" -> "SHA-1";
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> throw args.error("algorithm '" + algorithm + "' is not supported (sha1, sha256, sha512 are)");
        };
        byte[] root = hex(args, args.next("digest"), "digest");
        String saltText = args.next("salt");
        byte[] salt = saltText.equals("-") ? new byte[0] : hex(args, saltText, "salt");
        List<String> options = args.optionalParams(32);
        for (String option : options) {
            if (!FLAGS.contains(option)) {
                throw args.error("option '" + option + "' is not supported (" + String.join(", ", FLAGS)
                        + " are; FEC is not)");
            }
        }
        try {
            if (MessageDigest.getInstance(javaName).getDigestLength() != root.length) {
                throw args.error("the digest has " + root.length + " bytes, " + algorithm + " gives "
                        + MessageDigest.getInstance(javaName).getDigestLength());
            }
        } catch (GeneralSecurityException e) {
            throw args.error("algorithm " + algorithm + ": " + e.getMessage());
        }
        if (args.lengthBytes() > dataBlocks * dataBlockSize || args.lengthBytes() % dataBlockSize != 0) {
            throw args.error("the segment must be whole data blocks, at most num_data_blocks (" + dataBlocks + ")");
        }
        args.requireRange(data, 0, dataBlocks * (dataBlockSize / 512));
        return new VerityTarget(args, version, data, hashes, dataBlockSize, hashBlockSize, dataBlocks, hashStart,
                algorithm, javaName, root, salt, options);
    }

    private static int blockSize(TargetArgs args, String field) throws TableException {
        int size = args.nextInt(field, 512, 1 << 20);
        if (Integer.bitCount(size) != 1) {
            throw args.error("invalid " + field + " " + size + ": a power of two from 512");
        }
        return size;
    }

    private static byte[] hex(TargetArgs args, String text, String field) throws TableException {
        if (text.length() % 2 != 0 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw args.error("invalid " + field + ": not hex");
        }
        return HexFormat.of().parseHex(text);
    }

    /** dm-verity's salted digest of {@code in} into {@code s.digest}: salt first in version 1, last in version 0. */
    private void digest(Scratch s, byte[] in) {
        MessageDigest md = s.md;
        md.reset();
        if (version == 1) {
            md.update(salt);
        }
        md.update(in);
        if (version == 0) {
            md.update(salt);
        }
        try {
            md.digest(s.digest, 0, s.digest.length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the digest just made equals the one at {@code at} in {@code want}. */
    private static boolean matches(Scratch s, byte[] want, int at) {
        return Arrays.equals(s.digest, 0, s.digest.length, want, at, at + s.digest.length);
    }

    @Override
    public String type() {
        return "verity";
    }

    @Override
    public String params() {
        HexFormat hex = HexFormat.of();
        return version + " " + data.name() + " " + hashes.name() + " " + dataBlockSize + " " + hashBlockSize + " "
                + dataBlocks + " " + hashStart + " " + algorithm + " " + hex.formatHex(root) + " "
                + (salt.length == 0 ? "-" : hex.formatHex(salt))
                + (options.isEmpty() ? "" : " " + options.size() + " " + String.join(" ", options));
    }

    @Override
    public String status() {
        return (corrupted ? "C" : "V") + " -";
    }

    @Override
    public Map<String, Object> statusFields() {
        return Fields.of("verified", !corrupted, "corrupted", corrupted);
    }

    /**
     * Reads whole blocks in one call straight into {@code dst} and verifies each there (a part of
     * a block goes through a block of its own).
     */
    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        int length = dst.remaining();
        if (offset % dataBlockSize == 0 && length % dataBlockSize == 0) {
            readBlocks(dst, offset);
            return;
        }
        long first = offset / dataBlockSize;
        long last = (offset + length - 1) / dataBlockSize;
        Scratch s = scratch.get();
        int at = dst.position();
        for (long b = first; b <= last; b++) {
            verifiedBlock(b, s);
            long blockStart = b * dataBlockSize;
            int from = (int) Math.max(0, offset - blockStart);
            int to = (int) Math.min(dataBlockSize, offset + length - blockStart);
            dst.put(at, s.block, from, to - from);
            at += to - from;
        }
        dst.position(dst.limit());
    }

    /** Whole data blocks from {@code offset}: one read of the data device, then each block verified in {@code dst}. */
    private void readBlocks(ByteBuffer dst, long offset) throws IOException {
        Scratch s = scratch.get();
        int at = dst.position();
        int blocks = dst.remaining() / dataBlockSize;
        data.read(dst, offset);
        long first = offset / dataBlockSize;
        for (int i = 0; i < blocks; i++, at += dataBlockSize) {
            long b = first + i;
            byte[] want = leaf(b, s);
            if (want == null) {
                continue; // ignore_corruption under a bad hash block: the data as they are
            }
            if (isZero(want, s.wantAt)) {
                dst.put(at, zeroBlock, 0, dataBlockSize);
                continue;
            }
            dst.get(at, s.block);
            check(b, want, s.wantAt, s);
        }
    }

    /** Reads data block {@code b} into {@code s.block}, verified up to the root (or as it is, with ignore_corruption). */
    private void verifiedBlock(long b, Scratch s) throws IOException {
        byte[] want = leaf(b, s);
        if (want == null) {
            data.read(s.view.clear(), b * dataBlockSize); // nothing below a bad hash block can be verified
            return;
        }
        if (isZero(want, s.wantAt)) {
            Arrays.fill(s.block, (byte) 0);
            return;
        }
        data.read(s.view.clear(), b * dataBlockSize);
        check(b, want, s.wantAt, s);
    }

    /**
     * The hash block that holds data block {@code b}'s digest, verified up to the root, with the
     * digest's place in {@code s.wantAt}; null if a hash block failed and corruption is ignored.
     */
    private byte[] leaf(long b, Scratch s) throws IOException {
        byte[] want = root;
        int wantAt = 0;
        for (int level = tree.levels - 1; level >= 0; level--) {
            byte[] hashBlock = hashBlock(tree.hashBlock(b, level), want, wantAt, b, s);
            if (hashBlock == null) {
                return null;
            }
            want = hashBlock;
            wantAt = tree.offsetInBlock(b, level);
        }
        s.wantAt = wantAt;
        return want;
    }

    /** With ignore_zero_blocks, whether the digest at {@code at} in {@code want} is a block of zeros'. */
    private boolean isZero(byte[] want, int at) {
        return zeroDigest != null && Arrays.equals(zeroDigest, 0, zeroDigest.length, want, at, at + zeroDigest.length);
    }

    /** Checks {@code s.block}, data block {@code b}, against the digest at {@code wantAt} in {@code want}. */
    private void check(long b, byte[] want, int wantAt, Scratch s) throws IOException {
        if (atMostOnce) {
            synchronized (checked) {
                if (b < Integer.MAX_VALUE && checked.get((int) b)) {
                    return;
                }
            }
        }
        digest(s, s.block);
        if (!matches(s, want, wantAt)) {
            fail("data block " + b);
        } else if (atMostOnce && b < Integer.MAX_VALUE) {
            synchronized (checked) {
                checked.set((int) b);
            }
        }
    }

    /**
     * Hash block {@code index}, verified against the digest at {@code wantAt} in {@code want};
     * null if it failed and corruption is ignored. Verified blocks are kept, so only a miss reads
     * (and allocates) one.
     */
    private byte[] hashBlock(long index, byte[] want, int wantAt, long dataBlock, Scratch s) throws IOException {
        synchronized (verified) {
            byte[] known = verified.get(index);
            if (known != null) {
                return known;
            }
        }
        byte[] h = new byte[hashBlockSize];
        hashes.read(ByteBuffer.wrap(h), index * hashBlockSize);
        digest(s, h);
        if (!matches(s, want, wantAt)) {
            fail("hash block " + index + " (over data block " + dataBlock + ")");
            return null;
        }
        synchronized (verified) {
            verified.put(index, h);
            if (verified.size() > CACHED_HASH_BLOCKS) {
                verified.remove(verified.keySet().iterator().next());
            }
        }
        return h;
    }

    private void fail(String what) throws IOException {
        if (!corrupted) {
            log.error("verity {}: {} does not match its digest", data.name(), what);
        }
        corrupted = true;
        if (!ignoreCorruption) {
            throw new IOException("verity: " + what + " does not match its digest");
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        throw new IOException("verity: the device is read-only");
    }

    @Override
    public void flush() {
        // read-only
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        throw new IOException("verity: the device is read-only");
    }

    @Override
    public List<BlockDevice> devices() {
        return data == hashes ? List.of(data) : List.of(data, hashes);
    }
}
