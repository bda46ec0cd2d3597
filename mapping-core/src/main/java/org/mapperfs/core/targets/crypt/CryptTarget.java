package org.mapperfs.core.targets.crypt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;

/**
 * {@code crypt <cipher> <key> <iv_offset> <dev> <offset> [<#opt_params> <opt_params>...]}: dm-crypt,
 * byte for byte. Each crypto sector ({@code sector_size}, 512 by default) of {@code dev} from
 * {@code offset} holds the AES encryption of the plain sector under the IV of its number
 * ({@code iv_offset} plus its 512-byte sector within the segment, or its {@code sector_size}
 * sector with {@code iv_large_sectors}). Options: {@code allow_discards} (else discards are
 * dropped: passing them down would show which blocks are free), {@code sector_size:N},
 * {@code iv_large_sectors}, and the kernel's CPU placement flags (accepted, nothing to do).
 * Requests must be aligned to the crypto sector, as dm-crypt requires.
 *
 * <p>The key never leaves through {@link #maskedParams()} (what {@code table} prints without
 * {@code --showkeys}: the key as zeros, as dmsetup shows it) nor through any error message.
 * Writes are encrypted in a per-thread buffer, never in the caller's; reads are decrypted in place.
 */
public final class CryptTarget implements Target {
    static final String SYNTAX = "crypt <cipher> <key> <iv_offset> <dev> <offset> [<#opt_params> <opt_params>...]";
    /** Bytes encrypted per pass of a request through the per-thread buffer. */
    static final int CHUNK = 128 * 1024;
    private static final List<String> FLAGS = List.of("allow_discards", "same_cpu_crypt", "submit_from_crypt_cpus",
            "no_read_workqueue", "no_write_workqueue", "iv_large_sectors");

    private final CipherSpec spec;
    private final byte[] key;
    private final long ivOffset;
    private final BlockDevice device;
    private final long offsetSectors;
    private final long base;
    private final List<String> options;
    private final int sectorSize;
    private final boolean largeIvs;
    private final boolean discards;
    private final ThreadLocal<Worker> workers;

    /** One thread's cipher and buffer. */
    private static final class Worker {
        final SectorCipher cipher;
        final byte[] buffer = new byte[CHUNK];
        final ByteBuffer view = ByteBuffer.wrap(buffer);

        Worker(CipherSpec spec, byte[] key, int sectorSize) {
            cipher = new SectorCipher(spec, key, CHUNK, sectorSize);
        }
    }

    private CryptTarget(CipherSpec spec, byte[] key, long ivOffset, BlockDevice device, long offsetSectors,
            List<String> options, int sectorSize) {
        this.spec = spec;
        this.key = key;
        this.ivOffset = ivOffset;
        this.device = device;
        this.offsetSectors = offsetSectors;
        this.base = Sectors.toBytes(offsetSectors);
        this.options = options;
        this.sectorSize = sectorSize;
        this.largeIvs = options.contains("iv_large_sectors");
        this.discards = options.contains("allow_discards");
        this.workers = ThreadLocal.withInitial(() -> new Worker(spec, key, sectorSize));
    }

    public static Target create(TargetArgs args) throws TableException {
        if (args.remaining() < 5) {
            throw args.error("expected at least 5 arguments (" + SYNTAX + "), got " + args.remaining());
        }
        CipherSpec spec;
        try {
            spec = CipherSpec.parse(args.next("cipher"));
        } catch (TableException e) {
            throw args.error(e.getMessage());
        }
        byte[] key = key(args);
        try {
            spec.checkKeyLength(key.length);
        } catch (TableException e) {
            throw args.error(e.getMessage());
        }
        long ivOffset = number(args, "iv_offset");
        BlockDevice device = args.nextDevice("dev");
        long offset = number(args, "offset");
        List<String> options = args.optionalParams(16);
        int sectorSize = 512;
        for (String option : options) {
            if (option.startsWith("sector_size:")) {
                sectorSize = sectorSize(args, option);
            } else if (!FLAGS.contains(option)) {
                throw args.error("option '" + option + "' is not supported (" + String.join(", ", FLAGS)
                        + ", sector_size:<512..4096> are)");
            }
        }
        int per = sectorSize / 512;
        if (args.lengthSectors() % per != 0 || offset % per != 0) {
            throw args.error("length and offset must be multiples of sector_size (" + sectorSize + " bytes)");
        }
        if (options.contains("iv_large_sectors") && ivOffset % per != 0) {
            throw args.error("with iv_large_sectors, iv_offset must be a multiple of sector_size / 512");
        }
        args.requireRange(device, offset, args.lengthSectors());
        return new CryptTarget(spec, key, ivOffset, device, offset, options, sectorSize);
    }

    /** The key in hex; never echoed in an error. */
    private static byte[] key(TargetArgs args) throws TableException {
        String text = args.next("key");
        if (text.startsWith(":")) {
            throw args.error("keys from the kernel keyring (:<size>:<type>:<description>) are not supported:"
                    + " give the key in hex");
        }
        if (text.isEmpty() || text.length() % 2 != 0 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw args.error("the key must be an even number of hex digits");
        }
        return HexFormat.of().parseHex(text);
    }

    private static long number(TargetArgs args, String field) throws TableException {
        String text = args.next(field);
        try {
            long value = Long.parseLong(text);
            if (value < 0 || value > (Long.MAX_VALUE >>> Sectors.SHIFT)) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            // Not echoed: a misplaced argument here may be the key.
            throw args.error("invalid " + field + ": not a number of sectors");
        }
    }

    private static int sectorSize(TargetArgs args, String option) throws TableException {
        try {
            int size = Integer.parseInt(option.substring("sector_size:".length()));
            if (size >= 512 && size <= 4096 && Integer.bitCount(size) == 1) {
                return size;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw args.error("invalid " + option + ": a power of two from 512 to 4096");
    }

    @Override
    public String type() {
        return "crypt";
    }

    @Override
    public String params() {
        return params(HexFormat.of().formatHex(key));
    }

    /** As {@code dmsetup table} shows it without {@code --showkeys}: the key as zeros. */
    @Override
    public String maskedParams() {
        return params("0".repeat(key.length * 2));
    }

    private String params(String keyText) {
        String opts = options.isEmpty() ? "" : " " + options.size() + " " + String.join(" ", options);
        return spec.text() + " " + keyText + " " + ivOffset + " " + device.name() + " " + offsetSectors + opts;
    }

    @Override
    public String status() {
        return "";
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        int length = dst.remaining();
        checkAligned(offset, length);
        int start = dst.position();
        device.read(dst, base + offset);
        Worker w = workers.get();
        for (int done = 0; done < length; ) {
            int n = Math.min(CHUNK, length - done);
            dst.get(start + done, w.buffer, 0, n);
            crypt(w, offset + done, n, false);
            dst.put(start + done, w.buffer, 0, n);
            done += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        int length = src.remaining();
        checkAligned(offset, length);
        Worker w = workers.get();
        for (int done = 0; done < length; ) {
            int n = Math.min(CHUNK, length - done);
            src.get(w.buffer, 0, n);
            crypt(w, offset + done, n, true);
            w.view.clear().limit(n);
            device.write(w.view, base + offset + done);
            done += n;
        }
    }

    /** En- or decrypts {@code n} bytes of the worker's buffer, which hold the segment's bytes from {@code at}. */
    private void crypt(Worker w, long at, int n, boolean forward) {
        long sector = at / 512 + ivOffset;
        int per = sectorSize / 512;
        long firstIv = largeIvs ? sector / per : sector;
        w.cipher.run(w.buffer, 0, n, sectorSize, firstIv, largeIvs ? 1 : per, forward);
    }

    private void checkAligned(long offset, int length) throws IOException {
        if (offset % sectorSize != 0 || length % sectorSize != 0) {
            throw new IOException("crypt: a request of " + length + " bytes at " + offset + " is not aligned to its "
                    + sectorSize + "-byte sectors");
        }
    }

    @Override
    public void flush() {
        // Writes go straight to the lower device, which the table flushes.
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (discards) {
            device.discard(base + offset, length);
        }
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device);
    }

    @Override
    public void close() {
        Arrays.fill(key, (byte) 0);
    }
}
