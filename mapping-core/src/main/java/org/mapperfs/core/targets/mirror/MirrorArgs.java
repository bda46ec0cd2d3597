package org.mapperfs.core.targets.mirror;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.TableException;
import org.mapperfs.core.TargetArgs;

/**
 * The arguments of a {@code mirror} table line (grammar in {@link MirrorTarget}), every one
 * validated: counts and numbers first, then the devices, each checked for size. The log device
 * is opened first (it comes first on the line) and released with the table if a later field fails.
 */
record MirrorArgs(Optional<BlockDevice> logDevice, long regionSectors, Optional<String> syncArg,
        ImmutableList<BlockDevice> legs, long[] offsets, ImmutableList<String> features, long rateKiB) {
    /** The highest resync rate, in KiB/s, whose bytes per second still fit a long. */
    static final long MAX_RATE_KIB = Long.MAX_VALUE / 1024;

    static MirrorArgs parse(TargetArgs args) throws TableException {
        String logType = args.next("log_type");
        if (!logType.equals("core") && !logType.equals("disk")) {
            throw args.error("unknown log_type '" + logType + "' (core or disk)");
        }
        boolean disk = logType.equals("disk");
        int logArgs = args.nextInt("#log_args", disk ? 2 : 1, disk ? 3 : 2);
        if (args.remaining() < logArgs) {
            throw args.error("#log_args is " + logArgs + " but only " + args.remaining() + " arguments follow");
        }
        Optional<BlockDevice> logDevice = disk ? Optional.of(args.nextDevice("log_dev")) : Optional.empty();
        long region = args.nextLong("region_size", MirrorTarget.MIN_REGION_SECTORS, 1L << 40);
        if (Long.bitCount(region) != 1) {
            throw args.error("invalid region_size " + region + ": must be a power of 2");
        }
        Optional<String> sync = Optional.empty();
        if (logArgs == (disk ? 3 : 2)) {
            String s = args.next("sync flag");
            if (!s.equals("sync") && !s.equals("nosync")) {
                throw args.error("invalid log argument '" + s + "': expected sync or nosync");
            }
            sync = Optional.of(s);
        }
        long count = (args.lengthSectors() + region - 1) / region;
        if (count > 1L << 31) {
            throw args.error("too many regions (" + count + "): use a larger region_size");
        }
        if (logDevice.isPresent() && logDevice.get().size() < RegionLog.bytesNeeded(count)) {
            throw args.error("log_dev " + logDevice.get().name() + " is too small: needs "
                    + RegionLog.bytesNeeded(count) + " bytes for " + count + " regions, has "
                    + logDevice.get().size());
        }
        int devs = args.nextInt("#devs", 2, MirrorTarget.MAX_LEGS);
        if (args.remaining() < 2 * devs) {
            throw args.error("expected " + devs + " <dev> <offset> pairs, got " + args.remaining()
                    + " arguments (syntax: " + MirrorTarget.SYNTAX + ")");
        }
        ImmutableList.Builder<BlockDevice> legs = ImmutableList.builder();
        long[] offsets = new long[devs];
        for (int i = 0; i < devs; i++) {
            BlockDevice leg = args.nextDevice("leg " + i + " dev");
            offsets[i] = args.nextSectors("leg " + i + " offset");
            args.requireRange(leg, offsets[i], args.lengthSectors());
            legs.add(leg);
        }
        List<String> features = new ArrayList<>();
        long rate = 0;
        if (args.remaining() > 0) {
            int n = args.nextInt("#features", 0, 4);
            args.expectRemaining(n, "<#features> <features...>");
            while (args.remaining() > 0) {
                String f = args.next("feature");
                switch (f) {
                    case "handle_errors", "keep_log" -> features.add(f);
                    case "max_recovery_rate" -> {
                        rate = args.nextLong("max_recovery_rate", 0, MAX_RATE_KIB);
                        features.add(f + " " + rate);
                    }
                    default -> throw args.error("unknown feature '" + f
                            + "' (handle_errors, keep_log, max_recovery_rate <KiB/s>)");
                }
            }
            if (features.contains("keep_log") && !features.contains("handle_errors")) {
                throw args.error("keep_log needs handle_errors");
            }
        }
        return new MirrorArgs(logDevice, region, sync, legs.build(), offsets, ImmutableList.copyOf(features),
                rate);
    }
}
