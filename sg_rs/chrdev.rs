// SPDX-License-Identifier: GPL-2.0

//! The sg character devices (binding layer over glue.c).
//!
//! [`Registration`] takes the sg region of major 21 and the
//! `scsi_generic` class with the file operations of a type `T: File`; a
//! [`Node`] is one `sgN` device below a SCSI device, holding an `Arc` of
//! the driver's per-device data until the node is gone and no file uses
//! it. [`WaitQueue`] is a wait queue for blocking reads, `SG_IO` and poll.
//! All of sg_rs's `unsafe` code is here.

use core::marker::PhantomData;
use kernel::bindings;
use kernel::error::to_result;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::Opaque;

use crate::chrdev_util::{
    borrow_arc, drop_arc, file, ioctl_ret, len_or_errno, GlueNode, GlueRegistration,
};

#[repr(C)]
struct Ops {
    open: unsafe extern "C" fn(*mut c_void, c_uint, c_uint, *mut *mut c_void) -> c_int,
    release: unsafe extern "C" fn(*mut c_void),
    read: unsafe extern "C" fn(*mut c_void, c_uint, *mut c_char, usize) -> isize,
    write: unsafe extern "C" fn(*mut c_void, c_uint, *const c_char, usize) -> isize,
    poll: unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void) -> c_uint,
    ioctl: unsafe extern "C" fn(*mut c_void, c_uint, c_uint, c_ulong) -> c_long,
    drop_data: unsafe extern "C" fn(*mut c_void),
}

// Pointers to kernel structures as `void *`: bindgen's renderings of them
// are not FFI-safe.
extern "C" {
    fn sg_rs_chrdev_register(ops: *const Ops) -> c_int;
    fn sg_rs_chrdev_unregister();
    fn sg_rs_node_add(parent: *mut c_void, data: *mut c_void, index: *mut c_int) -> *mut c_void;
    fn sg_rs_node_del(node: *mut c_void);
    fn sg_rs_waitq_init(wq: *mut c_void);
    fn sg_rs_waitq_wake(wq: *mut c_void);
    fn sg_rs_waitq_wait(
        wq: *mut c_void,
        cond: unsafe extern "C" fn(*const c_void) -> bool,
        ctx: *const c_void,
    ) -> c_int;
    fn sg_rs_poll_wait(file: *mut c_void, wq: *mut c_void, pt: *mut c_void);
}

/// How a file was opened.
#[derive(Clone, Copy)]
pub(crate) struct OpenFlags {
    /// `f_flags` (`O_*`).
    pub(crate) flags: u32,
    /// Opened for reading (`FMODE_READ`).
    pub(crate) read: bool,
    /// Opened for writing (`FMODE_WRITE`).
    pub(crate) write: bool,
}

/// `f_flags` bits the driver looks at.
pub(crate) mod oflags {
    use kernel::bindings;
    /// Access mode mask.
    pub(crate) const ACCMODE: u32 = bindings::O_ACCMODE;
    /// Read-write access.
    pub(crate) const RDWR: u32 = bindings::O_RDWR;
    /// Read-only access.
    pub(crate) const RDONLY: u32 = bindings::O_RDONLY;
    /// Non-blocking.
    pub(crate) const NONBLOCK: u32 = bindings::O_NONBLOCK;
    /// Exclusive.
    pub(crate) const EXCL: u32 = bindings::O_EXCL;
}

/// `poll` answers (checked in glue.c).
pub(crate) mod pollmask {
    /// Readable: POLLIN | POLLRDNORM.
    pub(crate) const IN: u32 = 0x1 | 0x40;
    /// Writable: POLLOUT | POLLWRNORM.
    pub(crate) const OUT: u32 = 0x4 | 0x100;
    /// Hung up: POLLHUP.
    pub(crate) const HUP: u32 = 0x10;
}

/// `f_mode` bits (checked in glue.c).
const FMODE_READ: u32 = 0x1;
const FMODE_WRITE: u32 = 0x2;

/// A poll table of a `poll` call.
pub(crate) struct PollTable {
    file: *mut c_void,
    pt: *mut c_void,
}

impl PollTable {
    /// Registers `wq` for the caller's poll.
    pub(crate) fn wait(&self, wq: &WaitQueue) {
        // SAFETY: `file` and `pt` come from the running poll call; `wq`
        // is pinned inside an `Arc` that the file holds longer than poll
        // waiters stay registered (until the file is released).
        unsafe { sg_rs_poll_wait(self.file, wq.raw(), self.pt) };
    }
}

/// The per-file side of the driver.
pub(crate) trait File: Sized + Send + Sync + 'static {
    /// The driver's data for one node.
    type Dev: Send + Sync;
    /// A file of the node with `dev` is opened.
    fn open(dev: &Arc<Self::Dev>, how: OpenFlags) -> Result<Pin<KBox<Self>>>;
    /// `read(2)` into the user address `buf`.
    fn read(&self, flags: u32, buf: c_ulong, count: usize) -> Result<usize>;
    /// `write(2)` from the user address `buf`.
    fn write(&self, flags: u32, buf: c_ulong, count: usize) -> Result<usize>;
    /// `poll(2)`: the ready mask ([`pollmask`]).
    fn poll(&self, pt: &PollTable) -> u32;
    /// `ioctl(2)`.
    fn ioctl(&self, flags: u32, cmd: u32, arg: c_ulong) -> Result<c_int>;
}

/// # Safety
///
/// `data` is a node's `Arc<T::Dev>` (from `Node::add`), alive while the
/// node's device is, which the glue holds for the call; `out` writable.
unsafe extern "C" fn open_tramp<T: File>(
    data: *mut c_void,
    f_flags: c_uint,
    f_mode: c_uint,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: by the contract: borrow the node's reference without taking
    // it over.
    let dev = unsafe { borrow_arc::<T::Dev>(data) };
    let how = OpenFlags {
        flags: f_flags,
        read: f_mode & FMODE_READ != 0,
        write: f_mode & FMODE_WRITE != 0,
    };
    match T::open(&dev, how) {
        Ok(f) => {
            // SAFETY: writable by the contract; the box is never moved
            // out of (`release_tramp` drops it in place).
            unsafe { *out = KBox::into_raw(Pin::into_inner_unchecked(f)).cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `p` is a file's data from `open_tramp`, given back once.
unsafe extern "C" fn release_tramp<T: File>(p: *mut c_void) {
    // SAFETY: by the contract; dropped where it was pinned.
    drop(unsafe { Pin::new_unchecked(KBox::from_raw(p.cast::<T>())) });
}

/// # Safety
///
/// `p` is an open file's data; in the caller's context.
unsafe extern "C" fn read_tramp<T: File>(
    p: *mut c_void,
    fl: c_uint,
    b: *mut c_char,
    n: usize,
) -> isize {
    // SAFETY: by the contract.
    len_or_errno(unsafe { file::<T>(p) }.read(fl, b as c_ulong, n))
}

/// # Safety
///
/// As for `read_tramp`.
unsafe extern "C" fn write_tramp<T: File>(
    p: *mut c_void,
    fl: c_uint,
    b: *const c_char,
    n: usize,
) -> isize {
    // SAFETY: by the contract.
    len_or_errno(unsafe { file::<T>(p) }.write(fl, b as c_ulong, n))
}

/// # Safety
///
/// As for `read_tramp`; `f` and `pt` are the poll call's.
unsafe extern "C" fn poll_tramp<T: File>(
    p: *mut c_void,
    f: *mut c_void,
    pt: *mut c_void,
) -> c_uint {
    // SAFETY: by the contract.
    unsafe { file::<T>(p) }.poll(&PollTable { file: f, pt })
}

/// # Safety
///
/// As for `read_tramp`.
unsafe extern "C" fn ioctl_tramp<T: File>(
    p: *mut c_void,
    fl: c_uint,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: by the contract.
    ioctl_ret(unsafe { file::<T>(p) }.ioctl(fl, cmd, arg))
}

/// The sg region and class, with `T`'s file operations.
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
        poll: poll_tramp::<T>,
        ioctl: ioctl_tramp::<T>,
        drop_data: drop_arc::<T::Dev>,
    };

    /// Registers; one registration per module.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            // SAFETY: the glue's pair, once per module (the module's only
            // `Registration`); `OPS` is a promoted constant.
            _reg: unsafe {
                GlueRegistration::new(sg_rs_chrdev_register, sg_rs_chrdev_unregister, &Self::OPS)
            }?,
            _p: PhantomData,
        })
    }
}

/// One `sgN` node.
pub(crate) struct Node(GlueNode);

impl Node {
    /// Adds a node below `parent` (a SCSI device) whose files get `dev`.
    pub(crate) fn add<T: File>(
        _reg: &Registration<T>,
        parent: *mut bindings::device,
        dev: Arc<T::Dev>,
    ) -> Result<Self> {
        // SAFETY: the glue's node pair; `_reg` proves the region is
        // registered with `drop_arc::<T::Dev>`; `parent` is a live device.
        let node = unsafe { GlueNode::add(sg_rs_node_add, sg_rs_node_del, parent.cast(), dev) }?;
        Ok(Self(node))
    }

    /// N of `sgN`.
    pub(crate) fn index(&self) -> u32 {
        self.0.index()
    }
}

/// A wait queue; pinned in place (inside an `Arc`).
#[pin_data]
pub(crate) struct WaitQueue {
    #[pin]
    wq: Opaque<bindings::wait_queue_head>,
}

// SAFETY: wait queue heads are used from any context with their own lock.
unsafe impl Send for WaitQueue {}
// SAFETY: as above.
unsafe impl Sync for WaitQueue {}

impl WaitQueue {
    /// An initialiser.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: initialises the head in place.
            wq <- Opaque::ffi_init(|p: *mut bindings::wait_queue_head| unsafe {
                sg_rs_waitq_init(p.cast())
            }),
        })
    }

    fn raw(&self) -> *mut c_void {
        self.wq.get().cast()
    }

    /// Wakes every waiter. Any context.
    pub(crate) fn wake_all(&self) {
        // SAFETY: an initialised head.
        unsafe { sg_rs_waitq_wake(self.raw()) };
    }

    /// Sleeps until `cond` holds; `ERESTARTSYS` on a signal.
    pub(crate) fn wait<F: Fn() -> bool>(&self, cond: F) -> Result {
        /// # Safety
        ///
        /// `ctx` is the `F` of the running `wait`.
        unsafe extern "C" fn tramp<F: Fn() -> bool>(ctx: *const c_void) -> bool {
            // SAFETY: by the contract.
            unsafe { (*ctx.cast::<F>())() }
        }
        // SAFETY: an initialised head; `cond` outlives the call.
        to_result(unsafe { sg_rs_waitq_wait(self.raw(), tramp::<F>, (&cond as *const F).cast()) })
    }
}
