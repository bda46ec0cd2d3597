package org.mapperfs.core;

import com.google.common.collect.ImmutableSortedMap;
import java.util.Optional;
import java.util.SortedSet;
import org.mapperfs.core.targets.DelayTarget;
import org.mapperfs.core.targets.DustTarget;
import org.mapperfs.core.targets.ErrorTarget;
import org.mapperfs.core.targets.FlakeyTarget;
import org.mapperfs.core.targets.LinearTarget;
import org.mapperfs.core.targets.StripedTarget;
import org.mapperfs.core.targets.ZeroTarget;
import org.mapperfs.core.targets.crypt.CryptTarget;
import org.mapperfs.core.targets.logwrites.LogWritesTarget;
import org.mapperfs.core.targets.verity.VerityTarget;
import org.mapperfs.core.targets.mirror.MirrorTarget;
import org.mapperfs.core.targets.snapshot.SnapshotMergeTarget;
import org.mapperfs.core.targets.snapshot.SnapshotOriginTarget;
import org.mapperfs.core.targets.snapshot.SnapshotTarget;

/** The target types a mapper knows, by table name. Immutable. */
public final class TargetRegistry {
    private final ImmutableSortedMap<String, TargetFactory> factories;

    private TargetRegistry(ImmutableSortedMap<String, TargetFactory> factories) {
        this.factories = factories;
    }

    /** Every target that ships with mapperfs. Adding a target = one class + one line here. */
    public static TargetRegistry standard() {
        return new TargetRegistry(ImmutableSortedMap.<String, TargetFactory>naturalOrder()
                .put("crypt", CryptTarget::create)
                .put("delay", DelayTarget::create)
                .put("dust", DustTarget::create)
                .put("error", ErrorTarget::create)
                .put("flakey", FlakeyTarget::create)
                .put("linear", LinearTarget::create)
                .put("log-writes", LogWritesTarget::create)
                .put("mirror", MirrorTarget::create)
                .put("snapshot", SnapshotTarget::create)
                .put("snapshot-merge", SnapshotMergeTarget::create)
                .put("snapshot-origin", SnapshotOriginTarget::create)
                .put("striped", StripedTarget::create)
                .put("verity", VerityTarget::create)
                .put("zero", ZeroTarget::create)
                .build());
    }

    /**
     * This registry plus {@code type}, for embedders with targets of their own; a target of that
     * name is replaced (tests use this to give a target a clock or a seed of their own).
     */
    public TargetRegistry with(String type, TargetFactory factory) {
        java.util.TreeMap<String, TargetFactory> all = new java.util.TreeMap<>(factories);
        all.put(type, factory);
        return new TargetRegistry(ImmutableSortedMap.copyOfSorted(all));
    }

    /**
     * The version of the kernel's target whose table syntax, status and messages {@code type}
     * follows, as {@code dmsetup targets} prints it ("1.4.0"): callers test versions before using
     * a feature. Empty for a target of an embedder's own.
     */
    public static Optional<String> kernelVersion(String type) {
        return Optional.ofNullable(switch (type) {
            case "crypt" -> "1.27.0";
            case "delay" -> "1.4.0";
            case "dust" -> "1.0.0";
            case "error" -> "1.6.0";
            case "flakey" -> "1.5.0";
            case "linear" -> "1.4.0";
            case "log-writes" -> "1.1.0";
            case "mirror" -> "1.14.0";
            case "snapshot" -> "1.16.0";
            case "snapshot-merge" -> "1.5.0";
            case "snapshot-origin" -> "1.9.0";
            case "striped" -> "1.6.0";
            case "verity" -> "1.10.0";
            case "zero" -> "1.2.0";
            default -> null;
        });
    }

    public Optional<TargetFactory> factory(String type) {
        return Optional.ofNullable(factories.get(type));
    }

    public SortedSet<String> types() {
        return factories.keySet();
    }
}
