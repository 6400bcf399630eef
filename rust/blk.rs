// SPDX-License-Identifier: GPL-2.0

//! Block devices of SCSI upper-level drivers: major numbers, a gendisk on the
//! core's request queue, its block-device operations and queue limits.
//!
//! The Rust block abstraction of 6.12 (`kernel::block::mq::GenDisk`) owns its
//! tag set and queue; a SCSI disk instead sits on the request queue the core
//! made for its device, so this file wraps the raw gendisk calls. Every
//! dependant includes it next to `scsi_rs.rs`:
//!
//! ```ignore
//! #[path = "../rust/scsi_rs.rs"]
//! mod scsi_rs;
//! #[path = "../rust/blk.rs"]
//! mod blk;
//! ```
//!
//! (the paths `crate::scsi_rs` and `crate::blk` are assumed), and links the C
//! wrappers of the inline functions it needs (`blk_rs_*`, in
//! `rust/blk_glue.c`, which the module's glue.c includes). All `unsafe` of a
//! driver's block device lives here.
//!
//! Lifetimes: a [`Disk`] holds one reference of its driver data (`Arc<T>`)
//! for the gendisk's `private_data`, and every successful open holds one
//! more until its release, so the operations of [`DiskOps`] always see live
//! data, also when a node is still open after the disk was deleted. The
//! operations table is a static of the driver ([`disk_fops!`]) whose owner is
//! the driver's module: an open node pins the module.
// Items are `pub` for the including crate; the module itself is private.
#![allow(dead_code, unreachable_pub)]

use crate::scsi_rs;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::bindings;
use kernel::error::to_result;
use kernel::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};
use kernel::types::Opaque;

// The inline block-layer functions, wrapped in C by the including module.
// (Pointers to opaque kernel structures: `improper_ctypes` as for bindings.)
#[allow(improper_ctypes)]
extern "C" {
    fn blk_rs_limits_start_update(
        q: *mut bindings::request_queue,
        lim: *mut bindings::queue_limits,
    );
    fn blk_rs_bdev_is_partition(bdev: *mut bindings::block_device) -> bool;
    fn blk_rs_set_geometry(
        geo: *mut bindings::hd_geometry,
        heads: u8,
        sectors: u8,
        cylinders: u16,
        start: c_ulong,
    );
}

/// Length of a disk name, with its NUL (`DISK_NAME_LEN`).
pub const DISK_NAME_LEN: usize = 32;

// ---------------------------------------------------------------------------
// Major numbers

/// Block major numbers registered under one name; unregistered on drop.
pub struct BlkdevMajors {
    name: &'static CStr,
    majors: KVec<u32>,
}

impl BlkdevMajors {
    /// Registers each of `majors` as `name` (as `/proc/devices` shows it).
    /// A major that is taken is skipped with a warning; fails with `ENODEV`
    /// when none could be registered.
    pub fn register(name: &'static CStr, majors: &[u32]) -> Result<Self> {
        let mut this = Self {
            name,
            majors: KVec::with_capacity(majors.len(), GFP_KERNEL)?,
        };
        for &m in majors {
            // SAFETY: `name` is a NUL-terminated string that outlives the
            // registration (static); no probe callback.
            let ret = unsafe { bindings::__register_blkdev(m, name.as_char_ptr(), None) };
            if ret == 0 {
                // Capacity was reserved above; on failure `this` drops and
                // unregisters what it holds.
                this.majors.push(m, GFP_KERNEL)?;
            } else {
                pr_warn!("block major {} not available ({})\n", m, ret);
            }
        }
        if this.majors.is_empty() {
            return Err(ENODEV);
        }
        Ok(this)
    }

    /// The majors that were registered.
    pub fn majors(&self) -> &[u32] {
        &self.majors
    }
}

impl Drop for BlkdevMajors {
    fn drop(&mut self) {
        for &m in self.majors.iter() {
            // SAFETY: registered in `register` under this name, once.
            unsafe { bindings::unregister_blkdev(m, self.name.as_char_ptr()) };
        }
    }
}

// ---------------------------------------------------------------------------
// Messages with a device prefix

/// Message levels of [`DevLog`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Level {
    /// `KERN_ERR`
    Err,
    /// `KERN_WARNING`
    Warning,
    /// `KERN_NOTICE`
    Notice,
    /// `KERN_INFO`
    Info,
}

impl Level {
    fn prefix(self) -> &'static [u8; 3] {
        match self {
            Level::Err => bindings::KERN_ERR,
            Level::Warning => bindings::KERN_WARNING,
            Level::Notice => bindings::KERN_NOTICE,
            Level::Info => bindings::KERN_INFO,
        }
    }
}

/// Prints messages as `dev_printk` does (`sd 0:0:0:0: ...`): the driver
/// and device names of a SCSI device, which it holds a reference to.
pub struct DevLog {
    dev: NonNull<bindings::device>,
}

// SAFETY: `_dev_printk` and `put_device` may be called from any context.
unsafe impl Send for DevLog {}
// SAFETY: as above; `&self` only prints.
unsafe impl Sync for DevLog {}

impl DevLog {
    /// For the `H:C:T:L` device of `sdev`.
    pub fn new(sdev: &scsi_rs::Device) -> Result<Self> {
        let dev = NonNull::new(sdev.info()?.dev).ok_or(ENODEV)?;
        // SAFETY: the core keeps the device alive while the upper driver is
        // attached (`sdev` is live); the reference taken here keeps it
        // allocated until `drop`.
        unsafe { bindings::get_device(dev.as_ptr()) };
        Ok(Self { dev })
    }

    /// Prints `args` (a whole line, without the newline) at `level`.
    pub fn log(&self, level: Level, args: fmt::Arguments<'_>) {
        // SAFETY: the device is referenced (type invariant); the format
        // string is NUL-terminated and `%pA` takes a `fmt::Arguments`.
        unsafe {
            bindings::_dev_printk(
                level.prefix().as_ptr().cast::<c_char>(),
                self.dev.as_ptr(),
                c"%pA\n".as_ptr().cast::<c_char>(),
                (&args as *const fmt::Arguments<'_>).cast::<c_void>(),
            )
        };
    }

    /// `KERN_INFO` message.
    pub fn info(&self, args: fmt::Arguments<'_>) {
        self.log(Level::Info, args)
    }

    /// `KERN_NOTICE` message.
    pub fn notice(&self, args: fmt::Arguments<'_>) {
        self.log(Level::Notice, args)
    }

    /// `KERN_WARNING` message.
    pub fn warn(&self, args: fmt::Arguments<'_>) {
        self.log(Level::Warning, args)
    }

    /// `KERN_ERR` message.
    pub fn err(&self, args: fmt::Arguments<'_>) {
        self.log(Level::Err, args)
    }
}

impl Drop for DevLog {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `new`.
        unsafe { bindings::put_device(self.dev.as_ptr()) };
    }
}

// ---------------------------------------------------------------------------
// Small helpers

/// Sleeps for `ms` milliseconds. Process context.
pub fn msleep(ms: u32) {
    // SAFETY: no preconditions beyond process context, which the callers
    // of a sleeping function provide.
    unsafe { bindings::msleep(ms) };
}

/// What the system is doing when a driver's shutdown runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SystemGoing {
    /// Reboot.
    Restart,
    /// Power-off.
    PowerOff,
    /// Halt, or anything else.
    Other,
}

/// Whether the system is rebooting or powering off (for shutdown
/// callbacks).
pub fn system_going() -> SystemGoing {
    // SAFETY: a word the kernel sets before it calls the shutdown
    // callbacks; read once.
    let s = unsafe { core::ptr::read_volatile(&raw const bindings::system_state) };
    match s {
        bindings::system_states_SYSTEM_RESTART => SystemGoing::Restart,
        bindings::system_states_SYSTEM_POWER_OFF => SystemGoing::PowerOff,
        _ => SystemGoing::Other,
    }
}

/// The caller has `CAP_SYS_RAWIO`.
pub fn capable_sys_rawio() -> bool {
    // SAFETY: checks the current task's credentials; no preconditions.
    unsafe { bindings::capable(bindings::CAP_SYS_RAWIO as c_int) }
}

/// A device number from a driver's bitmap (the lowest free one, as the C
/// drivers number their disks); given back on drop.
pub struct Index {
    bits: &'static [core::sync::atomic::AtomicU64],
    n: u32,
}

impl Index {
    /// Takes the lowest free number of `bits`; `ENOSPC` when all are used.
    pub fn alloc(bits: &'static [core::sync::atomic::AtomicU64]) -> Result<Self> {
        for (w, word) in bits.iter().enumerate() {
            let mut cur = word.load(Ordering::Relaxed);
            while cur != u64::MAX {
                let bit = (!cur).trailing_zeros();
                let prev = word.fetch_or(1 << bit, Ordering::AcqRel);
                if prev & (1 << bit) == 0 {
                    return Ok(Self {
                        bits,
                        n: w as u32 * 64 + bit,
                    });
                }
                cur = prev | (1 << bit);
            }
        }
        Err(ENOSPC)
    }

    /// The number.
    pub fn get(&self) -> u32 {
        self.n
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        let (w, bit) = (self.n as usize / 64, self.n % 64);
        self.bits[w].fetch_and(!(1 << bit), Ordering::AcqRel);
    }
}

// ---------------------------------------------------------------------------
// Operations

/// How a block device node was opened (`blk_mode_t`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct OpenMode {
    /// `BLK_OPEN_READ`
    pub read: bool,
    /// `BLK_OPEN_WRITE`
    pub write: bool,
    /// `BLK_OPEN_NDELAY` (O_NDELAY: open without a medium).
    pub ndelay: bool,
}

// `BLK_OPEN_*` are `__force` casts that bindgen drops; blk_glue.c checks these.
const BLK_OPEN_READ: bindings::blk_mode_t = 1 << 0;
const BLK_OPEN_WRITE: bindings::blk_mode_t = 1 << 1;
const BLK_OPEN_NDELAY: bindings::blk_mode_t = 1 << 3;

impl OpenMode {
    /// The `blk_mode_t` bits of these flags.
    pub fn to_raw(self) -> bindings::blk_mode_t {
        (if self.read { BLK_OPEN_READ } else { 0 })
            | (if self.write { BLK_OPEN_WRITE } else { 0 })
            | (if self.ndelay { BLK_OPEN_NDELAY } else { 0 })
    }

    fn from_raw(m: bindings::blk_mode_t) -> Self {
        Self {
            read: m & BLK_OPEN_READ != 0,
            write: m & BLK_OPEN_WRITE != 0,
            ndelay: m & BLK_OPEN_NDELAY != 0,
        }
    }
}

/// A BIOS-style disk geometry (`HDIO_GETGEO`); the partition start is
/// filled in by the block layer side.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Geometry {
    /// Heads.
    pub heads: u8,
    /// Sectors per track.
    pub sectors: u8,
    /// Cylinders.
    pub cylinders: u16,
}

/// Disk events (`DISK_EVENT_*`) for [`DiskOps::check_events`].
pub mod events {
    use kernel::bindings;
    /// The medium changed.
    pub const MEDIA_CHANGE: u32 = bindings::DISK_EVENT_MEDIA_CHANGE;
    /// The user asked for the medium to be ejected.
    pub const EJECT_REQUEST: u32 = bindings::DISK_EVENT_EJECT_REQUEST;
}

/// The block-device operations of a driver's disks. The driver's data `T`
/// is shared by the [`Disk`] and the open nodes (see the module docs).
pub trait DiskOps: Send + Sync + Sized + 'static {
    /// A node of the disk is opened (the first opener of a partition or
    /// of the whole disk); `Err` fails the open. Called with the disk's
    /// open mutex held.
    fn open(&self, disk: &GenDisk, mode: OpenMode) -> Result;
    /// The matching close of a successful `open`.
    fn release(&self, disk: &GenDisk);
    /// An ioctl the block layer does not handle itself; `partition` tells
    /// whether it came through a partition node. `ENOIOCTLCMD` for unknown
    /// commands.
    fn ioctl(
        &self,
        _disk: &GenDisk,
        _mode: OpenMode,
        _partition: bool,
        _cmd: u32,
        _arg: c_ulong,
    ) -> Result<c_int> {
        Err(ENOIOCTLCMD)
    }
    /// The geometry for `HDIO_GETGEO`.
    fn getgeo(&self, disk: &GenDisk) -> Result<Geometry>;
    /// Polls for media events; returns the [`events`] that occurred.
    fn check_events(&self, _disk: &GenDisk, _clearing: u32) -> u32 {
        0
    }
}

/// The gendisk and driver data a callback was called for.
///
/// # Safety
///
/// `disk` is a live gendisk made by [`Disk::new`] with data type `T`, and
/// its data reference is held for the duration of the returned borrows
/// (by the [`Disk`] or an open node).
unsafe fn callback_ctx<'a, T: DiskOps>(
    disk: *mut bindings::gendisk,
) -> (&'a GenDisk, ArcBorrow<'a, T>) {
    // SAFETY: by the function's contract: `private_data` is the pointer
    // `Disk::new` got from `Arc::into_raw`, and a reference is held.
    unsafe {
        let data = ArcBorrow::from_raw((*disk).private_data.cast::<T>());
        (GenDisk::from_raw(disk), data)
    }
}

/// # Safety
///
/// Called by the block layer for a disk of [`Disk<T>`].
unsafe extern "C" fn open_tramp<T: DiskOps>(
    disk: *mut bindings::gendisk,
    mode: bindings::blk_mode_t,
) -> c_int {
    // SAFETY: the block layer opens only a live disk, and not after
    // `del_gendisk`, which the `Disk` (holding a data reference) calls
    // before dropping it; opens are serialised with it by the open mutex.
    let (gd, data) = unsafe { callback_ctx::<T>(disk) };
    match data.open(gd, OpenMode::from_raw(mode)) {
        Ok(()) => {
            // The open node holds a reference until `release_tramp`.
            let held: Arc<T> = data.into();
            let _ = Arc::into_raw(held);
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the block layer for a disk of [`Disk<T>`], once per
/// successful open.
unsafe extern "C" fn release_tramp<T: DiskOps>(disk: *mut bindings::gendisk) {
    // SAFETY: the disk is live during the call; the open being released
    // holds a data reference.
    let (gd, data) = unsafe { callback_ctx::<T>(disk) };
    data.release(gd);
    // SAFETY: `private_data` came from `Arc::into_raw`; this gives back the
    // reference `open_tramp` took for this open.
    drop(unsafe { Arc::<T>::from_raw((*disk).private_data.cast::<T>()) });
}

/// # Safety
///
/// Called by the block layer for an open node of a disk of [`Disk<T>`].
unsafe extern "C" fn ioctl_tramp<T: DiskOps>(
    bdev: *mut bindings::block_device,
    mode: bindings::blk_mode_t,
    cmd: c_uint,
    arg: c_ulong,
) -> c_int {
    // SAFETY: `bdev` is an open node (it holds a data reference) of a disk
    // of ours.
    let (gd, data, part) = unsafe {
        let (gd, data) = callback_ctx::<T>((*bdev).bd_disk);
        (gd, data, blk_rs_bdev_is_partition(bdev))
    };
    match data.ioctl(gd, OpenMode::from_raw(mode), part, cmd, arg) {
        Ok(r) => r,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the block layer for an open node of a disk of [`Disk<T>`],
/// with a writable `geo`.
unsafe extern "C" fn getgeo_tramp<T: DiskOps>(
    bdev: *mut bindings::block_device,
    geo: *mut bindings::hd_geometry,
) -> c_int {
    // SAFETY: as in `ioctl_tramp`.
    let (gd, data, start) = unsafe {
        let (gd, data) = callback_ctx::<T>((*bdev).bd_disk);
        (gd, data, (*bdev).bd_start_sect)
    };
    match data.getgeo(gd) {
        Ok(g) => {
            // SAFETY: `geo` is writable by the function's contract.
            unsafe { blk_rs_set_geometry(geo, g.heads, g.sectors, g.cylinders, start as c_ulong) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the block layer's event work or an opener for a live disk of
/// [`Disk<T>`]; `del_gendisk` stops the event work first.
unsafe extern "C" fn check_events_tramp<T: DiskOps>(
    disk: *mut bindings::gendisk,
    clearing: c_uint,
) -> c_uint {
    // SAFETY: the disk is live and not yet deleted, so the `Disk` holds
    // its data reference.
    let (gd, data) = unsafe { callback_ctx::<T>(disk) };
    data.check_events(gd, clearing)
}

/// The `block_device_operations` of the disks with data `T`. Made by
/// [`disk_fops!`] as a static of the driver, whose module it names as owner.
pub struct DiskFops<T: DiskOps> {
    fops: bindings::block_device_operations,
    _p: PhantomData<T>,
}

// SAFETY: the table is immutable and only read by the block layer.
unsafe impl<T: DiskOps> Sync for DiskFops<T> {}

impl<T: DiskOps> DiskFops<T> {
    /// The table for `T`, owned by `owner`.
    ///
    /// # Safety
    ///
    /// `owner` is the module that contains `T`'s code and the returned
    /// table (its `__this_module`); use [`disk_fops!`].
    pub const unsafe fn new(owner: *mut bindings::module) -> Self {
        // SAFETY: all-zero is a valid `block_device_operations` (no
        // callbacks, null pointers).
        let mut fops: bindings::block_device_operations = unsafe { core::mem::zeroed() };
        fops.open = Some(open_tramp::<T>);
        fops.release = Some(release_tramp::<T>);
        fops.ioctl = Some(ioctl_tramp::<T>);
        fops.getgeo = Some(getgeo_tramp::<T>);
        fops.check_events = Some(check_events_tramp::<T>);
        fops.owner = owner;
        Self {
            fops,
            _p: PhantomData,
        }
    }
}

/// Declares `static $name: DiskFops<$t>` owned by the including module.
macro_rules! disk_fops {
    ($name:ident, $t:ty) => {
        static $name: $crate::blk::DiskFops<$t> = {
            #[allow(improper_ctypes)]
            extern "C" {
                static __this_module: ::kernel::types::Opaque<::kernel::bindings::module>;
            }
            // SAFETY: `__this_module` is this module's descriptor, made by
            // the kernel at load time and valid as long as the module's code
            // and statics (this table) exist; only its address is taken.
            unsafe { $crate::blk::DiskFops::<$t>::new(__this_module.get()) }
        };
    };
}
pub(crate) use disk_fops;

// ---------------------------------------------------------------------------
// Disks

/// Feature bits of [`Limits::set_feature`] (`BLK_FEAT_*`; blk_glue.c checks
/// the values).
pub mod features {
    /// Volatile write cache: flushes are sent.
    pub const WRITE_CACHE: u32 = 1 << 0;
    /// Forced unit access writes.
    pub const FUA: u32 = 1 << 1;
    /// Rotational medium.
    pub const ROTATIONAL: u32 = 1 << 2;
    /// Contributes to the entropy pool.
    pub const ADD_RANDOM: u32 = 1 << 3;
}

/// Queue limits being updated (see [`GenDisk::update_limits`]).
pub struct Limits<'a> {
    lim: &'a mut bindings::queue_limits,
}

impl Limits<'_> {
    /// Logical block size in bytes (512..=PAGE_SIZE, power of two).
    pub fn set_logical_block_size(&mut self, bytes: u32) {
        self.lim.logical_block_size = bytes;
    }

    /// Physical block size in bytes.
    pub fn set_physical_block_size(&mut self, bytes: u32) {
        self.lim.physical_block_size = bytes;
    }

    /// Minimum (preferred) I/O size in bytes; 0: none.
    pub fn set_io_min(&mut self, bytes: u32) {
        self.lim.io_min = bytes;
    }

    /// Optimal I/O size in bytes; 0: none.
    pub fn set_io_opt(&mut self, bytes: u32) {
        self.lim.io_opt = bytes;
    }

    /// The device's own limit of 512-byte sectors per request; 0: none.
    pub fn set_max_dev_sectors(&mut self, sectors: u32) {
        self.lim.max_dev_sectors = sectors;
    }

    /// Write zeroes: at most `sectors` 512-byte sectors per request (0:
    /// none; the block layer then writes zero pages itself).
    pub fn set_max_write_zeroes_sectors(&mut self, sectors: u32) {
        self.lim.max_write_zeroes_sectors = sectors;
    }

    /// Discard: at most `max_sectors` 512-byte sectors per request (0: no
    /// discard), one range per request, `granularity` and `alignment` in
    /// bytes.
    pub fn set_discard(&mut self, max_sectors: u32, granularity: u32, alignment: u32) {
        self.lim.max_hw_discard_sectors = max_sectors;
        self.lim.discard_granularity = granularity;
        self.lim.discard_alignment = alignment;
        self.lim.max_discard_segments = 1;
    }

    /// Sets or clears feature bits ([`features`]).
    pub fn set_feature(&mut self, mask: u32, on: bool) {
        if on {
            self.lim.features |= mask;
        } else {
            self.lim.features &= !mask;
        }
    }

    /// The feature bits.
    pub fn features(&self) -> u32 {
        self.lim.features
    }
}

/// A gendisk, as callbacks and [`Disk`] show it.
#[repr(transparent)]
pub struct GenDisk(Opaque<bindings::gendisk>);

impl GenDisk {
    /// # Safety
    ///
    /// `ptr` is a live gendisk for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::gendisk) -> &'a Self {
        // SAFETY: `GenDisk` is a transparent wrapper; live by the contract.
        unsafe { &*ptr.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::gendisk {
        self.0.get()
    }

    /// The raw gendisk, for a driver's binding layer (the CD-ROM layer
    /// registers against it).
    pub fn as_raw(&self) -> *mut bindings::gendisk {
        self.raw()
    }

    /// The disk name (`sda`).
    pub fn name(&self) -> &str {
        // SAFETY: the name is written before the disk is handed out and
        // not changed afterwards; live disk. (`c_char` is `u8`.)
        let b: &[u8; DISK_NAME_LEN] = unsafe { &(*self.raw()).disk_name };
        let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        core::str::from_utf8(&b[..n]).unwrap_or("?")
    }

    /// Sets the size in 512-byte sectors; once the disk is added, a change
    /// is announced with a uevent (`set_capacity_and_notify`).
    pub fn set_capacity(&self, sectors: u64) {
        // SAFETY: live disk; callable in process context at any time.
        unsafe { bindings::set_capacity_and_notify(self.raw(), sectors) };
    }

    /// Asks the driver's `check_events` for a media change; on one, a
    /// partition rescan is scheduled for the next open and `true` returned.
    /// Not from `check_events` itself.
    pub fn check_media_change(&self) -> bool {
        // SAFETY: live disk; process context.
        unsafe { bindings::disk_check_media_change(self.raw()) }
    }

    /// Marks the disk read-only (write protected) or not.
    pub fn set_read_only(&self, ro: bool) {
        // SAFETY: live disk.
        unsafe { bindings::set_disk_ro(self.raw(), ro) };
    }

    /// The queue's current write-zeroes limit in sectors (0 after the core
    /// turned it off for a device that rejected WRITE SAME).
    pub fn max_write_zeroes_sectors(&self) -> u32 {
        // SAFETY: live disk and queue; a plain value, read racily on
        // purpose (the block layer reads it so too).
        unsafe {
            core::ptr::read_volatile(
                &raw const (*(*self.raw()).queue).limits.max_write_zeroes_sectors,
            )
        }
    }

    /// The queue's current discard limit in sectors (see
    /// [`Self::max_write_zeroes_sectors`]).
    pub fn max_discard_sectors(&self) -> u32 {
        // SAFETY: as above.
        unsafe {
            core::ptr::read_volatile(&raw const (*(*self.raw()).queue).limits.max_discard_sectors)
        }
    }

    /// Updates the queue limits: `f` edits a copy under the queue's limits
    /// lock; then the queue is frozen (no request in flight), `frozen` runs
    /// (to switch the driver's own per-request state in step), the limits
    /// are committed and the queue is unfrozen. Process context.
    pub fn update_limits(&self, f: impl FnOnce(&mut Limits<'_>), frozen: impl FnOnce()) -> Result {
        // SAFETY: live disk; its queue lives at least as long.
        let q = unsafe { (*self.raw()).queue };
        // SAFETY: all-zero is valid for this plain structure; it is
        // overwritten by the snapshot.
        let mut lim: bindings::queue_limits = unsafe { core::mem::zeroed() };
        // SAFETY: live queue; takes `q->limits_lock`, released by the
        // commit below on every path.
        unsafe { blk_rs_limits_start_update(q, &mut lim) };
        f(&mut Limits { lim: &mut lim });
        // SAFETY: live queue; freezing waits for requests in flight and
        // nests inside the limits lock as the block layer expects.
        unsafe { bindings::blk_mq_freeze_queue(q) };
        frozen();
        // SAFETY: commits and releases the lock taken by the start above.
        let ret = unsafe { bindings::queue_limits_commit_update(q, &mut lim) };
        // SAFETY: frozen above.
        unsafe { bindings::blk_mq_unfreeze_queue(q) };
        to_result(ret)
    }
}

/// How to set up a [`Disk`].
pub struct DiskConfig<'a> {
    /// Block major.
    pub major: u32,
    /// First minor.
    pub first_minor: u32,
    /// Minors (1 + partitions).
    pub minors: u32,
    /// Name (`sda`), at most 31 bytes.
    pub name: &'a str,
    /// Removable medium: media-change events, polled by `check_events`.
    pub removable: bool,
}

/// A gendisk on the request queue of a SCSI device, with driver data `T`.
/// Deleted (if added) and put on drop; it must not outlive its device's
/// attachment (keep it in the per-device data that `remove` drops).
pub struct Disk<T: DiskOps> {
    gd: NonNull<bindings::gendisk>,
    parent: NonNull<bindings::device>,
    data: *const T,
    added: AtomicBool,
    deleted: AtomicBool,
}

// SAFETY: the gendisk calls used are allowed from any process context; the
// data is `Send + Sync`.
unsafe impl<T: DiskOps> Send for Disk<T> {}
// SAFETY: `&self` methods only make block-layer calls that serialise
// internally, or read the data (`Sync`).
unsafe impl<T: DiskOps> Sync for Disk<T> {}

/// Lock class of the disks' I/O completion (one per module, like the
/// `blk_mq_alloc_disk` macro's).
struct DiskLockClass(Opaque<bindings::lock_class_key>);
// SAFETY: lockdep keys are used concurrently by design.
unsafe impl Sync for DiskLockClass {}
static DISK_LOCK_CLASS: DiskLockClass = DiskLockClass(Opaque::uninit());

impl<T: DiskOps> Disk<T> {
    /// Allocates a gendisk for the request queue of `sdev`, not yet added;
    /// its operations are `fops` and its data `data`.
    pub fn new(
        sdev: &scsi_rs::Device,
        fops: &'static DiskFops<T>,
        data: Arc<T>,
        cfg: &DiskConfig<'_>,
    ) -> Result<Self> {
        let info = sdev.info()?;
        let name = cfg.name.as_bytes();
        if name.is_empty() || name.len() >= DISK_NAME_LEN || cfg.minors == 0 {
            return Err(EINVAL);
        }
        let parent = NonNull::new(info.dev).ok_or(ENODEV)?;
        if info.queue.is_null() {
            return Err(ENODEV);
        }
        // SAFETY: the core keeps the device's queue alive while the driver
        // is attached; the gendisk takes its own queue reference. The lock
        // class key is static, as lockdep requires.
        let gd =
            unsafe { bindings::blk_mq_alloc_disk_for_queue(info.queue, DISK_LOCK_CLASS.0.get()) };
        let gd = NonNull::new(gd).ok_or(ENOMEM)?;
        // SAFETY: the device is live (attached); the reference keeps it
        // allocated for `add` and is dropped in `drop`.
        unsafe { bindings::get_device(parent.as_ptr()) };
        let data = Arc::into_raw(data);
        // SAFETY: `gd` is a fresh gendisk that nothing else uses yet.
        let d = unsafe { &mut *gd.as_ptr() };
        d.major = cfg.major as c_int;
        d.first_minor = cfg.first_minor as c_int;
        d.minors = cfg.minors as c_int;
        d.disk_name = [0; DISK_NAME_LEN];
        for (dst, &src) in d.disk_name.iter_mut().zip(name) {
            *dst = src;
        }
        d.fops = &fops.fops;
        d.private_data = data.cast_mut().cast();
        if cfg.removable {
            d.flags |= bindings::GENHD_FL_REMOVABLE as c_int;
            d.events |= bindings::DISK_EVENT_MEDIA_CHANGE as u16;
            d.event_flags =
                (bindings::DISK_EVENT_FLAG_POLL | bindings::DISK_EVENT_FLAG_UEVENT) as u16;
        }
        Ok(Self {
            gd,
            parent,
            data,
            added: AtomicBool::new(false),
            deleted: AtomicBool::new(false),
        })
    }

    /// Adds the disk (and scans its partitions) as a child of the SCSI
    /// device: `/dev/NAME` appears.
    pub fn add(&self) -> Result {
        if self.added.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        // SAFETY: allocated in `new`, not added yet; the parent is
        // referenced.
        to_result(unsafe {
            bindings::device_add_disk(
                self.parent.as_ptr(),
                self.gd.as_ptr(),
                core::ptr::null_mut(),
            )
        })
        .inspect_err(|_| self.added.store(false, Ordering::Release))
    }

    /// Deletes the added disk: the node goes away, dirty data is written
    /// back and no new open succeeds. Nodes still open keep working on the
    /// data until closed. Idempotent; `drop` does it too.
    pub fn del(&self) {
        if self.added.load(Ordering::Acquire) && !self.deleted.swap(true, Ordering::AcqRel) {
            // SAFETY: added and not yet deleted (the flag makes this once).
            unsafe { bindings::del_gendisk(self.gd.as_ptr()) };
        }
    }

    /// The driver data.
    pub fn data(&self) -> &T {
        // SAFETY: the disk holds a reference until `drop`.
        unsafe { &*self.data }
    }

    /// Another reference of the driver data.
    pub fn data_arc(&self) -> Arc<T> {
        // SAFETY: from `Arc::into_raw`; the disk's reference is held while
        // the borrow exists.
        unsafe { ArcBorrow::from_raw(self.data) }.into()
    }
}

impl<T: DiskOps> core::ops::Deref for Disk<T> {
    type Target = GenDisk;

    fn deref(&self) -> &GenDisk {
        // SAFETY: the disk is referenced until `drop`.
        unsafe { GenDisk::from_raw(self.gd.as_ptr()) }
    }
}

impl<T: DiskOps> Drop for Disk<T> {
    fn drop(&mut self) {
        self.del();
        // SAFETY: the reference from `blk_mq_alloc_disk_for_queue`; open
        // nodes keep their own until released.
        unsafe { bindings::put_disk(self.gd.as_ptr()) };
        // SAFETY: the reference taken in `new`.
        unsafe { bindings::put_device(self.parent.as_ptr()) };
        // SAFETY: the disk's data reference from `new`. After `del_gendisk`
        // (or without `add`) no open or event can start; open nodes hold
        // their own references.
        drop(unsafe { Arc::from_raw(self.data) });
    }
}
