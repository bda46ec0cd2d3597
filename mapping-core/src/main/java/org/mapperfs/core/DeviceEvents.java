package org.mapperfs.core;

/**
 * How a target raises its device's event (dm_table_event): a mirror leg that failed, a resync
 * that finished. A table is built before a new device exists, so the device is bound later;
 * events raised before that are dropped (nothing can be waiting for them yet).
 */
public final class DeviceEvents {
    private volatile MappedDevice device;

    void bind(MappedDevice device) {
        this.device = device;
    }

    /** Raises the device's event number and wakes its waiters. */
    public void raise() {
        MappedDevice d = device;
        if (d != null) {
            d.raiseEvent();
        }
    }

    /** Events that go nowhere, for targets built outside a mapper. */
    public static DeviceEvents none() {
        return new DeviceEvents();
    }
}
