// SPDX-License-Identifier: GPL-2.0

//! The kernel's uniform CD-ROM layer (binding layer over glue.c).
//!
//! A drive type `T: Drive` gives the layer its operations (drive status,
//! media events, tray, lock, last session, packet commands);
//! [`register_ops`] installs them once per module. A [`Cd`] is one drive
//! registered with the layer for a gendisk, through which the block-device
//! operations reach `cdrom_open`, `cdrom_release`, `cdrom_ioctl` and
//! `cdrom_check_events`. All of sr_mod_rs's `unsafe` code besides
//! rust/blk.rs is here.

use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::ffi::{c_int, c_uint, c_ulong, c_void};
use kernel::prelude::*;

use crate::blk::{GenDisk, OpenMode};

#[repr(C)]
struct Ops {
    drive_status: unsafe extern "C" fn(*mut c_void) -> c_int,
    check_events: unsafe extern "C" fn(*mut c_void, c_uint) -> c_uint,
    tray_move: unsafe extern "C" fn(*mut c_void, c_int) -> c_int,
    lock_door: unsafe extern "C" fn(*mut c_void, c_int) -> c_int,
    last_session: unsafe extern "C" fn(*mut c_void, *mut u32) -> c_int,
    packet: unsafe extern "C" fn(
        *mut c_void,
        *const u8,
        *mut c_void,
        u32,
        c_int,
        u32,
        *mut u8,
        *mut u32,
    ) -> c_int,
    toc: unsafe extern "C" fn(*mut c_void, u8, bool, *mut u8) -> c_int,
}

// Kernel structures as `void *`: bindgen's renderings are not FFI-safe.
extern "C" {
    fn sr_rs_set_ops(ops: *const Ops);
    fn sr_rs_cdrom_register(disk: *mut c_void, data: *mut c_void, mask: c_int) -> *mut c_void;
    fn sr_rs_cdrom_unregister(cd: *mut c_void);
    fn sr_rs_cdrom_open(cd: *mut c_void, mode: c_uint) -> c_int;
    fn sr_rs_cdrom_release(cd: *mut c_void);
    fn sr_rs_cdrom_ioctl(cd: *mut c_void, cmd: c_uint, arg: c_ulong) -> c_int;
    fn sr_rs_cdrom_check_events(cd: *mut c_void, clearing: c_uint) -> c_uint;
}

/// What `drive_status` reports (`CDS_*`, checked in glue.c).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Status {
    NoDisc = 1,
    TrayOpen = 2,
    NotReady = 3,
    DiscOk = 4,
}

/// Direction of a packet command's data (`CGC_DATA_*`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PacketDir {
    Unknown,
    Write,
    Read,
    None,
}

/// Capabilities a drive lacks (`CDC_*` bits for the mask).
pub(crate) mod cdc {
    pub(crate) const CLOSE_TRAY: i32 = 0x1;
    pub(crate) const OPEN_TRAY: i32 = 0x2;
    pub(crate) const LOCK: i32 = 0x4;
    pub(crate) const SELECT_SPEED: i32 = 0x8;
    pub(crate) const SELECT_DISC: i32 = 0x10;
    pub(crate) const CD_R: i32 = 0x2000;
    pub(crate) const CD_RW: i32 = 0x4000;
    pub(crate) const DVD: i32 = 0x8000;
    pub(crate) const DVD_R: i32 = 0x10000;
    pub(crate) const DVD_RAM: i32 = 0x20000;
    pub(crate) const MRW: i32 = 0x80000;
    pub(crate) const MRW_W: i32 = 0x100000;
    pub(crate) const RAM: i32 = 0x200000;
}

/// A drive's operations for the CD-ROM layer.
pub(crate) trait Drive: Send + Sync + Sized + 'static {
    /// Disc, tray and readiness.
    fn drive_status(&self) -> Status;
    /// Media events (`blk::events`) since the last call.
    fn check_events(&self, clearing: u32) -> u32;
    /// Opens (`true`) or closes the tray.
    fn tray_move(&self, open: bool) -> Result;
    /// Locks or unlocks the tray.
    fn lock_door(&self, lock: bool) -> Result;
    /// Start of the last session (for multisession discs).
    fn last_session(&self) -> Result<u32>;
    /// READ TOC (format 0) of `track` (0: the first; 0xAA: the lead-out),
    /// addresses as MSF when `msf`: the header and that track's descriptor.
    fn toc(&self, track: u8, msf: bool) -> Result<[u8; 12]>;
    /// A packet command from the layer; the sense data goes to `sense`,
    /// its length is returned with the result.
    fn packet(
        &self,
        cdb: &[u8; 12],
        buf: &mut [u8],
        dir: PacketDir,
        timeout_ms: u32,
        sense: &mut [u8; 96],
    ) -> (Result, usize);
}

/// # Safety
///
/// `data` is the `T` a [`Cd`] was registered with, alive while the drive
/// is registered (the layer calls only then).
unsafe fn drive<'a, T: Drive>(data: *mut c_void) -> &'a T {
    // SAFETY: by the contract.
    unsafe { &*data.cast::<T>() }
}

fn errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// See `drive`.
unsafe extern "C" fn drive_status_tramp<T: Drive>(data: *mut c_void) -> c_int {
    // SAFETY: by the contract.
    unsafe { drive::<T>(data) }.drive_status() as c_int
}

/// # Safety
///
/// See `drive`.
unsafe extern "C" fn check_events_tramp<T: Drive>(data: *mut c_void, clearing: c_uint) -> c_uint {
    // SAFETY: by the contract.
    unsafe { drive::<T>(data) }.check_events(clearing)
}

/// # Safety
///
/// See `drive`.
unsafe extern "C" fn tray_move_tramp<T: Drive>(data: *mut c_void, open: c_int) -> c_int {
    // SAFETY: by the contract.
    errno(unsafe { drive::<T>(data) }.tray_move(open != 0))
}

/// # Safety
///
/// See `drive`.
unsafe extern "C" fn lock_door_tramp<T: Drive>(data: *mut c_void, lock: c_int) -> c_int {
    // SAFETY: by the contract.
    errno(unsafe { drive::<T>(data) }.lock_door(lock != 0))
}

/// # Safety
///
/// See `drive`; `lba` is writable.
unsafe extern "C" fn last_session_tramp<T: Drive>(data: *mut c_void, lba: *mut u32) -> c_int {
    // SAFETY: by the contract.
    match unsafe { drive::<T>(data) }.last_session() {
        Ok(v) => {
            // SAFETY: writable by the contract.
            unsafe { *lba = v };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// See `drive`; `cdb` is 12 readable bytes, `buf` `len` bytes of kernel
/// memory (or null with `len` 0) the layer does not touch during the call,
/// `sense` 96 writable bytes, `sense_len` writable.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn packet_tramp<T: Drive>(
    data: *mut c_void,
    cdb: *const u8,
    buf: *mut c_void,
    len: u32,
    dir: c_int,
    timeout_ms: u32,
    sense: *mut u8,
    sense_len: *mut u32,
) -> c_int {
    // SAFETY: by the contract.
    let (d, cdb, sense) = unsafe {
        (
            drive::<T>(data),
            &*cdb.cast::<[u8; 12]>(),
            &mut *sense.cast::<[u8; 96]>(),
        )
    };
    let buf: &mut [u8] = if buf.is_null() || len == 0 {
        &mut []
    } else {
        // SAFETY: by the contract.
        unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), len as usize) }
    };
    let dir = match dir {
        1 => PacketDir::Write,
        2 => PacketDir::Read,
        3 => PacketDir::None,
        _ => PacketDir::Unknown,
    };
    let (r, n) = d.packet(cdb, buf, dir, timeout_ms, sense);
    // SAFETY: writable by the contract.
    unsafe { *sense_len = n.min(96) as u32 };
    errno(r)
}

/// # Safety
///
/// See `drive`; `out` is 12 writable bytes.
unsafe extern "C" fn toc_tramp<T: Drive>(
    data: *mut c_void,
    track: u8,
    msf: bool,
    out: *mut u8,
) -> c_int {
    // SAFETY: by the contract.
    match unsafe { drive::<T>(data) }.toc(track, msf) {
        Ok(b) => {
            // SAFETY: 12 writable bytes by the contract.
            unsafe { out.cast::<[u8; 12]>().write(b) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

struct OpsOf<T>(core::marker::PhantomData<T>);

impl<T: Drive> OpsOf<T> {
    const OPS: Ops = Ops {
        drive_status: drive_status_tramp::<T>,
        check_events: check_events_tramp::<T>,
        tray_move: tray_move_tramp::<T>,
        lock_door: lock_door_tramp::<T>,
        last_session: last_session_tramp::<T>,
        packet: packet_tramp::<T>,
        toc: toc_tramp::<T>,
    };
}

/// Installs `T`'s operations; before the first [`Cd::register`].
pub(crate) fn register_ops<T: Drive>() {
    // SAFETY: `OPS` is a promoted constant with static lifetime.
    unsafe { sr_rs_set_ops(&OpsOf::<T>::OPS) };
}

/// A drive registered with the CD-ROM layer; unregistered on drop.
pub(crate) struct Cd {
    raw: NonNull<c_void>,
}

// SAFETY: the layer's entry points serialise internally (its mutex and the
// disk's open mutex); the handle is only passed to them.
unsafe impl Send for Cd {}
// SAFETY: as above.
unsafe impl Sync for Cd {}

impl Cd {
    /// Registers the drive of `disk` (not added yet) whose operations get
    /// `data`; `mask` has the [`cdc`] bits of what it lacks.
    ///
    /// # Safety
    ///
    /// `data` outlives the returned `Cd`.
    pub(crate) unsafe fn register<T: Drive>(disk: &GenDisk, data: &T, mask: i32) -> Result<Self> {
        // SAFETY: a live gendisk; `data` outlives the registration by the
        // contract.
        let raw = unsafe {
            sr_rs_cdrom_register(
                disk.as_raw().cast(),
                (data as *const T).cast_mut().cast(),
                mask,
            )
        };
        if raw.is_null() || (raw as usize) >= (-4095isize) as usize {
            return Err(if raw.is_null() {
                ENOMEM
            } else {
                Error::from_errno(raw as isize as c_int)
            });
        }
        Ok(Self {
            // SAFETY: checked above.
            raw: unsafe { NonNull::new_unchecked(raw) },
        })
    }

    /// `cdrom_open` for a block-device open.
    pub(crate) fn open(&self, mode: OpenMode) -> Result {
        // SAFETY: a registered drive; called from the disk's open.
        to_result(unsafe { sr_rs_cdrom_open(self.raw.as_ptr(), mode.to_raw()) })
    }

    /// `cdrom_release`, for each successful `open`.
    pub(crate) fn release(&self) {
        // SAFETY: a registered drive.
        unsafe { sr_rs_cdrom_release(self.raw.as_ptr()) };
    }

    /// `cdrom_ioctl`; `ENOSYS` for what the layer does not handle.
    pub(crate) fn ioctl(&self, cmd: u32, arg: c_ulong) -> Result<c_int> {
        // SAFETY: a registered drive; in the caller's context.
        let r = unsafe { sr_rs_cdrom_ioctl(self.raw.as_ptr(), cmd, arg) };
        to_result(r).map(|()| r)
    }

    /// `cdrom_check_events`.
    pub(crate) fn check_events(&self, clearing: u32) -> u32 {
        // SAFETY: a registered drive.
        unsafe { sr_rs_cdrom_check_events(self.raw.as_ptr(), clearing) }
    }
}

impl Drop for Cd {
    fn drop(&mut self) {
        // SAFETY: registered in `register`, unregistered once.
        unsafe { sr_rs_cdrom_unregister(self.raw.as_ptr()) };
    }
}
