package org.mapperfs.core;

import com.google.common.collect.ImmutableSortedMap;
import java.util.Optional;
import java.util.SortedSet;
import org.mapperfs.core.target.ErrorTarget;
import org.mapperfs.core.target.LinearTarget;
import org.mapperfs.core.target.MirrorTarget;
import org.mapperfs.core.target.StripedTarget;
import org.mapperfs.core.target.ZeroTarget;

/** The target types a mapper knows, by table name. Immutable. */
public final class TargetRegistry {
    private final ImmutableSortedMap<String, TargetFactory> factories;

    private TargetRegistry(ImmutableSortedMap<String, TargetFactory> factories) {
        this.factories = factories;
    }

    /** Every target that ships with mapperfs. Adding a target = one class + one line here. */
    public static TargetRegistry standard() {
        return new TargetRegistry(ImmutableSortedMap.<String, TargetFactory>naturalOrder()
                .put("linear", LinearTarget::create)
                .put("mirror", MirrorTarget::create)
                .put("striped", StripedTarget::create)
                .put("zero", ZeroTarget::create)
                .put("error", ErrorTarget::create)
                .build());
    }

    /** This registry plus {@code type}, for embedders with targets of their own. */
    public TargetRegistry with(String type, TargetFactory factory) {
        return new TargetRegistry(ImmutableSortedMap.<String, TargetFactory>naturalOrder()
                .putAll(factories).put(type, factory).build());
    }

    public Optional<TargetFactory> factory(String type) {
        return Optional.ofNullable(factories.get(type));
    }

    public SortedSet<String> types() {
        return factories.keySet();
    }
}
