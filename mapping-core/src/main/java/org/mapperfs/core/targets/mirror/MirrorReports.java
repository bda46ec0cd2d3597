package org.mapperfs.core.targets.mirror;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mapperfs.core.Fields;

/**
 * How a mirror shows itself: its table line's parameters as dm prints them (the resync rate
 * as it is now), and its status, as dm's line and as named fields.
 */
final class MirrorReports {
    private final MirrorArgs args;
    private final MirrorLegs legs;
    private final RegionLog regions;
    private final MirrorResync resync;

    MirrorReports(MirrorArgs args, MirrorLegs legs, RegionLog regions, MirrorResync resync) {
        this.args = args;
        this.legs = legs;
        this.regions = regions;
        this.resync = resync;
    }

    String params() {
        StringBuilder sb = new StringBuilder();
        List<String> logArgs = new ArrayList<>();
        regions.device().ifPresent(d -> logArgs.add(d.name()));
        logArgs.add(Long.toString(args.regionSectors()));
        args.syncArg().ifPresent(logArgs::add);
        sb.append(regions.device().isPresent() ? "disk " : "core ").append(logArgs.size());
        logArgs.forEach(a -> sb.append(' ').append(a));
        sb.append(' ').append(legs.size());
        for (int i = 0; i < legs.size(); i++) {
            sb.append(' ').append(legs.get(i).name()).append(' ').append(args.offsets()[i]);
        }
        List<String> words = new ArrayList<>();
        for (String f : args.features()) {
            if (!f.startsWith("max_recovery_rate")) {
                words.add(f);
            }
        }
        long rate = resync.rate();
        if (rate > 0) {
            words.add("max_recovery_rate");
            words.add(Long.toString(rate));
        }
        if (!words.isEmpty()) {
            sb.append(' ').append(words.size());
            words.forEach(w -> sb.append(' ').append(w));
        }
        return sb.toString();
    }

    String status() {
        StringBuilder sb = new StringBuilder().append(legs.size());
        legs.all().forEach(l -> sb.append(' ').append(l.name()));
        sb.append(' ').append(regions.inSyncCount()).append('/').append(regions.regions()).append(" 1 ")
                .append(legs.letters());
        regions.device().ifPresentOrElse(
                d -> sb.append(" 3 disk ").append(d.name()).append(regions.failed() ? " D" : " A"),
                () -> sb.append(" 1 core"));
        return sb.toString();
    }

    Map<String, Object> statusFields() {
        String letters = legs.letters();
        List<Map<String, Object>> legList = new ArrayList<>();
        for (int i = 0; i < legs.size(); i++) {
            legList.add(Fields.of("device", legs.all().get(i).name(), "health", String.valueOf(letters.charAt(i))));
        }
        long inSync = regions.inSyncCount();
        Map<String, Object> log = regions.device()
                .<Map<String, Object>>map(d -> Fields.of("type", "disk", "device", d.name(),
                        "health", regions.failed() ? "D" : "A"))
                .orElseGet(() -> Fields.of("type", "core"));
        return Fields.of("legs", legList, "regions_in_sync", inSync, "regions", regions.regions(),
                "in_sync", inSync == regions.regions(), "log", log);
    }
}
