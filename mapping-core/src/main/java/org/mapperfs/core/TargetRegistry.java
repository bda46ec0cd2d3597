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
import org.mapperfs.core.targets.thin.ThinPoolTarget;
import org.mapperfs.core.targets.thin.ThinTarget;

/**
 * The target types a mapper knows, by table name. Immutable, so safe to share between threads:
 * {@link #with} returns a new registry. An embedder adds a target of its own with
 * {@code TargetRegistry.standard().with("mytarget", MyTarget::create)} and passes the result to
 * {@link Mapper#Mapper(TargetRegistry, HolePuncher, VectorIo, java.util.Optional)}.
 */
public final class TargetRegistry {
    private final ImmutableSortedMap<String, TargetFactory> factories;

    private TargetRegistry(ImmutableSortedMap<String, TargetFactory> factories) {
        this.factories = factories;
    }

    /**
     * Every target that ships with mapperfs: {@code crypt}, {@code delay}, {@code dust},
     * {@code error}, {@code flakey}, {@code linear}, {@code log-writes}, {@code mirror},
     * {@code snapshot}, {@code snapshot-merge}, {@code snapshot-origin}, {@code striped},
     * {@code verity} and {@code zero}, each by its class's static {@code create} method. Adding
     * a target to mapperfs itself = one class + one line here (and its kernel version in
     * {@link #kernelVersion}); an embedder's own target goes in with {@link #with} instead.
     *
     * @return a new registry of the standard targets
     */
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
                .put("thin", ThinTarget::create)
                .put("thin-pool", ThinPoolTarget::create)
                .put("verity", VerityTarget::create)
                .put("zero", ZeroTarget::create)
                .build());
    }

    /**
     * This registry plus {@code type}, for embedders with targets of their own; a target of that
     * name is replaced (tests use this to give a target a clock or a seed of their own). This
     * registry is left as it was.
     *
     * @param type the name tables use for the target, the third word of a line; it should be
     *     what the target's {@link Target#type()} returns
     * @param factory builds the target from a line's arguments, e.g. {@code MyTarget::create}
     * @return a new registry with every type of this one and {@code type}
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
     *
     * @param type a target's table name
     * @return the kernel target's version, or empty for a type mapperfs does not ship
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
            case "thin", "thin-pool" -> "1.23.0";
            case "verity" -> "1.10.0";
            case "zero" -> "1.2.0";
            default -> null;
        });
    }

    /**
     * The factory registered for {@code type}.
     *
     * @param type a target's table name
     * @return the factory, or empty if no target of that name is registered
     */
    public Optional<TargetFactory> factory(String type) {
        return Optional.ofNullable(factories.get(type));
    }

    /**
     * Every registered table name, as {@code dmsetup targets} lists them.
     *
     * @return the names in alphabetical order; cannot be changed
     */
    public SortedSet<String> types() {
        return factories.keySet();
    }
}
