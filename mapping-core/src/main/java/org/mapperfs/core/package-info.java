/**
 * The extent-mapping engine: named devices built from tables of segments, each segment handled
 * by a target, with dmsetup's operations on them. Plain Java; depends on the JDK, Guava and
 * slf4j only, and on no FUSE, CLI or native code (checked by {@code ArchitectureTest}).
 *
 * <p>What an embedder imports:
 * <ul>
 *   <li>{@link org.mapperfs.core.Mapper}: create, load, suspend, resume, remove, rename,
 *       message; {@code Mapper.standalone()} for use without a mount.
 *   <li>{@link org.mapperfs.core.MappedDevice} and {@link org.mapperfs.core.BlockDevice}: read,
 *       write, flush and discard at byte offsets; {@link org.mapperfs.core.Table} and
 *       {@link org.mapperfs.core.Segment}: what a device is made of.
 *   <li>{@link org.mapperfs.core.MapperException} and {@link org.mapperfs.core.TableException}:
 *       refusals, each with its reason and a message that names the field.
 *   <li>{@link org.mapperfs.core.HolePuncher} and {@link org.mapperfs.core.VectorIo}: the native
 *       calls plain Java lacks, which a host may give (the engine works without them).
 * </ul>
 *
 * <p>What a target is written against (the target interface): {@link org.mapperfs.core.Target},
 * {@link org.mapperfs.core.TargetFactory}, {@link org.mapperfs.core.TargetArgs},
 * {@link org.mapperfs.core.TargetRegistry} (one line per target; {@code with} adds one of an
 * embedder's own), {@link org.mapperfs.core.FileDevice}, {@link org.mapperfs.core.BufferPieces},
 * {@link org.mapperfs.core.DeviceEvents}, {@link org.mapperfs.core.DeviceResolver},
 * {@link org.mapperfs.core.LongWaits} and {@link org.mapperfs.core.Sectors}. Everything else is
 * package-private.
 *
 * <p>The only dependency on the targets' packages is {@code TargetRegistry.standard()}, the
 * list of the targets that ship.
 *
 * <p>Units: offsets and lengths are bytes unless the name says sectors; a sector is 512 bytes
 * ({@link org.mapperfs.core.Sectors}), and tables count in sectors.
 *
 * <h2 id="writing-a-target">Writing a target</h2>
 *
 * <p>A target handles the I/O of one segment of a table; {@code LinearTarget} and
 * {@code ZeroTarget} in {@code org.mapperfs.core.targets} are the shortest ones to copy from.
 * <ol>
 *   <li>Implement {@link org.mapperfs.core.Target}, thread-safe: {@code type()} (the name in
 *       tables), {@code params()} (the arguments that rebuild it), {@code status()} (dm's status
 *       words, often empty), {@code read}, {@code write}, {@code flush} and {@code discard}
 *       (byte offsets relative to the segment, already checked and split at segment
 *       boundaries; read and write leave the buffer's position at its limit), and
 *       {@code devices()} (every lower device, each once). Optionally {@code statusFields()}
 *       (built with {@link org.mapperfs.core.Fields#of}), {@code message(args)} for
 *       {@code dmsetup message}, and {@code presuspend()}, {@code resume()} and {@code close()}
 *       for a target with threads or buffers of its own.
 *   <li>Parse the arguments in a static factory method,
 *       {@code public static Target create(TargetArgs args) throws TableException}, a
 *       {@link org.mapperfs.core.TargetFactory}: check the count with
 *       {@link org.mapperfs.core.TargetArgs#expectRemaining} (or
 *       {@link org.mapperfs.core.TargetArgs#expectEnd} at the end), read each word with
 *       {@code nextDevice}, {@code nextSectors}, {@code nextLong} and friends, check a device's
 *       size with {@code requireRange}, and refuse anything else with
 *       {@code throw args.error("...")}. Validate everything before starting anything: if the
 *       build fails, the table releases the devices the factory took, but not what the factory
 *       started itself.
 *   <li>Register it: {@code TargetRegistry.standard().with("type", MyTarget::create)} for a
 *       target of an embedder's own, or one line in
 *       {@link org.mapperfs.core.TargetRegistry#standard()} for one that ships with mapperfs.
 *   <li>Build devices with a {@link org.mapperfs.core.Mapper} made with that registry
 *       ({@link org.mapperfs.core.Mapper#standalone()} has the standard targets only), then
 *       {@code create(name, tableText, baseDir)}. The mapper calls {@code resume()} before the
 *       device takes I/O, {@code presuspend()} at suspend and removal, and {@code close()} when
 *       the table goes.
 * </ol>
 *
 * <p>A target that maps its segment onto a device and counts its writes:
 * <pre>{@code
 * public final class CountingTarget implements Target {
 *     private final BlockDevice device;
 *     private final long offsetSectors;
 *     private final long base;
 *     private final LongAdder writes = new LongAdder();
 *
 *     private CountingTarget(BlockDevice device, long offsetSectors) {
 *         this.device = device;
 *         this.offsetSectors = offsetSectors;
 *         this.base = Sectors.toBytes(offsetSectors);
 *     }
 *
 *     // counting <dev> <offset>
 *     public static Target create(TargetArgs args) throws TableException {
 *         args.expectRemaining(2, "counting <dev> <offset>");
 *         BlockDevice device = args.nextDevice("dev");
 *         long offset = args.nextSectors("offset");
 *         args.requireRange(device, offset, args.lengthSectors());
 *         return new CountingTarget(device, offset);
 *     }
 *
 *     public String type() { return "counting"; }
 *     public String params() { return device.name() + " " + offsetSectors; }
 *     public String status() { return Long.toString(writes.sum()); }
 *     public Map<String, Object> statusFields() { return Fields.of("writes", writes.sum()); }
 *
 *     public void read(ByteBuffer dst, long offset) throws IOException {
 *         device.read(dst, base + offset);
 *     }
 *
 *     public void write(ByteBuffer src, long offset) throws IOException {
 *         device.write(src, base + offset);
 *         writes.increment();
 *     }
 *
 *     public void flush() {} // writes go straight to the device, which the table flushes
 *
 *     public void discard(long offset, long length) throws IOException {
 *         device.discard(base + offset, length);
 *     }
 *
 *     public List<BlockDevice> devices() { return List.of(device); }
 * }
 * }</pre>
 *
 * <p>And a device on it, over an existing file {@code disk.img} of at least 1 MiB in
 * {@code dir}:
 * <pre>{@code
 * TargetRegistry registry = TargetRegistry.standard().with("counting", CountingTarget::create);
 * try (Mapper mapper = new Mapper(registry, HolePuncher.NONE, VectorIo.NONE, Optional.empty())) {
 *     MappedDevice dev = mapper.create("counted", "0 2048 counting disk.img 0", dir);
 *     dev.write(ByteBuffer.wrap(new byte[4096]), 0);
 *     System.out.print(dev.liveTable().statusText()); // "0 2048 counting 1"
 * }
 * }</pre>
 *
 * <p>{@code examples/embed} in the source tree does the same as a complete program
 * ({@code TallyTarget} and {@code EmbedExample}), built and run by its test.
 */
package org.mapperfs.core;
