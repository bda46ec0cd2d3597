/**
 * dm-thin's pool metadata in the kernel's own on-disk format, so that the thin-provisioning tools
 * (thin_check, thin_dump, thin_ls, thin_restore) read and check it and a pool can move between
 * mapperfs and a kernel: 4 KiB blocks with crc32c checksums, copy-on-write B+trees with shared,
 * reference-counted nodes, and two space maps counting the references to every metadata and
 * data block. A transaction never overwrites a block of the last committed one; a commit writes
 * the new blocks, then the superblock.
 */
package org.mapperfs.core.thin;
