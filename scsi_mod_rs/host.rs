// SPDX-License-Identifier: GPL-2.0

//! Hosts and the command path: one blk-mq tag set per host (its depth is the
//! adapter's `can_queue`), a request queue per device plus one per host for
//! the scan, commands built in the request's private data, completion,
//! retries and the first-level error handler.

use crate::api;
use crate::sdev::{Sdev, SdevState};
use crate::sense::{disposition, Disposition, Sense};
use crate::status::Status;
use crate::{zeroed, HostDriver, KernelCell};
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU8, Ordering};
use kernel::bindings;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;
use kernel::sync::Mutex;
use kernel::types::Opaque;

/// Scatter-gather entries of a command at most.
pub(crate) const MAX_SG: u32 = 256;
/// Scatter-gather entries inside each request's private data (the C core
/// keeps two inline as well), so that the per-request memory stays small.
/// A command with more segments uses the request's long table (`Pdu::sg_long`),
/// or, if that cannot be had, chains tables from the kernel's sg pools.
const SG_INLINE: u32 = 2;
/// `REQ_OP_MASK`: the operation bits of `cmd_flags`.
pub(crate) const REQ_OP_MASK: u32 = 0xff;
/// Retries of a file-system command.
const FS_RETRIES: u32 = 5;
/// Retries of BUSY / TASK SET FULL before giving up.
const BUSY_RETRIES: u32 = 100;
/// Default command timeout.
pub(crate) const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// Effective limits of one host.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) can_queue: u32,
    pub(crate) cmd_per_lun: u32,
    pub(crate) sg_tablesize: u32,
    pub(crate) max_sectors: u32,
    pub(crate) max_channel: u32,
    pub(crate) max_id: u32,
    pub(crate) max_lun: u64,
    pub(crate) nr_hw_queues: u32,
    pub(crate) max_segment_size: u32,
    pub(crate) seg_boundary_mask: u64,
    pub(crate) dma_alignment: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum HostState {
    Running = 0,
    Removing = 1,
}

/// The devices and targets of a host.
pub(crate) struct HostLists {
    pub(crate) sdevs: KVec<*mut Sdev>,
    pub(crate) targets: KVec<*mut crate::sdev::Target>,
}

// SAFETY: the pointers are to driver-model objects whose lifetime the lists
// hold references on; only touched under the host's mutex.
unsafe impl Send for HostLists {}

/// One adapter instance. Lives in a heap allocation owned by its `hostN`
/// device's reference count; freed by the device's release.
#[pin_data]
pub(crate) struct Host {
    pub(crate) dev: Opaque<bindings::device>,
    pub(crate) class_dev: Opaque<bindings::device>,
    pub(crate) host_no: u32,
    pub(crate) drv: *const HostDriver,
    pub(crate) hostdata: *mut c_void,
    pub(crate) lim: Limits,
    pub(crate) tag_set: Opaque<bindings::blk_mq_tag_set>,
    pub(crate) tag_set_live: AtomicBool,
    pub(crate) scan_q: AtomicPtr<bindings::request_queue>,
    pub(crate) state: AtomicU32,
    pub(crate) name: [u8; 16],
    /// Serialises scans and removals of devices.
    #[pin]
    pub(crate) scan_lock: Mutex<()>,
    #[pin]
    pub(crate) lists: Mutex<HostLists>,
    pub(crate) scan_work: Opaque<bindings::work_struct>,
}

// SAFETY: the raw pointers are to the registered driver and the adapter's
// data, which outlive the host (the driver removes its hosts before it
// unregisters); mutable state is atomics and mutexes.
unsafe impl Send for Host {}
// SAFETY: as above.
unsafe impl Sync for Host {}

impl Host {
    pub(crate) fn name(&self) -> &str {
        crate::cstr_of(&self.name)
    }

    pub(crate) fn drv(&self) -> &HostDriver {
        // SAFETY: the driver stays registered while it has hosts.
        unsafe { &*self.drv }
    }

    pub(crate) fn running(&self) -> bool {
        self.state.load(Ordering::Acquire) == HostState::Running as u32
    }

    pub(crate) fn dev_ptr(&self) -> *mut bindings::device {
        self.dev.get()
    }

    /// The host of a request queue's tag set.
    ///
    /// # Safety
    ///
    /// `set` is the tag set inside a live `Host`.
    pub(crate) unsafe fn from_tag_set<'a>(set: *mut bindings::blk_mq_tag_set) -> &'a Host {
        // SAFETY: by the contract, `set` is the `tag_set` field of a Host.
        unsafe {
            &*(set
                .cast::<u8>()
                .sub(core::mem::offset_of!(Host, tag_set))
                .cast::<Host>())
        }
    }

    /// # Safety
    ///
    /// `dev` is the `dev` field of a live `Host`.
    pub(crate) unsafe fn from_dev<'a>(dev: *const bindings::device) -> &'a Host {
        // SAFETY: by the contract.
        unsafe {
            &*(dev
                .cast::<u8>()
                .sub(core::mem::offset_of!(Host, dev))
                .cast::<Host>())
        }
    }

    /// # Safety
    ///
    /// `dev` is the `class_dev` field of a live `Host`.
    pub(crate) unsafe fn from_class_dev<'a>(dev: *const bindings::device) -> &'a Host {
        // SAFETY: by the contract.
        unsafe {
            &*(dev
                .cast::<u8>()
                .sub(core::mem::offset_of!(Host, class_dev))
                .cast::<Host>())
        }
    }

    /// Queue limits for a device queue of this host.
    pub(crate) fn queue_limits(&self) -> bindings::queue_limits {
        let mut lim: bindings::queue_limits = zeroed();
        lim.max_hw_sectors = self.lim.max_sectors;
        lim.max_segments = self.lim.sg_tablesize.min(MAX_SG) as u16;
        if self.lim.max_segment_size != 0 {
            lim.max_segment_size = self.lim.max_segment_size;
        }
        if self.lim.seg_boundary_mask != 0 {
            lim.seg_boundary_mask = self.lim.seg_boundary_mask as _;
        }
        lim.dma_alignment = if self.lim.dma_alignment != 0 {
            self.lim.dma_alignment
        } else {
            3
        };
        lim
    }

    /// Allocates a request queue on the host's tag set.
    pub(crate) fn alloc_queue(
        &self,
        queuedata: *mut c_void,
    ) -> Result<*mut bindings::request_queue> {
        let mut lim = self.queue_limits();
        // SAFETY: the tag set is live (allocated in `host_add`, freed at the
        // host's release, after every queue is gone).
        let q = unsafe { bindings::blk_mq_alloc_queue(self.tag_set.get(), &mut lim, queuedata) };
        if crate::is_err(q) {
            return Err(Error::from_errno(crate::ptr_err(q)));
        }
        Ok(q)
    }
}

/// The private data of every request: the command and the core's state,
/// followed by the scatter-gather table and the adapter's area.
#[repr(C)]
pub(crate) struct Pdu {
    pub(crate) cmd: api::scsi_rs_cmd,
    /// Retries allowed (passthrough: set by the submitter).
    pub(crate) allowed: u32,
    pub(crate) retries: u32,
    pub(crate) busy_retries: u32,
    /// Timeouts of this command so far (escalation level).
    pub(crate) timeouts: u32,
    /// Who ended the dispatched command: `WITH_ADAPTER` until the adapter
    /// gives it back (`GIVEN_BACK`) or the error handler gives up on it
    /// (`ENDED_BY_CORE`); the first to change it ends the request.
    pub(crate) owner: AtomicU8,
    /// Data the upper driver sends instead of the request's (see
    /// `scsi_rs_cmd_set_payload`).
    pub(crate) payload: [u8; api::SCSI_RS_MAX_PAYLOAD as usize],
    /// The command's scatter-gather table: the inline entries, or for a
    /// longer list `sg_long` or else the inline entries chained to pool
    /// chunks. `orig_nents` is 0 when nothing is mapped.
    pub(crate) sgt: bindings::sg_table,
    /// A table of the host's full length (`sg_long_len`), allocated the
    /// first time this request carries more segments than fit inline and
    /// kept until blk-mq frees the request (`exit_request`). The commands
    /// that reuse it take no pool chunks, clear no table and chain nothing,
    /// which the C core does for every command longer than two segments;
    /// the price is memory for the requests that once carried such a
    /// command (at most one table per request blk-mq allocated). Null
    /// until then, or when the atomic allocation failed (the pool chunks
    /// serve).
    sg_long: *mut bindings::scatterlist,
}

/// `Pdu::owner`: the adapter holds the command.
const WITH_ADAPTER: u8 = 0;
/// `Pdu::owner`: the adapter gave the command back.
const GIVEN_BACK: u8 = 1;
/// `Pdu::owner`: the error handler ended the command after a failed host
/// reset; the adapter must not give it back any more.
const ENDED_BY_CORE: u8 = 2;

/// Inline scatter-gather entries of a host's requests.
fn sg_inline(lim: &Limits) -> u32 {
    lim.sg_tablesize.clamp(1, SG_INLINE)
}

/// Entries of a request's long table: as many as a command may have.
fn sg_long_len(lim: &Limits) -> u32 {
    lim.sg_tablesize.clamp(1, MAX_SG)
}

/// Bytes of private data per request for a host.
pub(crate) fn cmd_size(lim: &Limits, priv_size: u32) -> u32 {
    let sg = sg_inline(lim) as usize * size_of::<bindings::scatterlist>();
    let base = size_of::<Pdu>() + sg;
    let base = (base + 15) & !15;
    (base + priv_size as usize) as u32
}

/// The `Pdu` of a request.
///
/// # Safety
///
/// `rq` is a live request of one of our tag sets.
pub(crate) unsafe fn pdu<'a>(rq: *mut bindings::request) -> &'a mut Pdu {
    // SAFETY: the private data follows the request (blk-mq layout) and is
    // a `Pdu` for our tag sets.
    unsafe { &mut *bindings::blk_mq_rq_to_pdu(rq).cast::<Pdu>() }
}

/// The inline scatter-gather entries (at least one).
fn sg_table(pdu: &mut Pdu) -> *mut bindings::scatterlist {
    // SAFETY: the table follows the Pdu within the request's private data
    // (see `cmd_size`).
    unsafe { (pdu as *mut Pdu).add(1).cast() }
}

/// Maps the request's `nsegs` data segments into the command's table: the
/// `inline` entries, else the request's long table of `long` entries, else
/// pool chunks chained after the inline entries. The number of entries
/// used, or `ENOMEM` (the pools are atomic and may run dry).
///
/// # Safety
///
/// `rq` is the request of `pdu`, on queue `q`, with `nsegs` physical
/// segments (`1 <= nsegs <= long`); nothing is mapped
/// (`sgt.orig_nents == 0`).
unsafe fn map_sg(
    pdu: &mut Pdu,
    q: *mut bindings::request_queue,
    rq: *mut bindings::request,
    nsegs: u32,
    inline: u32,
    long: u32,
) -> Result<u32> {
    let mut last: *mut bindings::scatterlist = ptr::null_mut();
    if nsegs > inline {
        if pdu.sg_long.is_null() {
            // SAFETY: a plain allocation; null on failure (handled below).
            pdu.sg_long = unsafe { crate::glue::scsi_rs_sg_table_alloc(long) }.cast();
        }
        if !pdu.sg_long.is_null() {
            pdu.sgt.sgl = pdu.sg_long;
            pdu.sgt.nents = nsegs;
            pdu.sgt.orig_nents = nsegs;
            // SAFETY: the long table has `long >= nsegs` entries, none of
            // them chained; entries left terminated by an earlier, shorter
            // command are unmarked by the mapping as it goes.
            let n = unsafe { bindings::__blk_rq_map_sg(q, rq, pdu.sg_long, &mut last) };
            return Ok(n as u32);
        }
    }
    let first = sg_table(pdu);
    pdu.sgt.sgl = first;
    // SAFETY: `first` has `inline` entries in the private data; the pool
    // chunks are freed by `unmap_sg`.
    let ret =
        unsafe { bindings::sg_alloc_table_chained(&mut pdu.sgt, nsegs as c_int, first, inline) };
    if ret != 0 {
        pdu.sgt = zeroed();
        return Err(ENOMEM);
    }
    // SAFETY: the table has `nsegs` entries, the request's segments as
    // counted against the queue limits we set.
    let n = unsafe { bindings::__blk_rq_map_sg(q, rq, pdu.sgt.sgl, &mut last) };
    Ok(n as u32)
}

/// Gives back the pool chunks of a command's table, if any, and leaves
/// the command unmapped (the long table stays with the request).
fn unmap_sg(pdu: &mut Pdu, inline: u32) {
    if pdu.sgt.orig_nents != 0 && pdu.sgt.sgl != pdu.sg_long {
        // SAFETY: the table was set up by `map_sg` with the same `inline`
        // count, and is freed once (reset below).
        unsafe { bindings::sg_free_table_chained(&mut pdu.sgt, inline) };
    }
    pdu.sgt = zeroed();
}

fn lld_area(pdu: &mut Pdu, sg_entries: u32) -> *mut c_void {
    let off = size_of::<Pdu>() + sg_entries as usize * size_of::<bindings::scatterlist>();
    let off = (off + 15) & !15;
    // SAFETY: within the private data (see `cmd_size`).
    unsafe { (pdu as *mut Pdu).cast::<u8>().add(off).cast() }
}

fn is_passthrough(rq: &bindings::request) -> bool {
    let op = rq.cmd_flags & REQ_OP_MASK;
    op == bindings::req_op_REQ_OP_DRV_IN || op == bindings::req_op_REQ_OP_DRV_OUT
}

const STS_OK: bindings::blk_status_t = bindings::BLK_STS_OK as _;
const STS_RESOURCE: bindings::blk_status_t = 9;
const STS_DEV_RESOURCE: bindings::blk_status_t = 13;
const STS_IOERR: bindings::blk_status_t = 10;
const STS_TIMEOUT: bindings::blk_status_t = 2;
const STS_TRANSPORT: bindings::blk_status_t = 4;
const STS_TARGET: bindings::blk_status_t = 5;
const STS_MEDIUM: bindings::blk_status_t = 7;
const STS_NOTSUPP: bindings::blk_status_t = 1;

fn rq_flag(bit: u32) -> bindings::req_flags_t {
    1 << bit
}

/// Dispatches a request to the adapter.
///
/// # Safety
///
/// Called by blk-mq for a queue on one of our tag sets.
unsafe extern "C" fn queue_rq(
    hctx: *mut bindings::blk_mq_hw_ctx,
    bd: *const bindings::blk_mq_queue_data,
) -> bindings::blk_status_t {
    // SAFETY: blk-mq passes a live hardware context and queue data whose
    // request is ours until we end or requeue it.
    let (rq, q, hwq) = unsafe { ((*bd).rq, (*(*bd).rq).q, (*hctx).queue_num) };
    // SAFETY: the queue is on one of our hosts' tag sets.
    let host = unsafe { Host::from_tag_set((*q).tag_set) };
    // SAFETY: queuedata is null (the host's scan queue) or the device the
    // queue belongs to, which outlives its queue.
    let sdev: Option<&Sdev> = unsafe { (*q).queuedata.cast::<Sdev>().as_ref() };
    // SAFETY: our request.
    let r = unsafe { &mut *rq };
    // SAFETY: our request.
    let pdu = unsafe { pdu(rq) };
    let passthrough = is_passthrough(r);

    if let Some(sdev) = sdev {
        match sdev.state() {
            SdevState::Running | SdevState::Cancel => {}
            SdevState::Created if passthrough => {}
            _ => {
                pdu.cmd.host = api::SCSI_RS_HOST_NO_CONNECT as u8;
                return STS_IOERR;
            }
        }
        let depth = sdev.queue_depth.load(Ordering::Relaxed);
        if sdev.inflight.fetch_add(1, Ordering::AcqRel) >= depth {
            sdev.starved.store(true, Ordering::Release);
            if sdev.inflight.fetch_sub(1, Ordering::AcqRel) == 1 {
                return STS_RESOURCE;
            }
            return STS_DEV_RESOURCE;
        }
    }

    let op = r.cmd_flags & REQ_OP_MASK;
    // Discards and the like carry no data of their own: the upper driver
    // may give the command a payload (`scsi_rs_cmd_set_payload`).
    let dataless = matches!(
        op,
        bindings::req_op_REQ_OP_DISCARD
            | bindings::req_op_REQ_OP_SECURE_ERASE
            | bindings::req_op_REQ_OP_WRITE_ZEROES
    );
    let data_len = if dataless { 0 } else { r.__data_len };
    let c = &mut pdu.cmd;
    if !passthrough {
        if r.rq_flags & rq_flag(bindings::__RQF_DONTPREP) == 0 {
            pdu.allowed = FS_RETRIES;
            pdu.retries = 0;
            pdu.busy_retries = 0;
            pdu.timeouts = 0;
            r.rq_flags |= rq_flag(bindings::__RQF_DONTPREP);
        }
        c.dir = if data_len == 0 {
            api::SCSI_RS_DIR_NONE
        } else if op & 1 != 0 {
            api::SCSI_RS_DIR_TO_DEVICE
        } else {
            api::SCSI_RS_DIR_FROM_DEVICE
        } as u8;
    } else if data_len == 0 {
        c.dir = api::SCSI_RS_DIR_NONE as u8;
    }
    let inline = sg_inline(&host.lim);
    // Every dispatch starts unmapped: each way out of a dispatch (an error
    // here, the completion) gives the chunks back.
    pdu.sgt = zeroed();
    let c = &mut pdu.cmd;
    c.sgl = ptr::null_mut();
    c.sg_count = 0;
    c.data_len = data_len;
    let nsegs = u32::from(r.nr_phys_segments);
    if data_len != 0 && nsegs != 0 {
        let long = sg_long_len(&host.lim);
        if nsegs > long {
            return end_prep_error(sdev, STS_IOERR);
        }
        // SAFETY: our request on `q`, with `1 <= nsegs <= long` segments,
        // unmapped.
        match unsafe { map_sg(pdu, q, rq, nsegs, inline, long) } {
            Ok(n) => {
                pdu.cmd.sgl = pdu.sgt.sgl;
                pdu.cmd.sg_count = n as u16;
            }
            Err(_) => {
                // Out of pool memory: blk-mq dispatches it again later.
                if let Some(s) = sdev {
                    s.inflight.fetch_sub(1, Ordering::AcqRel);
                }
                return STS_RESOURCE;
            }
        }
    }
    let c = &mut pdu.cmd;
    if let Some(sdev) = sdev {
        c.channel = sdev.channel;
        c.id = sdev.id;
        c.lun = sdev.lun;
        if !passthrough {
            c.cdb_len = 0;
            let (init, ddata) = sdev.bus_init_command();
            let ret = match init {
                // SAFETY: the bound upper driver's callback with its data;
                // the binding outlives the queue's requests (the upper
                // driver's remove runs before the queue is destroyed, and
                // its disk stops submitting first).
                Some(f) => unsafe { f(ddata, rq, c) },
                None => EIO.to_errno(),
            };
            if ret != 0 || c.cdb_len == 0 {
                unmap_sg(pdu, inline);
                if ret == EAGAIN.to_errno() {
                    sdev.inflight.fetch_sub(1, Ordering::AcqRel);
                    return STS_RESOURCE;
                }
                return end_prep_error(Some(sdev), STS_IOERR);
            }
        }
    }
    let lld = lld_area(pdu, inline);
    let c = &mut pdu.cmd;
    c.lld_priv = lld;
    // SAFETY: blk-mq's queue data for this call.
    let last = unsafe { (*bd).last };
    c.flags = if last || host.drv().commit.is_none() {
        api::SCSI_RS_CMD_F_LAST as u8
    } else {
        0
    };
    c.tag = (u32::from(hwq as u16) << 16) | (r.tag as u32 & 0xffff);
    c.hwq = hwq as u16;
    c.timeout_ms = crate::jiffies_to_ms(r.timeout);
    c.status = 0;
    c.host = 0;
    c.sense_len = 0;
    c.resid = 0;
    pdu.owner.store(WITH_ADAPTER, Ordering::Relaxed);

    // SAFETY: our request, dispatched now.
    unsafe { bindings::blk_mq_start_request(rq) };
    let drv = host.drv();
    // SAFETY: the adapter's entry point with its own data and a command
    // that stays valid until it is given back.
    let ret = unsafe { (drv.queuecommand)(host.hostdata, c) };
    if ret != api::SCSI_RS_QC_OK as c_int {
        unmap_sg(pdu, inline);
        if let Some(sdev) = sdev {
            sdev.inflight.fetch_sub(1, Ordering::AcqRel);
            if ret == api::SCSI_RS_QC_DEVICE_BUSY as c_int {
                sdev.device_blocked.fetch_add(1, Ordering::Relaxed);
            }
        }
        return STS_RESOURCE;
    }
    if let Some(sdev) = sdev {
        sdev.iorequest_cnt.fetch_add(1, Ordering::Relaxed);
    }
    STS_OK
}

fn end_prep_error(sdev: Option<&Sdev>, sts: bindings::blk_status_t) -> bindings::blk_status_t {
    if let Some(s) = sdev {
        s.inflight.fetch_sub(1, Ordering::AcqRel);
        s.ioerr_cnt.fetch_add(1, Ordering::Relaxed);
    }
    sts
}

/// Gives a command back to the core (see `api.h`). Any context.
///
/// # Safety
///
/// `cmd` is a command the core handed to the adapter, given back once.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_cmd_done(cmd: *mut api::scsi_rs_cmd) {
    if cmd.is_null() {
        return;
    }
    // SAFETY: `cmd` is the first field of a `Pdu` (repr(C)); only its
    // atomic field is touched through this shared reference.
    let owner = unsafe { &(*cmd.cast::<Pdu>()).owner };
    if owner.swap(GIVEN_BACK, Ordering::AcqRel) != WITH_ADAPTER {
        // The error handler ended it after a failed host reset: too late.
        return;
    }
    // SAFETY: `cmd` is the first field of the `Pdu` in a request's private
    // data (repr(C)), so the request precedes it.
    let rq = unsafe { bindings::blk_mq_rq_from_pdu(cmd.cast()) };
    // SAFETY: an in-flight request of ours.
    unsafe { bindings::blk_mq_complete_request(rq) };
}

/// See `api.h`.
///
/// # Safety
///
/// `cmd` is the command of a request being prepared by `init_command`
/// (the caller is the bound upper driver in that callback); `buf` points to
/// `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_cmd_set_payload(
    cmd: *mut api::scsi_rs_cmd,
    buf: *const c_void,
    len: u32,
) -> c_int {
    if cmd.is_null() || buf.is_null() || len == 0 || len > api::SCSI_RS_MAX_PAYLOAD {
        return EINVAL.to_errno();
    }
    // SAFETY: by the contract, checked non-null.
    let pdu = unsafe { setup_pdu(cmd) };
    if pdu.sgt.orig_nents != 0 {
        // It carries the request's data.
        return EINVAL.to_errno();
    }
    let n = len as usize;
    // SAFETY: the caller's buffer has `len` bytes; `n` fits the payload.
    let src = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), n) };
    pdu.payload[..n].copy_from_slice(src);
    let sgl = sg_table(pdu);
    // SAFETY: the payload lives in the request's private data (linearly
    // mapped, allocated by blk-mq), which stays until the request is freed;
    // the table has room for one entry (every host has `sg_tablesize >= 1`).
    unsafe { bindings::sg_init_one(sgl, pdu.payload.as_ptr().cast(), len) };
    send_one_entry(pdu, sgl, len);
    0
}

/// The `Pdu` of a command an upper driver prepares.
///
/// # Safety
///
/// `cmd` is non-null and the command of a request being prepared by
/// `init_command` on this CPU.
unsafe fn setup_pdu<'a>(cmd: *mut api::scsi_rs_cmd) -> &'a mut Pdu {
    // SAFETY: `cmd` is the first field of the `Pdu` of a request of ours.
    let rq = unsafe { bindings::blk_mq_rq_from_pdu(cmd.cast()) };
    // SAFETY: as above; nothing else touches the request meanwhile.
    unsafe { pdu(rq) }
}

/// The command sends `len` bytes described by the one entry `sgl`.
fn send_one_entry(pdu: &mut Pdu, sgl: *mut bindings::scatterlist, len: u32) {
    let c = &mut pdu.cmd;
    c.sgl = sgl;
    c.sg_count = 1;
    c.data_len = len;
    c.dir = api::SCSI_RS_DIR_TO_DEVICE as u8;
}

/// See `api.h`.
///
/// # Safety
///
/// As for [`scsi_rs_cmd_set_payload`].
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_cmd_set_zeroes(cmd: *mut api::scsi_rs_cmd, len: u32) -> c_int {
    if cmd.is_null() || len == 0 || len as usize > kernel::page::PAGE_SIZE {
        return EINVAL.to_errno();
    }
    // SAFETY: by the contract, checked non-null.
    let pdu = unsafe { setup_pdu(cmd) };
    if pdu.sgt.orig_nents != 0 {
        // It carries the request's data.
        return EINVAL.to_errno();
    }
    let sgl = sg_table(pdu);
    // SAFETY: the table has room for one entry (every host has
    // `sg_tablesize >= 1`); the zero page is never freed and `len` fits it.
    unsafe { crate::glue::scsi_rs_sg_zero_page(sgl.cast(), len) };
    send_one_entry(pdu, sgl, len);
    0
}

/// See `api.h`.
///
/// # Safety
///
/// As for [`scsi_rs_cmd_set_payload`].
#[no_mangle]
pub unsafe extern "C" fn scsi_rs_cmd_set_retries(
    cmd: *mut api::scsi_rs_cmd,
    allowed: c_int,
) -> c_int {
    if cmd.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: by the contract, checked non-null.
    let pdu = unsafe { setup_pdu(cmd) };
    pdu.allowed = u32::try_from(allowed).unwrap_or(u32::MAX);
    0
}

/// What the completion decided.
enum Outcome {
    Done(bindings::blk_status_t),
    Retry(u32),
}

fn decide(pdu: &mut Pdu, passthrough: bool, sdev: Option<&Sdev>) -> Outcome {
    let c = &pdu.cmd;
    let host = u32::from(c.host);
    let can_retry = pdu.retries < pdu.allowed;
    match host {
        api::SCSI_RS_HOST_OK => {}
        api::SCSI_RS_HOST_NO_CONNECT | api::SCSI_RS_HOST_BAD_TARGET => {
            return Outcome::Done(if passthrough { STS_OK } else { STS_TRANSPORT })
        }
        api::SCSI_RS_HOST_ABORTED if pdu.timeouts > 0 => {
            return if can_retry {
                pdu.retries += 1;
                Outcome::Retry(0)
            } else {
                Outcome::Done(STS_TIMEOUT)
            };
        }
        _ => {
            return if can_retry {
                pdu.retries += 1;
                Outcome::Retry(10)
            } else {
                Outcome::Done(if passthrough { STS_OK } else { STS_IOERR })
            };
        }
    }
    // The common case: GOOD, no sense, everything moved.
    if c.status == 0 && c.sense_len == 0 && c.resid == 0 {
        return Outcome::Done(STS_OK);
    }
    let status = Status::from_u8(c.status);
    let sense_len = usize::from(c.sense_len).min(c.sense.len());
    let sense = Sense::parse(&c.sense[..sense_len]).ok();
    if let (Some(s), Some(sdev)) = (sense.as_ref(), sdev) {
        if s.is_unit_attention()
            && (s.is_capacity_changed()
                || s.is_medium_may_have_changed()
                || s.is_luns_changed()
                || s.is_mode_parameters_changed())
        {
            sdev.queue_event(s.is_luns_changed());
        }
    }
    let Some(status) = status else {
        return Outcome::Done(if passthrough { STS_OK } else { STS_IOERR });
    };
    if status == Status::TaskSetFull {
        if let Some(sdev) = sdev {
            sdev.track_queue_full();
        }
    }
    match disposition(status, sense.as_ref()) {
        Disposition::Success => {
            if c.resid != 0 && !passthrough {
                Outcome::Done(STS_IOERR)
            } else {
                Outcome::Done(STS_OK)
            }
        }
        Disposition::RetryAfterDelay if pdu.busy_retries < BUSY_RETRIES && pdu.allowed > 0 => {
            pdu.busy_retries += 1;
            Outcome::Retry(if status == Status::CheckCondition {
                100
            } else {
                3
            })
        }
        Disposition::Retry if can_retry => {
            pdu.retries += 1;
            Outcome::Retry(0)
        }
        _ if passthrough => Outcome::Done(STS_OK),
        _ => Outcome::Done(match sense.as_ref().map(|s| s.key) {
            Some(crate::sense::SenseKey::MediumError) => STS_MEDIUM,
            Some(crate::sense::SenseKey::IllegalRequest) => {
                if matches!(sense.as_ref().map(|s| s.asc), Some(0x20) | Some(0x24)) {
                    STS_NOTSUPP
                } else {
                    STS_TARGET
                }
            }
            _ => STS_IOERR,
        }),
    }
}

/// Completion of a request the adapter gave back.
///
/// # Safety
///
/// Called by blk-mq for a request of ours.
unsafe extern "C" fn complete(rq: *mut bindings::request) {
    // SAFETY: blk-mq passes a live request of ours.
    let (r, q) = unsafe { (&mut *rq, (*rq).q) };
    // SAFETY: as in `queue_rq`.
    let sdev: Option<&Sdev> = unsafe { (*q).queuedata.cast::<Sdev>().as_ref() };
    // SAFETY: our request.
    let pdu = unsafe { pdu(rq) };
    // SAFETY: the tag set is inside a live host (it has requests).
    let host = unsafe { Host::from_tag_set((*q).tag_set) };
    // Whether it ends or is dispatched again (which maps it anew), the
    // adapter is done with the table.
    unmap_sg(pdu, sg_inline(&host.lim));
    if let Some(s) = sdev {
        s.inflight.fetch_sub(1, Ordering::AcqRel);
        s.iodone_cnt.fetch_add(1, Ordering::Relaxed);
        if s.starved.swap(false, Ordering::AcqRel) {
            // SAFETY: the queue is live while it has requests.
            unsafe { bindings::blk_mq_run_hw_queues(q, true) };
        }
    }
    let passthrough = is_passthrough(r);
    if pdu.owner.load(Ordering::Acquire) == ENDED_BY_CORE {
        // Given up on after a failed host reset: the device is offline.
        pdu.cmd.host = api::SCSI_RS_HOST_NO_CONNECT as u8;
        if let Some(s) = sdev {
            s.ioerr_cnt.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: ours; ended once (the adapter's give-back is refused).
        unsafe { bindings::blk_mq_end_request(rq, if passthrough { STS_OK } else { STS_IOERR }) };
        return;
    }
    match decide(pdu, passthrough, sdev) {
        Outcome::Retry(delay_ms) => {
            if sdev.is_some_and(|s| !s.accepts_io()) {
                // SAFETY: ours; ended once.
                unsafe { bindings::blk_mq_end_request(rq, STS_IOERR) };
                return;
            }
            // SAFETY: a completed request of ours goes back to the queue;
            // the requeue list is kicked after the delay.
            unsafe {
                bindings::blk_mq_requeue_request(rq, false);
                bindings::blk_mq_delay_kick_requeue_list(q, u64::from(delay_ms) as _);
            }
        }
        Outcome::Done(sts) => {
            if sts != STS_OK {
                // SAFETY: the queue of a request of ours, live while it is.
                let unsupported = sts == STS_NOTSUPP && unsafe { disable_op(r, q, sdev) };
                if let Some(s) = sdev {
                    s.ioerr_cnt.fetch_add(1, Ordering::Relaxed);
                    if !unsupported && r.rq_flags & rq_flag(bindings::__RQF_QUIET) == 0 {
                        s.log_failure(&pdu.cmd, sts);
                    }
                }
            }
            // SAFETY: ours; ended once.
            unsafe { bindings::blk_mq_end_request(rq, sts) };
        }
    }
}

/// A discard or write-zeroes command the device rejected as unsupported
/// (ILLEGAL REQUEST, invalid opcode or field): the queue stops offering
/// the operation, as the C sd does, so that the block layer falls back to
/// writing zeroes and the next discard fails at once. True if it was such
/// a command (its failure is then not logged as an I/O error).
///
/// # Safety
///
/// `q` is the live queue of `r`, a request of ours.
unsafe fn disable_op(
    r: &bindings::request,
    q: *mut bindings::request_queue,
    sdev: Option<&Sdev>,
) -> bool {
    let op = r.cmd_flags & REQ_OP_MASK;
    let what = match op {
        // SAFETY: by the contract; a plain limit the block layer reads
        // without locks (blk_queue_disable_write_zeroes in C).
        bindings::req_op_REQ_OP_WRITE_ZEROES => unsafe {
            (*q).limits.max_write_zeroes_sectors = 0;
            "write zeroes"
        },
        // SAFETY: as above (blk_queue_disable_discard).
        bindings::req_op_REQ_OP_DISCARD => unsafe {
            (*q).limits.max_discard_sectors = 0;
            "discard"
        },
        _ => return false,
    };
    if let Some(s) = sdev {
        pr_notice!(
            "{}: {} not supported by the device: disabled\n",
            s.name(),
            what
        );
    }
    true
}

/// The last step of the error handler (see `escalate`).
const HOST_RESET_STEP: u32 = 4;

/// Takes step `step` of the error handler for command `c`: 1 abort, 2 LUN
/// reset, 3 target reset, 4 (`HOST_RESET_STEP`) host reset. True if the
/// adapter says it worked (the command has been or will be given back).
fn escalate(step: u32, host: &Host, c: &mut api::scsi_rs_cmd, who: &str) -> bool {
    let drv = host.drv();
    let (ch, id, lun, op) = (c.channel, c.id, c.lun, c.cdb[0]);
    let level = match step {
        1 => {
            pr_warn!("{}: command {:#04x} timed out; aborting it\n", who, op);
            // SAFETY: the adapter's entry point with its own data and a
            // command it holds, from process context (blk-mq's timeout
            // work).
            return unsafe { (drv.abort)(host.hostdata, c) == 0 };
        }
        2 => {
            pr_warn!(
                "{}: abort did not end command {:#04x}; LUN reset\n",
                who,
                op
            );
            api::SCSI_RS_RESET_LUN
        }
        3 => {
            pr_warn!("{}: target reset\n", who);
            api::SCSI_RS_RESET_TARGET
        }
        _ => {
            pr_warn!("{}: host {} reset\n", who, host.name());
            api::SCSI_RS_RESET_HOST
        }
    };
    // SAFETY: the adapter's entry point with its own data, from process
    // context (blk-mq's timeout work).
    unsafe { (drv.reset)(host.hostdata, level, ch, id, lun) == 0 }
}

/// A command ran out of time: escalate (abort, LUN reset, target reset,
/// host reset): a step that fails leads to the next one at once, a step
/// that works waits for the command to come back until the next expiry,
/// which takes the next step. A command the adapter gives back ends
/// through the completion; once the host reset has failed (or did not make
/// the adapter give the command back) the device goes offline and the core
/// ends the command itself with an error: from then on the adapter must
/// not give it back (the host's commands are lost with its reset), and a
/// late give-back is ignored.
///
/// # Safety
///
/// Called by blk-mq's timeout work for a request of ours.
unsafe extern "C" fn timeout(rq: *mut bindings::request) -> bindings::blk_eh_timer_return {
    // SAFETY: blk-mq holds a reference on the request during this call.
    let q = unsafe { (*rq).q };
    // SAFETY: as in `queue_rq`.
    let host = unsafe { Host::from_tag_set((*q).tag_set) };
    // SAFETY: as in `queue_rq`.
    let sdev: Option<&Sdev> = unsafe { (*q).queuedata.cast::<Sdev>().as_ref() };
    // SAFETY: our request.
    let pdu = unsafe { pdu(rq) };
    if let Some(s) = sdev {
        s.iotmo_cnt.fetch_add(1, Ordering::Relaxed);
    }
    let who = sdev.map_or("scan", |s| s.name());
    let op = pdu.cmd.cdb[0];
    // After a host reset that worked the command has had its expiry to
    // come back: it is given up on.
    while pdu.timeouts < HOST_RESET_STEP {
        pdu.timeouts += 1;
        if escalate(pdu.timeouts, host, &mut pdu.cmd, who) {
            return bindings::blk_eh_timer_return_BLK_EH_RESET_TIMER;
        }
    }
    if pdu
        .owner
        .compare_exchange(
            WITH_ADAPTER,
            ENDED_BY_CORE,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_err()
    {
        // Given back meanwhile: its completion ends it.
        return bindings::blk_eh_timer_return_BLK_EH_RESET_TIMER;
    }
    if let Some(s) = sdev {
        if s.set_offline() {
            pr_err!("{}: error recovery failed; device offlined\n", s.name());
        }
    }
    pr_err!("{}: command {:#04x} ended with an error\n", who, op);
    // SAFETY: an in-flight request of ours, which nobody else completes
    // now (the owner field says so); its completion runs `complete`.
    unsafe { bindings::blk_mq_complete_request(rq) };
    bindings::blk_eh_timer_return_BLK_EH_DONE
}

/// A batch ended without its last command: the adapter notifies its
/// hardware.
///
/// # Safety
///
/// Called by blk-mq for a hardware context of one of our queues.
unsafe extern "C" fn commit_rqs(hctx: *mut bindings::blk_mq_hw_ctx) {
    // SAFETY: a live hardware context of a queue on one of our tag sets.
    let (q, hwq) = unsafe { ((*hctx).queue, (*hctx).queue_num) };
    // SAFETY: as in `queue_rq`.
    let host = unsafe { Host::from_tag_set((*q).tag_set) };
    if let Some(f) = host.drv().commit {
        // SAFETY: the adapter's entry point with its own data.
        unsafe { f(host.hostdata, hwq as u16) };
    }
}

/// Maps CPUs to hardware queues: the adapter's map if it has one.
///
/// # Safety
///
/// Called by blk-mq for one of our hosts' tag sets.
unsafe extern "C" fn map_queues(set: *mut bindings::blk_mq_tag_set) {
    // SAFETY: the tag set is inside a live host.
    let host = unsafe { Host::from_tag_set(set) };
    // SAFETY: the default map of the set, which blk-mq is building.
    let qmap = unsafe { &raw mut (*set).map[bindings::hctx_type_HCTX_TYPE_DEFAULT as usize] };
    let done = match host.drv().map_queues {
        // SAFETY: the adapter's entry point with its data, process context.
        Some(f) => unsafe { f(host.hostdata, qmap) != 0 },
        None => false,
    };
    if !done {
        // SAFETY: as above.
        unsafe { bindings::blk_mq_map_queues(qmap) };
    }
}

/// A request of one of our tag sets is allocated: it has no long table yet.
///
/// # Safety
///
/// Called by blk-mq for a request with our private data.
unsafe extern "C" fn init_request(
    _set: *mut bindings::blk_mq_tag_set,
    rq: *mut bindings::request,
    _hctx_idx: u32,
    _numa_node: u32,
) -> c_int {
    // SAFETY: the request's private data, which nothing else uses yet.
    unsafe { pdu(rq) }.sg_long = ptr::null_mut();
    0
}

/// A request of one of our tag sets is freed: so is its long table.
///
/// # Safety
///
/// Called by blk-mq for a request with our private data, not in flight.
unsafe extern "C" fn exit_request(
    _set: *mut bindings::blk_mq_tag_set,
    rq: *mut bindings::request,
    _hctx_idx: u32,
) {
    // SAFETY: the request is idle; its private data is ours.
    let pdu = unsafe { pdu(rq) };
    // SAFETY: null or from `scsi_rs_sg_table_alloc` (kmalloc), freed once.
    unsafe { bindings::kfree(pdu.sg_long.cast()) };
    pdu.sg_long = ptr::null_mut();
}

pub(crate) static MQ_OPS: KernelCell<bindings::blk_mq_ops> =
    KernelCell(Opaque::new(bindings::blk_mq_ops {
        queue_rq: Some(queue_rq),
        init_request: Some(init_request),
        exit_request: Some(exit_request),
        complete: Some(complete),
        timeout: Some(timeout),
        map_queues: Some(map_queues),
        commit_rqs: Some(commit_rqs),
        ..zeroed()
    }));

/// Allocates the tag set of a new host.
pub(crate) fn init_tag_set(host: &Host, priv_size: u32) -> Result {
    let set = host.tag_set.get();
    // SAFETY: the host is not shared yet; the tag set is ours to fill.
    unsafe {
        (*set).ops = MQ_OPS.get();
        (*set).nr_hw_queues = host.lim.nr_hw_queues;
        (*set).nr_maps = 1;
        (*set).queue_depth = host.lim.can_queue;
        (*set).numa_node = bindings::NUMA_NO_NODE;
        (*set).cmd_size = cmd_size(&host.lim, priv_size);
        (*set).flags = bindings::BLK_MQ_F_SHOULD_MERGE;
        (*set).driver_data = (host as *const Host).cast_mut().cast();
    }
    // SAFETY: the tag set is filled in; freed in the host's release.
    kernel::error::to_result(unsafe { bindings::blk_mq_alloc_tag_set(set) })?;
    host.tag_set_live.store(true, Ordering::Release);
    Ok(())
}

/// A synchronous command on a queue (device queue, or the scan queue with an
/// explicit address).
pub(crate) struct ExecArgs<'a> {
    pub(crate) cdb: &'a [u8],
    pub(crate) dir: u8,
    pub(crate) buf: *mut u8,
    pub(crate) len: u32,
    pub(crate) timeout_ms: u32,
    pub(crate) retries: u32,
    pub(crate) addr: Option<(u32, u32, u64)>,
    pub(crate) quiet: bool,
}

/// The outcome of a synchronous command.
pub(crate) struct ExecOut {
    pub(crate) status: u8,
    pub(crate) host: u8,
    pub(crate) resid: u32,
    pub(crate) sense: [u8; 96],
    pub(crate) sense_len: u16,
}

impl ExecOut {
    pub(crate) fn good(&self) -> bool {
        self.status == 0 && self.host == 0
    }
    pub(crate) fn sense(&self) -> Option<Sense> {
        Sense::parse(&self.sense[..usize::from(self.sense_len).min(96)]).ok()
    }
}

/// Allocates a passthrough request on `q` for `cdb` (1 to 32 bytes) moving
/// `len` bytes in direction `dir`, retried `retries` times; the result
/// fields of its command are cleared. May sleep.
pub(crate) fn alloc_passthrough(
    q: *mut bindings::request_queue,
    cdb: &[u8],
    dir: u8,
    len: u32,
    retries: u32,
) -> Result<*mut bindings::request> {
    if cdb.is_empty() || cdb.len() > 32 {
        return Err(EINVAL);
    }
    let op = if dir == api::SCSI_RS_DIR_TO_DEVICE as u8 {
        bindings::req_op_REQ_OP_DRV_OUT
    } else {
        bindings::req_op_REQ_OP_DRV_IN
    };
    // SAFETY: `q` is a live queue of ours; may sleep (process context).
    let rq = unsafe { bindings::blk_mq_alloc_request(q, op, 0) };
    if crate::is_err(rq) {
        return Err(Error::from_errno(crate::ptr_err(rq)));
    }
    // SAFETY: freshly allocated request of ours.
    let p = unsafe { pdu(rq) };
    p.cmd.cdb = [0; 32];
    p.cmd.cdb[..cdb.len()].copy_from_slice(cdb);
    p.cmd.cdb_len = cdb.len() as u16;
    p.cmd.dir = if len == 0 {
        api::SCSI_RS_DIR_NONE as u8
    } else {
        dir
    };
    p.cmd.status = 0;
    p.cmd.host = 0;
    p.cmd.sense_len = 0;
    p.cmd.resid = 0;
    p.allowed = retries;
    p.retries = 0;
    p.busy_retries = 0;
    p.timeouts = 0;
    Ok(rq)
}

/// Sends a command from kernel memory (`buf` must be kmalloc'd, vmalloc'd
/// or otherwise mappable by `blk_rq_map_kern`) and waits for it.
pub(crate) fn exec(q: *mut bindings::request_queue, a: &ExecArgs<'_>) -> Result<ExecOut> {
    let rq = alloc_passthrough(q, a.cdb, a.dir, a.len, a.retries)?;
    // SAFETY: freshly allocated request of ours.
    let pdu = unsafe { pdu(rq) };
    if let Some((ch, id, lun)) = a.addr {
        pdu.cmd.channel = ch;
        pdu.cmd.id = id;
        pdu.cmd.lun = lun;
    }
    // SAFETY: our request.
    unsafe {
        (*rq).timeout = crate::ms_to_jiffies(if a.timeout_ms == 0 {
            DEFAULT_TIMEOUT_MS
        } else {
            a.timeout_ms
        });
        if a.quiet {
            (*rq).rq_flags |= rq_flag(bindings::__RQF_QUIET);
        }
    }
    if a.len != 0 {
        // SAFETY: `buf` is kernel memory of `len` bytes that outlives the
        // synchronous command.
        let ret =
            unsafe { bindings::blk_rq_map_kern(q, rq, a.buf.cast(), a.len, bindings::GFP_KERNEL) };
        if ret != 0 {
            // SAFETY: allocated above, never started.
            unsafe { bindings::blk_mq_free_request(rq) };
            return Err(Error::from_errno(ret));
        }
    }
    // SAFETY: a prepared request of ours; waits for it.
    let sts = unsafe { bindings::blk_execute_rq(rq, false) };
    let c = &pdu.cmd;
    let out = ExecOut {
        status: c.status,
        host: c.host,
        resid: c.resid.min(a.len),
        sense: c.sense,
        sense_len: c.sense_len.min(96),
    };
    // SAFETY: completed; freed once.
    unsafe { bindings::blk_mq_free_request(rq) };
    if sts != STS_OK && out.good() {
        // Refused before reaching the adapter (device gone or offline).
        return Err(ENXIO);
    }
    Ok(out)
}

/// Scans the whole host (work item or synchronous).
pub(crate) fn scan_host(host: &Host) {
    let _g = host.scan_lock.lock();
    if !host.running() {
        return;
    }
    for ch in 0..=host.lim.max_channel {
        for id in 0..host.lim.max_id {
            if !host.running() {
                return;
            }
            crate::scan::scan_target(host, ch, id, None);
        }
    }
}

/// The scan work of a host.
///
/// # Safety
///
/// `work` is the `scan_work` of a live host holding a device reference taken
/// when the work was queued.
pub(crate) unsafe extern "C" fn scan_work_fn(work: *mut bindings::work_struct) {
    // SAFETY: by the contract.
    let host = unsafe {
        &*(work
            .cast::<u8>()
            .sub(core::mem::offset_of!(Host, scan_work))
            .cast::<Host>())
    };
    scan_host(host);
    pr_info!("{}: scan done\n", host.name());
    // SAFETY: drops the reference taken when the work was queued.
    unsafe { bindings::put_device(host.dev_ptr()) };
}

pub(crate) static SCAN_WORK_KEY: KernelCell<bindings::lock_class_key> =
    KernelCell(Opaque::new(zeroed()));

/// Frees a host (its `hostN` device's release).
///
/// # Safety
///
/// `host` came from `KBox::into_raw` in `host_add` and has no users left.
pub(crate) unsafe fn release(host: *mut Host) {
    // SAFETY: by the contract.
    let h = unsafe { &*host };
    if h.tag_set_live.load(Ordering::Acquire) {
        // SAFETY: every queue of the tag set is gone: each device pins the
        // host, and the scan queue was destroyed at removal.
        unsafe { bindings::blk_mq_free_tag_set(h.tag_set.get()) };
    }
    // SAFETY: by the contract.
    drop(unsafe { KBox::from_raw(host) });
}

pub(crate) fn scan_queue_ptr(host: &Host) -> *mut bindings::request_queue {
    host.scan_q.load(Ordering::Acquire)
}
