// SPDX-License-Identifier: GPL-2.0

//! The tape character devices (binding layer over glue.c).
//!
//! [`Registration`] takes major 9 (`st`) and the `scsi_tape` class with
//! the file operations of a type `T: File`; a [`Tape`] is one drive's
//! eight nodes (`stN`, `stNl`, `stNm`, `stNa` and the `nst` no-rewind
//! ones) below a SCSI device, holding an `Arc` of the driver's data until
//! the nodes are gone and no file uses them. All of st_rs's `unsafe` code
//! is here.

use core::marker::PhantomData;
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

use crate::chrdev_util::{
    borrow_arc, drop_arc, file, ioctl_ret, len_or_errno, GlueNode, GlueRegistration,
};
use kernel::prelude::*;
use kernel::sync::Arc;

#[repr(C)]
struct Ops {
    open:
        unsafe extern "C" fn(*mut c_void, c_uint, bool, c_uint, c_uint, *mut *mut c_void) -> c_int,
    release: unsafe extern "C" fn(*mut c_void),
    read: unsafe extern "C" fn(*mut c_void, *mut c_char, usize) -> isize,
    write: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> isize,
    ioctl: unsafe extern "C" fn(*mut c_void, c_uint, c_ulong) -> c_long,
    drop_data: unsafe extern "C" fn(*mut c_void),
}

extern "C" {
    fn st_rs_chrdev_register(ops: *const Ops) -> c_int;
    fn st_rs_chrdev_unregister();
    fn st_rs_tape_add(parent: *mut c_void, data: *mut c_void, index: *mut c_int) -> *mut c_void;
    fn st_rs_tape_del(tape: *mut c_void);
}

/// How a node was opened.
#[derive(Clone, Copy)]
pub(crate) struct OpenHow {
    /// A no-rewind node (`nstN...`).
    pub(crate) no_rewind: bool,
    /// `f_flags` (`O_*`).
    pub(crate) flags: u32,
    /// Opened for reading.
    pub(crate) read: bool,
    /// Opened for writing.
    pub(crate) write: bool,
}

/// `f_flags` bits the driver looks at.
pub(crate) mod oflags {
    use kernel::bindings;
    /// Non-blocking.
    pub(crate) const NONBLOCK: u32 = bindings::O_NONBLOCK;
}

/// `f_mode` bits.
const FMODE_READ: u32 = 0x1;
const FMODE_WRITE: u32 = 0x2;

/// The per-file side of the driver.
pub(crate) trait File: Sized + Send + Sync + 'static {
    /// The driver's data for one drive.
    type Dev: Send + Sync;
    /// A node of the drive with `dev` is opened.
    fn open(dev: &Arc<Self::Dev>, how: OpenHow) -> Result<KBox<Self>>;
    /// `read(2)` into the user address `buf`.
    fn read(&self, buf: c_ulong, count: usize) -> Result<usize>;
    /// `write(2)` from the user address `buf`.
    fn write(&self, buf: c_ulong, count: usize) -> Result<usize>;
    /// `ioctl(2)`.
    fn ioctl(&self, cmd: u32, arg: c_ulong) -> Result<c_int>;
}

/// # Safety
///
/// `data` is a drive's `Arc<T::Dev>` (from `Tape::add`), alive while the
/// glue holds the drive for the call; `out` writable.
unsafe extern "C" fn open_tramp<T: File>(
    data: *mut c_void,
    mode: c_uint,
    no_rewind: bool,
    f_flags: c_uint,
    f_mode: c_uint,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: by the contract: borrow the drive's reference.
    let dev = unsafe { borrow_arc::<T::Dev>(data) };
    // The mode (`stN`, `stNl`, `stNm`, `stNa`) does not change anything:
    // every mode has mode 0's settings.
    let _ = mode;
    let how = OpenHow {
        no_rewind,
        flags: f_flags,
        read: f_mode & FMODE_READ != 0,
        write: f_mode & FMODE_WRITE != 0,
    };
    match T::open(&dev, how) {
        Ok(f) => {
            // SAFETY: writable by the contract.
            unsafe { *out = KBox::into_raw(f).cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `p` is a file's data from `open_tramp`, given back once.
unsafe extern "C" fn release_tramp<T: File>(p: *mut c_void) {
    // SAFETY: by the contract.
    drop(unsafe { KBox::from_raw(p.cast::<T>()) });
}

/// # Safety
///
/// `p` is an open file's data; in the caller's context.
unsafe extern "C" fn read_tramp<T: File>(p: *mut c_void, b: *mut c_char, n: usize) -> isize {
    // SAFETY: by the contract.
    len_or_errno(unsafe { file::<T>(p) }.read(b as c_ulong, n))
}

/// # Safety
///
/// As for `read_tramp`.
unsafe extern "C" fn write_tramp<T: File>(p: *mut c_void, b: *const c_char, n: usize) -> isize {
    // SAFETY: by the contract.
    len_or_errno(unsafe { file::<T>(p) }.write(b as c_ulong, n))
}

/// # Safety
///
/// As for `read_tramp`.
unsafe extern "C" fn ioctl_tramp<T: File>(p: *mut c_void, cmd: c_uint, arg: c_ulong) -> c_long {
    // SAFETY: by the contract.
    ioctl_ret(unsafe { file::<T>(p) }.ioctl(cmd, arg))
}

/// Major 9 and the `scsi_tape` class, with `T`'s file operations.
pub(crate) struct Registration<T: File> {
    _reg: GlueRegistration,
    _p: PhantomData<T>,
}

impl<T: File> Registration<T> {
    const OPS: Ops = Ops {
        open: open_tramp::<T>,
        release: release_tramp::<T>,
        read: read_tramp::<T>,
        write: write_tramp::<T>,
        ioctl: ioctl_tramp::<T>,
        drop_data: drop_arc::<T::Dev>,
    };

    /// Registers; one registration per module.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            // SAFETY: the glue's pair, once per module (the module's only
            // `Registration`); `OPS` is a promoted constant.
            _reg: unsafe {
                GlueRegistration::new(st_rs_chrdev_register, st_rs_chrdev_unregister, &Self::OPS)
            }?,
            _p: PhantomData,
        })
    }
}

/// One drive's nodes.
pub(crate) struct Tape(GlueNode);

impl Tape {
    /// Adds the nodes below `parent` (a SCSI device) whose files get `dev`.
    pub(crate) fn add<T: File>(
        _reg: &Registration<T>,
        parent: *mut bindings::device,
        dev: Arc<T::Dev>,
    ) -> Result<Self> {
        // SAFETY: the glue's tape pair; `_reg` proves the region is
        // registered with `drop_arc::<T::Dev>`; `parent` is a live device.
        let node = unsafe { GlueNode::add(st_rs_tape_add, st_rs_tape_del, parent.cast(), dev) }?;
        Ok(Self(node))
    }

    /// N of `stN`.
    pub(crate) fn index(&self) -> u32 {
        self.0.index()
    }
}
