package org.mapperfs.core.targets.mirror;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.DeviceEvents;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mirror <log_type> <#log_args> <log_args...> <#devs> <dev> <offset> [<dev> <offset>]...
 * [<#features> <features...>]}: RAID-1 over 2 to 32 legs, as dm-raid1.
 * <ul>
 *   <li>{@code core <region_size> [sync|nosync]}: the region log lives in memory;</li>
 *   <li>{@code disk <log_dev> <region_size> [sync|nosync]}: it is also kept on {@code log_dev}
 *       (format in {@link RegionLog}), so resync continues after a restart;</li>
 *   <li>{@code region_size}: sectors, a power of 2, at least 8;</li>
 *   <li>features: {@code handle_errors}, {@code keep_log} (with handle_errors), and mapperfs's
 *       {@code max_recovery_rate <KiB/s>} (two words; 0 = unlimited).</li>
 * </ul>
 *
 * <p>Writes go to every healthy leg before they are acknowledged. Reads of regions in sync are
 * spread round-robin over the healthy legs; a region not yet in sync is read from leg 0, the
 * primary. A read that lies in one file range of the leg chosen is handed over as that range
 * ({@link #readRange}, for spliced replies) on the same terms. With {@code sync} (the default)
 * every region starts out of sync (or as a trusted disk log says) and a background resync
 * copies it from the primary to the other legs; with {@code nosync} every region starts in
 * sync. A leg whose I/O fails is dropped (health D after a write, F after a flush, R after a
 * read, which is retried on another leg, S after a resync copy) and an event is raised; when no
 * leg is left, I/O fails. mapperfs always handles errors this way; {@code handle_errors} is kept
 * for tables written for dm. A secondary leg on an NBD export that was dropped because its
 * server went away is taken back once the server answers again ({@link LegReturn}): the regions
 * written meanwhile are out of sync, and only those are copied.
 *
 * <p>Status: {@code <#legs> <dev>... <in_sync>/<total> 1 <A|D|F|S|R per leg> <log status>}, the log
 * status being {@code 1 core} or {@code 3 disk <log_dev> <A|D>}. Message: {@code
 * mirror_resync_rate <KiB/s>} sets the resync speed limit (0 = unlimited).
 */
public final class MirrorTarget implements Target {
    static final String SYNTAX = "mirror <log_type> <#log_args> <log_args...> <#devs> <dev> <offset>"
            + " [<dev> <offset>]... [<#features> <features...>]";
    static final int MIN_REGION_SECTORS = 8;
    static final int MAX_LEGS = 32;
    private static final int COPY_BYTES = 1 << 20;
    private static final Logger log = LoggerFactory.getLogger(MirrorTarget.class);

    private final MirrorLegs legs;
    private final long lengthBytes;
    private final long regionBytes;
    private final Optional<String> syncArg;
    private final RegionLog regions;
    private final RegionLocks locks = new RegionLocks();
    private final MirrorResync resync;
    private final LegReturn legReturn;
    private final DeviceEvents events;
    private final ByteBuffer copyBuffer;
    private final MirrorReports reports;

    /** Guards resumed, quiescing, closed, and the order of resync start/stop and log writes. */
    private final Object lifecycle = new Object();
    private boolean resumed;
    private boolean quiescing;
    private boolean closed;

    private MirrorTarget(MirrorArgs p, TargetArgs args) {
        this.events = args.events();
        this.legs = new MirrorLegs(p.legs(), p.offsets(), this::legFailed);
        this.lengthBytes = args.lengthBytes();
        long regionSectors = p.regionSectors();
        this.regionBytes = Sectors.toBytes(regionSectors);
        this.syncArg = p.syncArg();
        long count = (args.lengthSectors() + regionSectors - 1) / regionSectors;
        this.regions = new RegionLog(count, regionSectors, p.syncArg().equals(Optional.of("nosync")), p.logDevice(),
                fingerprint(p, args.lengthSectors()));
        this.copyBuffer = ByteBuffer.allocateDirect((int) Math.min(COPY_BYTES, regionBytes));
        this.resync = new MirrorResync(legs.get(0).name(), regions, regionBytes, this::copyRegion, p.rateKiB(),
                events::raise);
        this.legReturn = new LegReturn(legs.get(0).name(), legs, this::legReturned);
        this.reports = new MirrorReports(p, legs, regions, resync);
    }

    public static Target create(TargetArgs args) throws TableException {
        return new MirrorTarget(MirrorArgs.parse(args), args);
    }

    /** Identifies the legs and geometry a disk log belongs to; another set of legs starts afresh. */
    private static long fingerprint(MirrorArgs p, long lengthSectors) {
        CRC32 crc = new CRC32();
        StringBuilder sb = new StringBuilder().append(lengthSectors);
        for (int i = 0; i < p.legs().size(); i++) {
            sb.append(' ').append(p.legs().get(i).name()).append(' ').append(p.offsets()[i]);
        }
        crc.update(sb.toString().getBytes(StandardCharsets.UTF_8));
        return crc.getValue() | (long) p.legs().size() << 32;
    }

    @Override
    public String type() {
        return "mirror";
    }

    @Override
    public String params() {
        return reports.params();
    }

    @Override
    public String status() {
        return reports.status();
    }

    @Override
    public Map<String, Object> statusFields() {
        return reports.statusFields();
    }

    @Override
    public String message(List<String> args) throws MapperException {
        if (args.size() == 2 && args.get(0).equals("mirror_resync_rate")) {
            try {
                long kib = Long.parseLong(args.get(1));
                if (kib >= 0 && kib <= MirrorArgs.MAX_RATE_KIB) {
                    resync.rate(kib);
                    return "";
                }
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
            throw new MapperException(MapperException.Reason.INVALID,
                    "mirror: invalid rate '" + args.get(1) + "': KiB/s up to " + MirrorArgs.MAX_RATE_KIB
                            + ", 0 for unlimited");
        }
        throw new MapperException(MapperException.Reason.INVALID,
                "mirror: unknown message '" + String.join(" ", args) + "' (mirror_resync_rate <KiB/s>)");
    }

    // ---- data path ----

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        int n = dst.remaining();
        if (n == 0) {
            return;
        }
        // A region out of sync is only valid on the primary; one in sync on every healthy leg.
        legs.read(dst, offset, regions.allInSync(offset / regionBytes, (offset + n - 1) / regionBytes));
    }

    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        return legs.readRange(offset, length, sink,
                regions.allInSync(offset / regionBytes, (offset + length - 1) / regionBytes));
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        int n = src.remaining();
        if (n == 0) {
            return;
        }
        long first = offset / regionBytes;
        long last = (offset + n - 1) / regionBytes;
        locks.beginWrite(first, last);
        try {
            long took = legs.toEvery("write", offset, n, (leg, at) -> leg.write(src.duplicate(), at), 'D');
            checkReadable(first, last, offset, n);
            missedBy(first, last, took);
        } finally {
            locks.endWrite(first, last);
        }
        src.position(src.limit());
    }

    /**
     * A leg that did not take this write ({@code took} is the mask of those that did) missed it:
     * its regions are out of sync, so that the log names every region such a leg lacks, and a leg
     * that comes back (taken back when its server returns, or by a reload of the same table)
     * gets those regions only.
     */
    private void missedBy(long first, long last, long took) {
        // Only a secondary's miss: a region out of sync reads from the primary alone, so one the
        // primary missed stays readable from the others (and the log is not trusted then).
        if ((took & 1) != 0 && took != legs.everyLeg()) {
            regions.markOutOfSync(first, last);
            if (legs.allHealthy()) {
                resync.start(); // the leg came back after this write passed it by: copy the region too
            }
        }
    }

    private void legFailed(int leg, char how) {
        events.raise();
        legReturn.failed(leg);
    }

    /**
     * Remote leg {@code leg}'s server is back: the leg is taken back and the regions it missed
     * are copied to it, all of them if it had failed a flush (which may have lost writes
     * anywhere). Not while suspended or closed, nor without a primary to copy from.
     */
    private void legReturned(int leg) {
        synchronized (lifecycle) {
            char was = legs.letter(leg);
            if (closed || quiescing || !resumed || was == 'A' || !legs.primaryHealthy()) {
                return;
            }
            if (was == 'F') {
                regions.markOutOfSync(0, regions.regions() - 1);
            }
            if (legs.revive(leg, was)) {
                log.info("mirror {}: leg {} ({}) is back; {} of {} regions to resync", legs.get(0).name(), leg,
                        legs.get(leg).name(), regions.regions() - regions.inSyncCount(), regions.regions());
                events.raise();
                resync.start();
            }
        }
    }

    /**
     * A region not in sync can only be read from the primary: once it is gone, a write there
     * that reached only the other legs could never be read back, so it fails (as dm-raid1 fails
     * writes to out-of-sync regions when the default leg is down).
     */
    private void checkReadable(long first, long last, long offset, long n) throws IOException {
        if (!legs.primaryHealthy() && !regions.allInSync(first, last)) {
            throw new IOException("mirror: cannot write " + n + " bytes at segment offset " + offset
                    + ": the region is not in sync and the primary leg is gone");
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        long first = offset / regionBytes;
        long last = (offset + length - 1) / regionBytes;
        locks.beginWrite(first, last);
        try {
            long took = legs.toEvery("discard", offset, length, (leg, at) -> leg.discard(at, length), 'D');
            missedBy(first, last, took);
        } finally {
            locks.endWrite(first, last);
        }
    }

    /**
     * Copies one region from the primary to the other healthy legs, then marks it in sync if every
     * leg has it; false (the resync stops) if the primary failed or a leg is not healthy: a region
     * is never in sync on a leg that lacks it.
     */
    private boolean copyRegion(long region) throws IOException {
        long start = region * regionBytes;
        long end = Math.min(lengthBytes, start + regionBytes);
        locks.beginCopy(region);
        try {
            for (long at = start; at < end; at += copyBuffer.capacity()) {
                if (!legs.copyFromPrimary(copyBuffer, at, (int) Math.min(copyBuffer.capacity(), end - at))) {
                    return false;
                }
            }
            if (!legs.allHealthy()) {
                return false;
            }
            regions.markInSync(region);
            return true;
        } finally {
            locks.endCopy();
        }
    }

    // ---- lifecycle ----

    /**
     * Flushes every healthy leg, dropping one whose flush fails (as a write failure would: 'F'),
     * and fails only if no leg took it, as dm-raid1 does. During a suspend (after presuspend and
     * the drain: no write in flight) the log is then recorded as clean, after the legs' data is
     * durable, never before.
     */
    @Override
    public void flush() throws IOException {
        legs.flush();
        synchronized (lifecycle) {
            if (quiescing && resumed && !closed) {
                regions.persist(canTrustLog());
            }
        }
    }


    /** The legs flush in {@link #flush()}; the table flushes the log device only. */
    @Override
    public List<BlockDevice> flushedByTable() {
        return regions.device().map(List::of).orElse(List.of());
    }

    @Override
    public void resume() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            if (!resumed) {
                resumed = true;
                // Read now, not when the table was loaded: a table this one replaces may have
                // written the log at its close, just before this resume.
                if (syncArg.isEmpty() || syncArg.get().equals("sync")) {
                    try {
                        if (regions.load()) {
                            log.info("mirror {}: disk log adopted: {}/{} regions in sync", legs.get(0).name(),
                                    regions.inSyncCount(), regions.regions());
                        }
                    } catch (IOException e) {
                        log.warn("mirror {}: cannot read the disk log: {}", legs.get(0).name(), e.toString());
                    }
                }
            }
            quiescing = false;
            regions.markDirty();
            resync.start();
            legReturn.start();
        }
    }

    @Override
    public boolean presuspend() {
        synchronized (lifecycle) {
            if (!resync.stopOrGiveUp()) {
                return false;
            }
            legReturn.stop();
            quiescing = true;
            return true;
        }
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            legReturn.stop();
            resync.stop();
            if (resumed) {
                try {
                    legs.flush(); // the clean mark must not reach the log before the data it vouches for
                } catch (IOException e) {
                    log.warn("mirror {}: no leg could be flushed at close: {}", legs.get(0).name(), e.toString());
                }
                regions.persist(canTrustLog());
            }
        }
    }

    /**
     * Whether the log names every region a leg lacks: so when the primary is healthy and no leg
     * failed a flush (which could have lost writes it had taken, in any region). A leg that
     * failed a write or a copy missed only regions marked out of sync since.
     */
    private boolean canTrustLog() {
        return legs.primaryHealthy() && !legs.letters().contains("F");
    }

    /** True while the background resync runs (for tests). */
    boolean resyncing() {
        return resync.running();
    }

    @Override
    public List<BlockDevice> devices() {
        List<BlockDevice> all = new ArrayList<>(legs.all());
        regions.device().ifPresent(all::add);
        return List.copyOf(new LinkedHashSet<>(all));
    }
}
