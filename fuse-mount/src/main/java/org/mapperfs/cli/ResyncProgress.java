package org.mapperfs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The resync progress in a device's status lines: every mirror segment's in_sync/regions. */
record ResyncProgress(long inSync, long regions) {
    /** dm's mirror status: {@code <start> <len> mirror <#legs> <dev>... <in_sync>/<regions> 1 ...}. */
    private static final Pattern MIRROR = Pattern.compile("^\\S+ \\S+ mirror (\\d+) (.*)$");
    private static final Pattern FRACTION = Pattern.compile("^(\\d+)/(\\d+)$");

    /** The sum over the mirror segments of {@code status}; empty if it has none. */
    static List<ResyncProgress> of(String status) {
        List<ResyncProgress> found = new ArrayList<>();
        for (String line : status.split("\n")) {
            Matcher m = MIRROR.matcher(line.strip());
            if (!m.matches()) {
                continue;
            }
            String[] words = m.group(2).split(" ");
            int legs = Integer.parseInt(m.group(1));
            if (words.length > legs) {
                Matcher f = FRACTION.matcher(words[legs]);
                if (f.matches()) {
                    found.add(new ResyncProgress(Long.parseLong(f.group(1)), Long.parseLong(f.group(2))));
                }
            }
        }
        return found;
    }

    static ResyncProgress total(List<ResyncProgress> parts) {
        long in = 0;
        long all = 0;
        for (ResyncProgress p : parts) {
            in += p.inSync;
            all += p.regions;
        }
        return new ResyncProgress(in, all);
    }

    boolean done() {
        return inSync >= regions;
    }

    /** {@code [#########...........]  45.0%  230/512 regions}. */
    String bar(int width) {
        double fraction = regions == 0 ? 1 : (double) inSync / regions;
        int filled = (int) Math.round(fraction * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                + String.format("%5.1f%%  %d/%d regions in sync", 100 * fraction, inSync, regions);
    }
}
