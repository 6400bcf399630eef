// SPDX-License-Identifier: GPL-2.0

//! The binding part of virtio_scsi_rs: every `unsafe` of the driver is here.
//!
//! It wraps the C binding layer (`glue.c`, bindgen'd from `glue.h`) and the
//! exported virtqueue functions in types whose methods are safe to call:
//!
//! - [`VDev`]: the bound `virtio_device` (valid from probe until remove).
//! - [`Vq`]: one virtqueue with its spinlock (taken with interrupts off, as
//!   the completion callbacks run in hard interrupt context). Each kind of
//!   queue only ever carries one kind of token, which the type records:
//!   [`ReqVq`] tokens are commands ([`Cmd::into_raw`]), [`CtrlVq`] tokens are
//!   task-management requests (an `Arc<Tmf>` reference the device holds) and
//!   [`EventVq`] tokens are its own event buffers.
//! - The C entry points (probe, remove, virtqueue callback) and the global
//!   pointer to the host driver registration that probe needs.
//!
//! Lifetime of the virtqueues: they are created in probe before the
//! [`Adapter`] that owns the [`Vq`]s and deleted by [`teardown`], which takes
//! the last reference to the adapter, so no [`Vq`] outlives its virtqueue.
//! `vdev->priv` holds one reference to the adapter (an `Arc::into_raw`) for
//! the callbacks; it is withdrawn before the final device reset, which waits
//! for callbacks that are running.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::bindings;
use kernel::error::to_result;
use kernel::ffi::{c_int, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};
use kernel::time::msecs_to_jiffies;
use kernel::types::Opaque;
use kernel::workqueue::Work;

use crate::scsi_rs::{api, Cmd, Dir, Host, HostDriverRegistration, HostParams};
use crate::{Adapter, VirtioScsi};

/// Bindings of `glue.h`: glue functions, virtqueue functions and the
/// virtio-scsi protocol structures (`uapi/linux/virtio_scsi.h`).
#[allow(
    dead_code,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    unreachable_pub,
    improper_ctypes,
    unused_imports,
    unsafe_op_in_unsafe_fn,
    missing_docs,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
pub(crate) mod sys {
    include!(concat!(env!("RUST_MODFILE"), "_glue_generated.rs"));
}

pub(crate) use sys::{
    virtio_scsi_cmd_req, virtio_scsi_cmd_resp, virtio_scsi_ctrl_tmf_req, virtio_scsi_event,
    vscsi_glue_config as Config,
};

/// Virtqueue index of the control queue.
pub(crate) const VQ_CTRL: u32 = sys::VSCSI_GLUE_VQ_CTRL;
/// Virtqueue index of the event queue.
pub(crate) const VQ_EVENT: u32 = sys::VSCSI_GLUE_VQ_EVENT;
/// Virtqueue index of the first request queue.
pub(crate) const VQ_REQ: u32 = sys::VSCSI_GLUE_VQ_REQ;

/// Event buffers kept posted on the event queue.
pub(crate) const EVENT_BUFS: usize = 8;

/// Completions taken off a queue under its lock before they are handled
/// outside it.
const BATCH: usize = 16;

/// Number of possible CPU ids.
pub(crate) fn nr_cpu_ids() -> u32 {
    // SAFETY: reads a variable fixed at boot.
    unsafe { sys::vscsi_glue_nr_cpu_ids() }
}

/// Waits until a work item has finished running, if it is queued or runs.
pub(crate) fn flush_work<T>(w: &Work<T>) {
    // SAFETY: `w` is a live, initialised work item.
    unsafe { bindings::flush_work(Work::raw_get(w)) };
}

// ---------------------------------------------------------------------------
// Commands

/// The adapter's per-command area: the virtio request and response headers
/// (packed, alignment 1).
#[repr(C)]
pub(crate) struct CmdPriv {
    /// Request header, read by the device.
    pub(crate) req: virtio_scsi_cmd_req,
    /// Response header, written by the device.
    pub(crate) resp: virtio_scsi_cmd_resp,
}

/// `cmd_priv_size` of the host driver.
pub(crate) const CMD_PRIV_SIZE: u32 = size_of::<CmdPriv>() as u32;

/// The headers of a command the driver holds (not while the device has it).
pub(crate) fn cmd_priv(cmd: &mut Cmd) -> Option<&mut CmdPriv> {
    let p = cmd.lld_priv().cast::<CmdPriv>();
    if p.is_null() {
        return None;
    }
    // SAFETY: the core reserves `CMD_PRIV_SIZE` bytes per command for the
    // driver; `CmdPriv` has alignment 1 and any bit pattern is valid. The
    // driver holds the command (`&mut Cmd`), so neither the device (it only
    // touches the area between `submit` and the command's return from the
    // ring, when no `Cmd` exists) nor other code accesses it.
    Some(unsafe { &mut *p })
}

/// Channel, id and LUN of a command the core asks to abort, by its token.
pub(crate) fn token_address(token: *mut c_void) -> Option<(u32, u32, u64)> {
    let c = token.cast::<api::scsi_rs_cmd>();
    if c.is_null() {
        return None;
    }
    // SAFETY: the core passes `abort` a command it has queued to this host
    // and not got back; it lives in its request, which exists as long as the
    // host. The address fields are set by the core before queuecommand and
    // not written afterwards; they are read by value, without a reference
    // to the whole structure (whose result fields a completion may write).
    unsafe {
        Some((
            ptr::addr_of!((*c).channel).read(),
            ptr::addr_of!((*c).id).read(),
            ptr::addr_of!((*c).lun).read(),
        ))
    }
}

// ---------------------------------------------------------------------------
// The virtio device

/// The bound virtio device.
///
/// # Invariants
///
/// Points to a `virtio_device` this driver is bound to; only used between
/// probe and the return of remove (the adapter, which keeps a copy, is
/// freed in remove).
#[derive(Clone, Copy)]
pub(crate) struct VDev(NonNull<sys::virtio_device>);

// SAFETY: the virtio core's device functions may be called from any process
// context; the pointer itself is only a handle.
unsafe impl Send for VDev {}
// SAFETY: as above.
unsafe impl Sync for VDev {}

/// A virtqueue found in probe and not yet owned by a [`Vq`].
pub(crate) struct RawVq(NonNull<sys::virtqueue>);

/// The virtqueues of a device: control, event and the request queues.
pub(crate) struct Vqs {
    /// Control queue.
    pub(crate) ctrl: RawVq,
    /// Event queue.
    pub(crate) event: RawVq,
    /// Request queues.
    pub(crate) req: KVec<RawVq>,
}

impl Vqs {
    /// Builds what owns the queues with `f`; if it fails, the device is
    /// reset and the queues deleted.
    pub(crate) fn build<T>(self, vdev: VDev, f: impl FnOnce(Vqs) -> Result<T>) -> Result<T> {
        f(self).inspect_err(|_| {
            vdev.reset();
            // SAFETY: `f` consumed the `RawVq`s and failed: every `Vq` it
            // built from them has been dropped, so nothing uses the queues.
            unsafe { sys::vscsi_glue_del_vqs(vdev.ptr()) };
        })
    }
}

impl VDev {
    fn ptr(&self) -> *mut sys::virtio_device {
        self.0.as_ptr()
    }

    /// Maps CPUs to the request queues by the affinity of their interrupts,
    /// so that a queue's completions arrive on the CPUs that submit to it.
    pub(crate) fn map_queues(&self, map: &crate::scsi_rs::QueueMap) {
        // SAFETY: `map` is the map blk-mq is building for our host's tag
        // set; the device's request vectors start after the control and
        // event queues', as set up in `vscsi_glue_find_vqs`.
        unsafe { sys::vscsi_glue_map_queues(map.as_raw().cast(), self.ptr()) };
    }

    /// Whether the transport gives access to the configuration space.
    pub(crate) fn config_readable(&self) -> bool {
        // SAFETY: live device (type invariant).
        unsafe { sys::vscsi_glue_config_readable(self.ptr()) }
    }

    /// Reads the device configuration.
    pub(crate) fn read_config(&self) -> Config {
        let mut cfg = Config::default();
        // SAFETY: live device whose configuration is readable; `cfg` is
        // writable.
        unsafe { sys::vscsi_glue_read_config(self.ptr(), &mut cfg) };
        cfg
    }

    /// Writes the CDB and sense sizes the driver uses.
    pub(crate) fn write_sizes(&self, cdb_size: u32, sense_size: u32) {
        // SAFETY: live device; both fields are driver-writable.
        unsafe { sys::vscsi_glue_write_sizes(self.ptr(), cdb_size, sense_size) };
    }

    /// Whether a feature was negotiated.
    pub(crate) fn has_feature(&self, bit: u32) -> bool {
        // SAFETY: live device.
        unsafe { sys::vscsi_glue_has_feature(self.ptr(), bit) }
    }

    /// Whether the device's fields are little endian (else CPU order).
    pub(crate) fn is_little_endian(&self) -> bool {
        // SAFETY: live device.
        unsafe { sys::vscsi_glue_is_little_endian(self.ptr()) }
    }

    /// Sets DRIVER_OK: the device may use the queues from now on.
    pub(crate) fn ready(&self) {
        // SAFETY: live device with its queues set up.
        unsafe { sys::vscsi_glue_device_ready(self.ptr()) };
    }

    /// Resets the device: it stops using every buffer; waits for running
    /// virtqueue callbacks.
    pub(crate) fn reset(&self) {
        // SAFETY: live device.
        unsafe { sys::virtio_reset_device(self.ptr()) };
    }

    /// Finds the control, event and `nr_req` request queues.
    pub(crate) fn find_vqs(&self, nr_req: u32) -> Result<Vqs> {
        let n = nr_req as usize + VQ_REQ as usize;
        let mut raw: KVec<*mut sys::virtqueue> = KVec::with_capacity(n, GFP_KERNEL)?;
        let mut req = KVec::with_capacity(nr_req as usize, GFP_KERNEL)?;
        for _ in 0..n {
            raw.push(ptr::null_mut(), GFP_KERNEL)?;
        }
        // SAFETY: live device without virtqueues; `raw` has room for `n`.
        to_result(unsafe { sys::vscsi_glue_find_vqs(self.ptr(), nr_req, raw.as_mut_ptr()) })?;
        let mut it = raw.into_iter().map(NonNull::new);
        let ctrl = it.next().flatten();
        let event = it.next().flatten();
        let mut ok = ctrl.is_some() && event.is_some();
        for vq in it {
            match vq {
                // Cannot fail: the capacity is reserved.
                Some(vq) => ok &= req.push(RawVq(vq), GFP_KERNEL).is_ok(),
                None => ok = false,
            }
        }
        match (ctrl, event) {
            (Some(c), Some(e)) if ok => Ok(Vqs {
                ctrl: RawVq(c),
                event: RawVq(e),
                req,
            }),
            _ => {
                self.reset();
                // SAFETY: the queues were found above and nothing uses them.
                unsafe { sys::vscsi_glue_del_vqs(self.ptr()) };
                Err(EIO)
            }
        }
    }

    /// Publishes the adapter for the virtqueue callbacks (`vdev->priv`).
    pub(crate) fn publish(&self, a: &Arc<Adapter>) {
        let p = Arc::into_raw(a.clone());
        // SAFETY: live device; `priv` belongs to the bound driver. The
        // reference is taken back by `teardown`.
        unsafe { sys::vscsi_glue_set_priv(self.ptr(), p.cast_mut().cast()) };
    }

    /// The published adapter.
    pub(crate) fn adapter(&self) -> Option<Arc<Adapter>> {
        // SAFETY: live device.
        let p = unsafe { sys::vscsi_glue_get_priv(self.ptr()) };
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null `priv` is the reference `publish` leaked, which
        // stays until `teardown`; remove (our caller) runs before it.
        let a = unsafe { ArcBorrow::from_raw(p.cast::<Adapter>()) };
        Some(a.into())
    }

    /// Withdraws the published adapter reference.
    fn unpublish(&self) -> Option<Arc<Adapter>> {
        // SAFETY: live device.
        let p = unsafe { sys::vscsi_glue_get_priv(self.ptr()) };
        if p.is_null() {
            return None;
        }
        // SAFETY: live device.
        unsafe { sys::vscsi_glue_set_priv(self.ptr(), ptr::null_mut()) };
        // SAFETY: `p` is the reference `publish` leaked, taken back once
        // (priv is now null).
        Some(unsafe { Arc::from_raw(p.cast::<Adapter>()) })
    }

    /// Adds the SCSI host of the adapter, as a child of the virtio device.
    pub(crate) fn add_host(
        &self,
        reg: &HostDriverRegistration<VirtioScsi>,
        params: &HostParams,
        data: KBox<Arc<Adapter>>,
    ) -> Result<Host<VirtioScsi>> {
        // SAFETY: live device.
        let parent = unsafe { sys::vscsi_glue_dev(self.ptr()) };
        // SAFETY: the virtio device outlives the host: remove drops the
        // host before it returns.
        unsafe { Host::add(reg, parent, params, data) }
    }
}

/// Ends the adapter of a device: withdraws it from the callbacks, resets the
/// device (which also waits for callbacks that still saw it), releases what
/// is left on the queues, deletes them and frees the adapter. The host must
/// be gone and the event work stopped: `a` must be the last reference
/// besides the published one.
pub(crate) fn teardown(vdev: VDev, a: Arc<Adapter>) {
    drop(vdev.unpublish());
    vdev.reset();
    let Some(a) = Arc::into_unique_or_drop(a) else {
        // Somebody could still use the queues: leave them, leak the rest.
        pr_err!("adapter still referenced at removal; leaking its virtqueues\n");
        return;
    };
    a.ctrl.release_all();
    a.event.release_all();
    let stray: usize = a.req.iter().map(|q| q.release_all()).sum();
    if stray != 0 {
        pr_err!(
            "{} commands left on the request queues after the host was removed\n",
            stray
        );
    }
    // SAFETY: the device is reset, no callback sees the adapter, and this
    // is the only reference to the `Vq`s that use the queues; they are
    // dropped right after without being used.
    unsafe { sys::vscsi_glue_del_vqs(vdev.ptr()) };
    drop(a);
}

// ---------------------------------------------------------------------------
// Virtqueues

/// Request queue: tokens are commands.
pub(crate) struct Req;
/// Control queue: tokens are `Arc<Tmf>` references held by the device.
pub(crate) struct Ctrl;

/// A request queue.
pub(crate) type ReqVq = Vq<Req>;
/// The control queue.
pub(crate) type CtrlVq = Vq<Ctrl>;

/// A virtqueue with its lock and the state the lock protects.
///
/// # Invariants
///
/// `vq` is a live virtqueue of the device (see the module documentation),
/// used by no other `Vq`; `lock` is an initialised spinlock that serialises
/// all ring operations except `virtqueue_notify` and the read-only queries,
/// and guards `state`. Every token on the ring is of the kind `T` names.
#[pin_data]
pub(crate) struct Vq<T> {
    #[pin]
    lock: Opaque<bindings::spinlock_t>,
    vq: NonNull<sys::virtqueue>,
    state: UnsafeCell<T>,
}

// SAFETY: the virtqueue may be used from any CPU under the lock; `state` is
// only reached through the lock.
unsafe impl<T: Send> Send for Vq<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Vq<T> {}

/// A held queue lock (interrupts off on this CPU).
struct VqGuard<'a, T> {
    q: &'a Vq<T>,
    flags: c_ulong,
    // Released on the CPU that took it.
    _not_send: PhantomData<*mut ()>,
}

impl<T> Drop for VqGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: taken in `Vq::lock` with these flags, on this CPU.
        unsafe { sys::vscsi_glue_spin_unlock_irqrestore(self.q.lock.get(), self.flags) };
    }
}

impl<T> VqGuard<'_, T> {
    fn vq(&self) -> *mut sys::virtqueue {
        self.q.vq.as_ptr()
    }

    fn state(&mut self) -> &mut T {
        // SAFETY: the lock is held, so this is the only access.
        unsafe { &mut *self.q.state.get() }
    }

    /// The token of the next used buffer, or null.
    fn get_buf(&mut self) -> *mut c_void {
        let mut len: c_uint = 0;
        // SAFETY: live queue, lock held.
        unsafe { sys::virtqueue_get_buf(self.vq(), &mut len) }
    }

    /// The token of a buffer the device has not returned (after a reset).
    fn detach_unused(&mut self) -> *mut c_void {
        // SAFETY: live queue, lock held.
        unsafe { sys::virtqueue_detach_unused_buf(self.vq()) }
    }

    fn disable_cb(&mut self) {
        // SAFETY: live queue, lock held.
        unsafe { sys::virtqueue_disable_cb(self.vq()) };
    }

    /// Re-enables callbacks; false if buffers were used meanwhile.
    fn enable_cb(&mut self) -> bool {
        // SAFETY: live queue, lock held.
        unsafe { sys::virtqueue_enable_cb(self.vq()) }
    }

    /// Whether the device must be notified of new buffers.
    fn kick_prepare(&mut self) -> bool {
        // SAFETY: live queue, lock held.
        unsafe { sys::virtqueue_kick_prepare(self.vq()) }
    }

    /// Takes up to `BATCH` used tokens; true if the queue is drained and
    /// callbacks are enabled again.
    fn take_used(&mut self, out: &mut [*mut c_void; BATCH], n: &mut usize) -> bool {
        self.disable_cb();
        *n = 0;
        while *n < BATCH {
            let t = self.get_buf();
            if t.is_null() {
                return self.enable_cb();
            }
            out[*n] = t;
            *n += 1;
        }
        false
    }
}

impl<T> Vq<T> {
    fn with_state(raw: RawVq, state: T) -> impl PinInit<Self> {
        pin_init!(Self {
            lock <- Opaque::ffi_init(|p: *mut bindings::spinlock_t| {
                // SAFETY: `p` is the lock's memory, pinned, initialised once.
                unsafe { sys::vscsi_glue_spin_lock_init(p) }
            }),
            vq: raw.0,
            state: UnsafeCell::new(state),
        })
    }

    fn lock(&self) -> VqGuard<'_, T> {
        // SAFETY: initialised lock (type invariant).
        let flags = unsafe { sys::vscsi_glue_spin_lock_irqsave(self.lock.get()) };
        VqGuard {
            q: self,
            flags,
            _not_send: PhantomData,
        }
    }

    fn notify(&self) {
        // SAFETY: live queue; notifying needs no lock.
        unsafe { sys::virtqueue_notify(self.vq.as_ptr()) };
    }

    /// Number of descriptors of the ring.
    pub(crate) fn ring_size(&self) -> u32 {
        // SAFETY: live queue; a constant of the ring.
        unsafe { sys::virtqueue_get_vring_size(self.vq.as_ptr()) }
    }

    /// Whether the transport has declared the device broken (surprise
    /// removal): buffers are not used any more and callbacks do not run.
    pub(crate) fn is_broken(&self) -> bool {
        // SAFETY: live queue; reads a flag.
        unsafe { sys::virtqueue_is_broken(self.vq.as_ptr()) }
    }

    /// Calls `f` for every token still on the ring (after a reset).
    fn detach_each(&self, mut f: impl FnMut(*mut c_void)) {
        loop {
            let mut batch = [ptr::null_mut(); BATCH];
            let mut n = 0;
            {
                let mut g = self.lock();
                while n < BATCH {
                    let t = g.detach_unused();
                    if t.is_null() {
                        break;
                    }
                    batch[n] = t;
                    n += 1;
                }
            }
            batch[..n].iter().for_each(|&t| f(t));
            if n < BATCH {
                return;
            }
        }
    }

    /// Calls `f` for every used token, outside the lock, until the queue is
    /// drained with callbacks enabled.
    fn drain_each(&self, mut f: impl FnMut(*mut c_void)) {
        loop {
            let mut batch = [ptr::null_mut(); BATCH];
            let mut n = 0;
            let done = self.lock().take_used(&mut batch, &mut n);
            batch[..n].iter().for_each(|&t| f(t));
            if done {
                return;
            }
        }
    }

    /// Adds a buffer made of `out` device-readable then `inn` device-writable
    /// scatter-gather lists and kicks the device; the error of
    /// `virtqueue_add_sgs` otherwise.
    ///
    /// # Safety
    ///
    /// The lists describe memory that stays valid, and is not accessed by
    /// the driver in conflicting ways, until `token` comes back from the
    /// ring; `token` is of the kind `T` names.
    unsafe fn add(
        &self,
        sgs: &mut [*mut bindings::scatterlist],
        out: usize,
        inn: usize,
        token: *mut c_void,
        notify: bool,
    ) -> c_int {
        let (ret, kick) = {
            let mut g = self.lock();
            // SAFETY: live queue, lock held; the lists are terminated
            // scatterlists (the caller's contract), `sgs` has `out + inn`
            // entries.
            let ret = unsafe {
                sys::virtqueue_add_sgs(
                    g.vq(),
                    sgs.as_mut_ptr(),
                    out as c_uint,
                    inn as c_uint,
                    token,
                    bindings::GFP_ATOMIC,
                )
            };
            (ret, ret == 0 && notify && g.kick_prepare())
        };
        if kick {
            self.notify();
        }
        ret
    }
}

/// A scatterlist entry for one buffer.
///
/// # Safety
///
/// `buf` is linearly mapped kernel memory of `len` bytes.
unsafe fn sg_one(sg: &mut MaybeUninit<bindings::scatterlist>, buf: *const c_void, len: usize) {
    // SAFETY: `sg` is writable; `sg_init_one` initialises all of it; `buf`
    // by the caller's contract.
    unsafe { bindings::sg_init_one(sg.as_mut_ptr(), buf, len as c_uint) };
}

impl Vq<Req> {
    /// A request queue.
    pub(crate) fn new(raw: RawVq) -> impl PinInit<Self> {
        Self::with_state(raw, Req)
    }

    /// Puts a command whose headers are filled in on the ring and kicks the
    /// device. On error the command comes back untouched by the device.
    pub(crate) fn submit(&self, cmd: Cmd) -> core::result::Result<(), (Error, Cmd)> {
        let p = cmd.lld_priv().cast::<CmdPriv>();
        if p.is_null() {
            return Err((EINVAL, cmd));
        }
        let (sgl, n) = cmd.sg();
        let data = if n > 0 { sgl } else { ptr::null_mut() };
        let mut req_sg = MaybeUninit::uninit();
        let mut resp_sg = MaybeUninit::uninit();
        // SAFETY: the headers are in the command's private area (block-layer
        // request memory, linearly mapped).
        unsafe {
            sg_one(
                &mut req_sg,
                ptr::addr_of!((*p).req).cast(),
                size_of::<virtio_scsi_cmd_req>(),
            );
            sg_one(
                &mut resp_sg,
                ptr::addr_of!((*p).resp).cast(),
                size_of::<virtio_scsi_cmd_resp>(),
            );
        }
        let mut sgs = [ptr::null_mut(); 4];
        let mut out = 0;
        sgs[out] = req_sg.as_mut_ptr();
        out += 1;
        if cmd.dir() == Dir::ToDevice && !data.is_null() {
            sgs[out] = data;
            out += 1;
        }
        let mut inn = 0;
        sgs[out + inn] = resp_sg.as_mut_ptr();
        inn += 1;
        if cmd.dir() == Dir::FromDevice && !data.is_null() {
            sgs[out + inn] = data;
            inn += 1;
        }
        let last = cmd.is_last();
        let token = cmd.into_raw();
        // SAFETY: the headers and the data buffers belong to the command,
        // which nobody touches until its token comes back (the driver holds
        // no `Cmd` meanwhile); the data list is the core's terminated list.
        let ret = unsafe { self.add(&mut sgs[..out + inn], out, inn, token, last) };
        if ret != 0 {
            // SAFETY: not added: the token is turned back once.
            return Err((Error::from_errno(ret), unsafe { Cmd::from_raw(token) }));
        }
        Ok(())
    }

    /// Notifies the device of commands added without notification.
    pub(crate) fn kick(&self) {
        let kick = self.lock().kick_prepare();
        if kick {
            self.notify();
        }
    }

    /// Hands every completed command to `f` (outside the lock).
    pub(crate) fn complete_each(&self, mut f: impl FnMut(Cmd)) {
        self.drain_each(|t| {
            // SAFETY: request-queue tokens are `Cmd::into_raw`, returned by
            // the ring once.
            f(unsafe { Cmd::from_raw(t) })
        });
    }

    /// After a reset: hands every command still on the ring to `f`.
    pub(crate) fn detach_cmds(&self, mut f: impl FnMut(Cmd)) {
        self.detach_each(|t| {
            // SAFETY: as in `complete_each`.
            f(unsafe { Cmd::from_raw(t) })
        });
    }

    /// After a reset and the host's removal: drops what is left (nothing,
    /// if the core kept its promise); the number of commands found.
    fn release_all(&self) -> usize {
        let mut n = 0;
        self.detach_each(|_| n += 1);
        n
    }
}

/// A task-management request while the device may have it.
#[pin_data]
struct Tmf {
    #[pin]
    done: Opaque<bindings::completion>,
    req: virtio_scsi_ctrl_tmf_req,
    resp: UnsafeCell<sys::virtio_scsi_ctrl_tmf_resp>,
}

// SAFETY: the completion is thread-safe; `req` is immutable; `resp` is
// written by the device before the completion and read after it.
unsafe impl Send for Tmf {}
// SAFETY: as above.
unsafe impl Sync for Tmf {}

impl Vq<Ctrl> {
    /// The control queue.
    pub(crate) fn new(raw: RawVq) -> impl PinInit<Self> {
        Self::with_state(raw, Ctrl)
    }

    /// Sends a task-management request and waits up to `timeout_ms` for
    /// the device's response code. Process context.
    pub(crate) fn tmf(&self, req: virtio_scsi_ctrl_tmf_req, timeout_ms: u32) -> Result<u8> {
        let t = Arc::pin_init(
            pin_init!(Tmf {
                done <- Opaque::ffi_init(|p: *mut bindings::completion| {
                    // SAFETY: `p` is the completion's memory, pinned.
                    unsafe { sys::vscsi_glue_init_completion(p) }
                }),
                req,
                resp: UnsafeCell::new(sys::virtio_scsi_ctrl_tmf_resp { response: u8::MAX }),
            }),
            GFP_KERNEL,
        )?;
        let mut req_sg = MaybeUninit::uninit();
        let mut resp_sg = MaybeUninit::uninit();
        // SAFETY: both headers are in the `Arc` allocation (kmalloc).
        unsafe {
            sg_one(
                &mut req_sg,
                ptr::addr_of!(t.req).cast(),
                size_of::<virtio_scsi_ctrl_tmf_req>(),
            );
            sg_one(
                &mut resp_sg,
                t.resp.get().cast_const().cast(),
                size_of::<sys::virtio_scsi_ctrl_tmf_resp>(),
            );
        }
        let mut sgs = [req_sg.as_mut_ptr(), resp_sg.as_mut_ptr()];
        // The device's reference, dropped when the request comes back (or
        // at teardown): the buffers outlive a wait that times out.
        let token = Arc::into_raw(t.clone()).cast_mut().cast::<c_void>();
        // SAFETY: the buffers live while the device's reference does; the
        // driver only reads `resp` after the completion.
        let ret = unsafe { self.add(&mut sgs, 1, 1, token, true) };
        if ret != 0 {
            // SAFETY: not added: the device's reference is taken back once.
            drop(unsafe { Arc::from_raw(token.cast::<Tmf>()) });
            return Err(Error::from_errno(ret));
        }
        // SAFETY: initialised completion, alive through `t`.
        let left = unsafe {
            bindings::wait_for_completion_timeout(t.done.get(), msecs_to_jiffies(timeout_ms))
        };
        if left == 0 {
            return Err(crate::errno(bindings::ETIMEDOUT));
        }
        // SAFETY: the device wrote the response before returning the buffer,
        // and `complete` orders that before the end of the wait.
        Ok(unsafe { ptr::read_volatile(t.resp.get()) }.response)
    }

    /// Completes the task-management requests the device returned.
    pub(crate) fn complete_all(&self) {
        self.drain_each(|t| {
            // SAFETY: control-queue tokens are the device's `Arc<Tmf>`
            // reference, returned by the ring once.
            let t = unsafe { Arc::from_raw(t.cast::<Tmf>()) };
            // SAFETY: initialised completion.
            unsafe { bindings::complete(t.done.get()) };
        });
    }

    /// After a reset: drops the device's references of unanswered requests.
    fn release_all(&self) {
        self.complete_all();
        self.detach_each(|t| {
            // SAFETY: as in `complete_all`.
            drop(unsafe { Arc::from_raw(t.cast::<Tmf>()) });
        });
    }
}

/// State of the event queue, under its lock.
pub(crate) struct EventState {
    /// No more work is scheduled and no buffer reposted.
    stop: bool,
    /// Buffers the device holds.
    posted: [bool; EVENT_BUFS],
    /// Returned buffers not processed yet, oldest first.
    pending: [u8; EVENT_BUFS],
    head: usize,
    len: usize,
}

/// The event queue and its buffers.
///
/// # Invariants
///
/// A buffer is written by the device only while `posted` says so; the
/// driver reads it only under the lock while it is not posted.
#[pin_data]
pub(crate) struct EventVq {
    #[pin]
    vq: Vq<EventState>,
    bufs: [Opaque<virtio_scsi_event>; EVENT_BUFS],
}

// SAFETY: the buffers are only accessed under the queue lock (see the
// invariants) or by the device.
unsafe impl Send for EventVq {}
// SAFETY: as above.
unsafe impl Sync for EventVq {}

impl EventVq {
    /// The event queue.
    pub(crate) fn new(raw: RawVq) -> impl PinInit<Self> {
        let state = EventState {
            stop: false,
            posted: [false; EVENT_BUFS],
            pending: [0; EVENT_BUFS],
            head: 0,
            len: 0,
        };
        pin_init!(Self {
            vq <- Vq::with_state(raw, state),
            bufs: [(); EVENT_BUFS].map(|()| Opaque::new(virtio_scsi_event::default())),
        })
    }

    /// Posts buffer `idx` to the device unless it has it or events stopped.
    pub(crate) fn post(&self, idx: usize) -> Result {
        let Some(buf) = self.bufs.get(idx) else {
            return Err(EINVAL);
        };
        let (ret, kick) = {
            let mut g = self.vq.lock();
            let st = g.state();
            if st.stop || st.posted[idx] {
                return Ok(());
            }
            let mut sg = MaybeUninit::uninit();
            // SAFETY: the buffer is in the adapter (kmalloc).
            unsafe {
                sg_one(
                    &mut sg,
                    buf.get().cast_const().cast(),
                    size_of::<virtio_scsi_event>(),
                )
            };
            // SAFETY: live queue, lock held; the buffer is not posted and
            // the driver does not read it until it comes back (invariant).
            let ret = unsafe {
                sys::virtqueue_add_inbuf(
                    g.vq(),
                    sg.as_mut_ptr(),
                    1,
                    buf.get().cast(),
                    bindings::GFP_ATOMIC,
                )
            };
            if ret == 0 {
                g.state().posted[idx] = true;
            }
            (ret, ret == 0 && g.kick_prepare())
        };
        if kick {
            self.vq.notify();
        }
        to_result(ret)
    }

    /// Collects returned buffers (callback) and, unless events are stopped,
    /// calls `schedule` (under the lock, so that `stop` and a following
    /// flush of the work leave no work queued).
    pub(crate) fn collect(&self, schedule: impl FnOnce()) {
        loop {
            let mut batch = [ptr::null_mut(); BATCH];
            let mut n = 0;
            let mut g = self.vq.lock();
            let done = g.take_used(&mut batch, &mut n);
            for &t in &batch[..n] {
                let Some(idx) = self.bufs.iter().position(|b| b.get().cast::<c_void>() == t) else {
                    continue;
                };
                let st = g.state();
                st.posted[idx] = false;
                if st.len < EVENT_BUFS {
                    st.pending[(st.head + st.len) % EVENT_BUFS] = idx as u8;
                    st.len += 1;
                }
            }
            if done {
                let st = g.state();
                if !st.stop && st.len > 0 {
                    schedule();
                }
                return;
            }
        }
    }

    /// The oldest returned event and its buffer index, unless stopped.
    pub(crate) fn next(&self) -> Option<(usize, virtio_scsi_event)> {
        let mut g = self.vq.lock();
        let st = g.state();
        if st.stop || st.len == 0 {
            return None;
        }
        let idx = usize::from(st.pending[st.head]);
        st.head = (st.head + 1) % EVENT_BUFS;
        st.len -= 1;
        // SAFETY: the buffer is not posted (it came back from the device)
        // and the lock is held (invariant); it holds a valid value (zeroed
        // at creation, then written by the device).
        Some((idx, unsafe { ptr::read_volatile(self.bufs[idx].get()) }))
    }

    /// Stops scheduling work and reposting buffers.
    pub(crate) fn stop(&self) {
        self.vq.lock().state().stop = true;
    }

    /// After a reset: forgets the buffers the device had.
    fn release_all(&self) {
        self.vq.detach_each(|_| {});
    }
}

// ---------------------------------------------------------------------------
// Driver registration and C entry points

/// The host driver registration, for probe. Set before the virtio driver is
/// registered and cleared after it is unregistered; points into the box
/// [`VirtioDriver`] owns.
static REGISTRATION: AtomicPtr<HostDriverRegistration<VirtioScsi>> =
    AtomicPtr::new(ptr::null_mut());

/// The registered virtio driver and the host driver its adapters use.
pub(crate) struct VirtioDriver {
    _reg: KBox<HostDriverRegistration<VirtioScsi>>,
}

impl VirtioDriver {
    /// Registers the virtio driver; devices are probed from now on.
    pub(crate) fn register(reg: HostDriverRegistration<VirtioScsi>) -> Result<Self> {
        let reg = KBox::new(reg, GFP_KERNEL)?;
        REGISTRATION.store(ptr::from_ref(&*reg).cast_mut(), Ordering::Release);
        // SAFETY: registers the static driver structure once.
        let ret = unsafe { sys::vscsi_glue_register() };
        if ret != 0 {
            REGISTRATION.store(ptr::null_mut(), Ordering::Release);
            return Err(Error::from_errno(ret));
        }
        Ok(Self { _reg: reg })
    }
}

impl Drop for VirtioDriver {
    fn drop(&mut self) {
        // SAFETY: registered in `register`; unregistering removes every
        // device (remove runs for each) and returns after the last probe.
        unsafe { sys::vscsi_glue_unregister() };
        REGISTRATION.store(ptr::null_mut(), Ordering::Release);
        // `_reg` is dropped after this: the host driver goes last.
    }
}

/// `virtio_driver.probe`.
///
/// # Safety
///
/// Called by the virtio core for a device of this driver.
#[no_mangle]
unsafe extern "C" fn virtio_scsi_rs_probe(vdev: *mut sys::virtio_device) -> c_int {
    let Some(vdev) = NonNull::new(vdev) else {
        return EINVAL.to_errno();
    };
    let reg = REGISTRATION.load(Ordering::Acquire);
    if reg.is_null() {
        return ENODEV.to_errno();
    }
    // SAFETY: probe only runs while the virtio driver is registered, during
    // which `REGISTRATION` points to the live registration.
    let reg = unsafe { &*reg };
    match crate::probe(reg, VDev(vdev)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `virtio_driver.remove`.
///
/// # Safety
///
/// Called by the virtio core for a device this driver probed.
#[no_mangle]
unsafe extern "C" fn virtio_scsi_rs_remove(vdev: *mut sys::virtio_device) {
    if let Some(vdev) = NonNull::new(vdev) {
        crate::remove(VDev(vdev));
    }
}

/// Callback of every virtqueue (interrupt context).
///
/// # Safety
///
/// `priv_` is the device's `priv` (null or the published adapter) and
/// `index` the queue's index.
#[no_mangle]
unsafe extern "C" fn virtio_scsi_rs_vq_done(priv_: *mut c_void, index: c_uint) {
    if priv_.is_null() {
        return;
    }
    // SAFETY: a non-null `priv` is the published adapter reference, which
    // `teardown` withdraws before the reset that waits for running callbacks
    // and before it frees the adapter.
    let a = unsafe { ArcBorrow::from_raw(priv_.cast::<Adapter>()) };
    crate::vq_done(a, index);
}
