package org.mapperfs.core.targets.thin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.DeviceEvents;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.mapperfs.core.thin.ThinMetadata;

/**
 * {@code thin-pool <metadata dev> <data dev> <data block size> <low water mark> [<#features>
 * <feature>...]}, as dm-thin's: the data block size in sectors, a multiple of 128 from 128 to
 * 2097152; the low water mark in blocks (one event when free blocks fall to it, re-armed at each
 * resume); features {@code skip_block_zeroing}, {@code ignore_discard}, {@code
 * no_discard_passdown}, {@code read_only}, {@code error_if_no_space}. A metadata device whose
 * first 4 KiB are zeros is formatted. The pool device's own I/O goes to the data device.
 *
 * <p>Messages: {@code create_thin <id>}, {@code create_snap <id> <origin id>} (suspend an active
 * origin first), {@code delete <id>}, {@code set_transaction_id <current> <new>}, {@code
 * reserve_metadata_snap} (a copy of the metadata as it is now, its block shown in the status as
 * the held root, for {@code thin_check -m} and {@code thin_dump -m} on live metadata; one at a
 * time) and {@code release_metadata_snap}. Each commits.
 *
 * <p>Status: {@code <transaction id> <used>/<total metadata blocks> <used>/<total data blocks>
 * <held root|-> rw|ro|out_of_data_space discard_passdown|no_discard_passdown|ignore_discard
 * queue_if_no_space|error_if_no_space -|needs_check <metadata low water mark>}.
 */
public final class ThinPoolTarget implements Target {
    static final String SYNTAX = "thin-pool <metadata dev> <data dev> <data block size> <low water mark>"
            + " [<#features> <feature>...]";

    private final BlockDevice metadata;
    private final BlockDevice data;
    private final int blockSectors;
    private final PoolOptions options;
    private final DeviceEvents events;
    private final Pool pool;

    private ThinPoolTarget(TargetArgs args) throws TableException {
        if (args.remaining() < 4) {
            throw args.error("expected at least 4 arguments (" + SYNTAX + "), got " + args.remaining());
        }
        this.metadata = args.nextDevice("metadata dev");
        this.data = args.nextDevice("data dev");
        this.blockSectors = args.nextInt("data block size", 128, 2097152);
        if (blockSectors % 128 != 0) {
            throw args.error("data block size " + blockSectors + " is not a multiple of 128 sectors");
        }
        long lowWater = args.nextLong("low water mark", 0, Long.MAX_VALUE);
        this.options = PoolOptions.parse(lowWater, args.optionalParams(5), args);
        args.expectEnd(SYNTAX);
        if (args.lengthSectors() > data.size() / 512) {
            throw args.error("the table is " + args.lengthSectors() + " sectors, the data device only "
                    + data.size() / 512);
        }
        if (metadata.size() < 2 * 4096) {
            throw args.error("the metadata device is too small (" + metadata.size() + " bytes)");
        }
        this.events = args.events();
        try {
            this.pool = Pools.acquire(metadata, data, blockSectors);
        } catch (IOException e) {
            throw args.error(e.getMessage());
        }
    }

    public static Target create(TargetArgs args) throws TableException {
        return new ThinPoolTarget(args);
    }

    Pool pool() {
        return pool;
    }

    @Override
    public String type() {
        return "thin-pool";
    }

    @Override
    public String params() {
        List<String> words = options.words();
        return metadata.name() + " " + data.name() + " " + blockSectors + " " + options.lowWater()
                + (words.isEmpty() ? "" : " " + words.size() + " " + String.join(" ", words));
    }

    @Override
    public String status() {
        return pool.status();
    }

    @Override
    public void resume() {
        pool.configure(options, data, events::raise);
    }

    @Override
    public boolean presuspend() {
        try {
            pool.commit();
        } catch (IOException e) {
            // the pool now fails I/O; its status says so
        }
        return true;
    }

    @Override
    public String message(List<String> args) throws MapperException {
        String verb = args.isEmpty() ? "" : args.get(0);
        try {
            switch (verb) {
                case "create_thin" -> {
                    long id = id(args, 1, 2);
                    pool.message(md -> md.createThin(id));
                }
                case "create_snap" -> {
                    long id = id(args, 1, 3);
                    long origin = id(args, 2, 3);
                    pool.message(md -> md.createSnap(id, origin));
                }
                case "delete" -> {
                    long id = id(args, 1, 2);
                    pool.message(md -> md.delete(id));
                }
                case "set_transaction_id" -> {
                    long current = number(args, 1, 3, "current transaction id");
                    long next = number(args, 2, 3, "new transaction id");
                    pool.message(md -> md.setTransactionId(current, next));
                }
                case "reserve_metadata_snap" -> {
                    none(args);
                    pool.message(ThinMetadata::reserveMetadataSnap);
                }
                case "release_metadata_snap" -> {
                    none(args);
                    pool.message(ThinMetadata::releaseMetadataSnap);
                }
                default -> throw invalid("unknown message '" + String.join(" ", args) + "' (create_thin,"
                        + " create_snap, delete, set_transaction_id, reserve_metadata_snap,"
                        + " release_metadata_snap)");
            }
        } catch (IOException e) {
            throw invalid(e.getMessage().replace("thin metadata: ", "")
                    .replace("thin-pool " + metadata.name() + ": ", ""));
        }
        return "";
    }

    private static MapperException invalid(String message) {
        return new MapperException(MapperException.Reason.INVALID, "thin-pool: " + message);
    }

    private static void none(List<String> args) throws MapperException {
        if (args.size() != 1) {
            throw invalid("'" + String.join(" ", args) + "': " + args.get(0) + " takes no arguments");
        }
    }

    private static long number(List<String> args, int at, int words, String what) throws MapperException {
        if (args.size() != words) {
            throw invalid("'" + String.join(" ", args) + "': expected " + (words - 1) + " numbers");
        }
        try {
            return Long.parseLong(args.get(at));
        } catch (NumberFormatException e) {
            throw invalid("invalid " + what + " '" + args.get(at) + "'");
        }
    }

    private static long id(List<String> args, int at, int words) throws MapperException {
        long id = number(args, at, words, "device id");
        if (id < 0 || id > ThinMetadata.MAX_DEVICE_ID) {
            throw invalid("device id " + id + " is out of range (0 to " + ThinMetadata.MAX_DEVICE_ID + ")");
        }
        return id;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        data.read(dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        data.write(src, offset);
    }

    @Override
    public void flush() throws IOException {
        pool.commit();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        data.discard(offset, length);
    }

    @Override
    public List<BlockDevice> devices() {
        return new ArrayList<>(List.of(metadata, data));
    }

    @Override
    public void close() {
        Pools.release(pool);
    }
}
