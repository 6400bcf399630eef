// SPDX-License-Identifier: GPL-2.0

//! virtio_scsi_rs: virtio-scsi host adapter driver.
//!
//! Binds every virtio-scsi device (through the virtio PCI transport) and
//! serves it as one SCSI host of scsi_mod_rs: commands go on the request
//! virtqueues (one per hardware queue) and complete from the queue
//! interrupts, aborts and resets are task-management requests on the
//! control queue, and hot-plug and parameter-change events of the event
//! queue are handled in a work item.
//!
//! This file holds the logic and no `unsafe`; `vio.rs` is the binding part
//! (the C layer is `glue.c`).
//!
//! Ownership: the [`Adapter`] (queues, event buffers, the host) is in an
//! `Arc`. References: the one published in `vdev->priv` for the virtqueue
//! callbacks, the host's data (`HostDriver::Data`), and the event work while
//! it is queued. The host lives in the adapter (`Adapter::host`), a cycle
//! that remove breaks by taking it out: remove stops the event work, drops
//! the host (the core removes the devices and waits until every command is
//! given back; completions keep working because the callbacks still see the
//! adapter), then `vio::teardown` withdraws `priv`, resets the device
//! (waiting for running callbacks), deletes the queues and frees the
//! adapter as the last reference.

use kernel::bindings;
use kernel::c_str;
use kernel::ffi::c_void;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow, Mutex};
use kernel::workqueue::{self, impl_has_work, new_work, Work, WorkItem};

#[path = "../../rust/scsi_rs.rs"]
mod scsi_rs;
mod vio;

use scsi_rs::{
    Busy, Cmd, Host, HostDriver, HostDriverRegistration, HostEvents, HostLimits, HostParams,
    HostResult, ResetLevel,
};
use vio::sys;

module! {
    type: VirtioScsiModule,
    name: "virtio_scsi_rs",
    author: "The scsi-rs developers",
    description: "virtio-scsi host adapter driver in Rust",
    license: "GPL",
    alias: ["virtio:d00000008v*"],
}

/// Default limits of the adapters; each adapter reports its own from the
/// device configuration.
const LIMITS: HostLimits = HostLimits {
    can_queue: 1024,
    cmd_per_lun: 1,
    sg_tablesize: 128,
    max_sectors: 0xffff,
    max_channel: 0,
    max_id: 256,
    max_lun: 16384,
};

/// CDB size the driver sends (and writes to the device configuration).
const CDB_SIZE: usize = 32;
/// Sense size the driver accepts (and writes to the device configuration).
const SENSE_SIZE: usize = 96;
/// How long a task-management request may take.
const TMF_TIMEOUT_MS: u32 = 30_000;

// The protocol structures are the 32/96-byte variants.
const _: () = assert!(core::mem::size_of::<sys::virtio_scsi_cmd_req>() == 19 + CDB_SIZE);
const _: () = assert!(core::mem::size_of::<sys::virtio_scsi_cmd_resp>() == 12 + SENSE_SIZE);
const _: () = assert!(SENSE_SIZE == scsi_rs::SENSE_SIZE);

/// Converts a 32-bit field between CPU and device byte order (both ways).
fn v32(le: bool, x: u32) -> u32 {
    if le {
        u32::from_le(x)
    } else {
        x
    }
}

/// Converts a 64-bit field between CPU and device byte order (both ways).
fn v64(le: bool, x: u64) -> u64 {
    if le {
        u64::from_le(x)
    } else {
        x
    }
}

/// The virtio LUN field of a command or task-management request: a
/// single-level flat-space LUN (`0x4000 | lun`), as the device expects.
/// LUNs `0x4000..0x8000` are the numbers a flat-space LUN gets in the SAM
/// integer form of REPORT LUNS and encode to the same bytes.
fn encode_lun(channel: u32, id: u32, lun: u64) -> Option<[u8; 8]> {
    if channel != 0 || id > 255 || lun >= 0x8000 {
        return None;
    }
    let l = 0x4000 | (lun as u16 & 0x3fff);
    let [hi, lo] = l.to_be_bytes();
    Some([1, id as u8, hi, lo, 0, 0, 0, 0])
}

/// Target id and LUN of an event's LUN field, in the SAM integer form
/// (peripheral LUN `n` is `n`, flat-space LUN `n` is `0x4000 | n`).
fn decode_lun(lun: &[u8; 8]) -> Option<(u32, u64)> {
    if lun[0] != 1 {
        return None;
    }
    Some((
        u32::from(lun[1]),
        (u64::from(lun[2]) << 8) | u64::from(lun[3]),
    ))
}

/// The adapter result of a virtio response code.
fn host_result(response: u8) -> HostResult {
    match u32::from(response) {
        sys::VIRTIO_SCSI_S_OK => HostResult::Ok,
        // QEMU answers this for targets and LUNs that are not there.
        sys::VIRTIO_SCSI_S_BAD_TARGET | sys::VIRTIO_SCSI_S_INCORRECT_LUN => HostResult::NoConnect,
        sys::VIRTIO_SCSI_S_ABORTED => HostResult::Aborted,
        sys::VIRTIO_SCSI_S_RESET => HostResult::Reset,
        sys::VIRTIO_SCSI_S_BUSY | sys::VIRTIO_SCSI_S_TRANSPORT_FAILURE => HostResult::Retry,
        // OVERRUN, TARGET_FAILURE, NEXUS_FAILURE, FAILURE and unknown codes.
        _ => HostResult::Error,
    }
}

/// An error code the `kernel` crate of 6.12 does not name.
fn errno(e: u32) -> Error {
    Error::from_errno(-(e as i32))
}

/// Gives a command back that did not reach the device.
fn finish(mut cmd: Cmd, host: HostResult) {
    let len = cmd.data_len();
    cmd.set_result(0, host, len, &[]);
    cmd.done();
}

/// One virtio-scsi adapter.
#[pin_data]
struct Adapter {
    vdev: vio::VDev,
    /// Device fields are little endian (else CPU order: legacy devices).
    le: bool,
    /// Number of target ids.
    max_id: u32,
    #[pin]
    ctrl: vio::CtrlVq,
    #[pin]
    event: vio::EventVq,
    req: KVec<Pin<KBox<vio::ReqVq>>>,
    /// Processes returned event buffers.
    #[pin]
    work: Work<Adapter>,
    /// The SCSI host; `None` before it is added and once remove took it.
    #[pin]
    host: Mutex<Option<Host<VirtioScsi>>>,
}

impl Adapter {
    /// The request queue of the core's hardware queue `hwq` (one each; the
    /// core's count is ours, so the modulo only guards against a stray
    /// number).
    fn req_vq(&self, hwq: u16) -> Option<&vio::ReqVq> {
        let q = usize::from(hwq).checked_rem(self.req.len())?;
        self.req.get(q).map(|vq| &**vq)
    }
}

impl_has_work! {
    impl HasWork<Adapter> for Adapter { self.work }
}

impl WorkItem for Adapter {
    type Pointer = Arc<Adapter>;

    fn run(this: Arc<Adapter>) {
        this.process_events();
    }
}

impl Adapter {
    fn new(vdev: vio::VDev, cfg: &vio::Config, vqs: vio::Vqs) -> Result<Arc<Self>> {
        if vqs.req.is_empty() {
            return Err(EIO);
        }
        let mut req = KVec::with_capacity(vqs.req.len(), GFP_KERNEL)?;
        for raw in vqs.req {
            req.push(
                KBox::pin_init(vio::ReqVq::new(raw), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        Arc::pin_init(
            pin_init!(Adapter {
                vdev,
                le: vdev.is_little_endian(),
                max_id: cfg.max_target + 1,
                ctrl <- vio::CtrlVq::new(vqs.ctrl),
                event <- vio::EventVq::new(vqs.event),
                req,
                work <- new_work!("virtio_scsi_rs::event"),
                host <- new_mutex!(None, "virtio_scsi_rs::host"),
            }),
            GFP_KERNEL,
        )
    }

    /// Completes the commands of request queue `idx`.
    fn complete_queue(&self, q: &vio::ReqVq) {
        let le = self.le;
        q.complete_each(|cmd| complete_cmd(le, cmd));
    }

    /// Completes whatever the request queues hold, e.g. the commands a
    /// task-management function has ended.
    fn poll_requests(&self) {
        for q in self.req.iter() {
            self.complete_queue(q);
        }
    }

    /// Sends a task-management function and checks its response.
    fn tmf(&self, subtype: u32, lun: [u8; 8], tag: u64) -> Result {
        let le = self.le;
        let req = sys::virtio_scsi_ctrl_tmf_req {
            type_: v32(le, sys::VIRTIO_SCSI_T_TMF),
            subtype: v32(le, subtype),
            lun,
            tag: v64(le, tag),
        };
        let response = self.ctrl.tmf(req, TMF_TIMEOUT_MS)?;
        // The device has completed the commands the function ended before
        // answering; their interrupt may not have been handled yet.
        self.poll_requests();
        match u32::from(response) {
            sys::VIRTIO_SCSI_S_OK | sys::VIRTIO_SCSI_S_FUNCTION_SUCCEEDED => Ok(()),
            sys::VIRTIO_SCSI_S_FUNCTION_REJECTED => Err(errno(bindings::EOPNOTSUPP)),
            sys::VIRTIO_SCSI_S_BAD_TARGET | sys::VIRTIO_SCSI_S_INCORRECT_LUN => Err(ENODEV),
            _ => Err(EIO),
        }
    }

    /// Posts every event buffer.
    fn post_events(&self) {
        for i in 0..vio::EVENT_BUFS {
            if let Err(e) = self.event.post(i) {
                pr_warn!("cannot post event buffer {}: {:?}\n", i, e);
            }
        }
    }

    /// The event work: handles returned event buffers in order and reposts
    /// them, until there are none or events are stopped.
    fn process_events(&self) {
        let host = self.host.lock();
        let Some(host) = host.as_ref() else {
            return;
        };
        let events = host.events();
        while let Some((idx, ev)) = self.event.next() {
            self.handle_event(&events, &ev);
            if let Err(e) = self.event.post(idx) {
                pr_warn!("cannot repost event buffer {}: {:?}\n", idx, e);
            }
        }
    }

    fn handle_event(&self, events: &HostEvents, ev: &sys::virtio_scsi_event) {
        let mut kind = v32(self.le, ev.event);
        let reason = v32(self.le, ev.reason);
        let lun = ev.lun;
        if kind & sys::VIRTIO_SCSI_T_EVENTS_MISSED != 0 {
            kind &= !sys::VIRTIO_SCSI_T_EVENTS_MISSED;
            // New devices are found; removed ones stay until their commands
            // fail (the interface cannot list the host's devices).
            pr_info!("events missed: rescanning every target\n");
            for id in 0..self.max_id {
                let _ = events.scan_target(0, id, None);
            }
        }
        match kind {
            sys::VIRTIO_SCSI_T_NO_EVENT => {}
            sys::VIRTIO_SCSI_T_TRANSPORT_RESET => {
                let Some((id, lun)) = decode_lun(&lun) else {
                    pr_warn!("transport reset event with a bad LUN field {:?}\n", lun);
                    return;
                };
                match reason {
                    sys::VIRTIO_SCSI_EVT_RESET_RESCAN => {
                        // LUN 0 comes with a new target: scan all its LUNs.
                        let which = if lun == 0 { None } else { Some(lun) };
                        if let Err(e) = events.scan_target(0, id, which) {
                            pr_warn!("scan of 0:{}:{} failed: {:?}\n", id, lun, e);
                        }
                    }
                    sys::VIRTIO_SCSI_EVT_RESET_REMOVED => events.remove_device(0, id, lun),
                    _ => pr_info!("transport reset of 0:{}:{}, reason {}\n", id, lun, reason),
                }
            }
            sys::VIRTIO_SCSI_T_PARAM_CHANGE => {
                let Some((id, lun)) = decode_lun(&lun) else {
                    pr_warn!("parameter change event with a bad LUN field {:?}\n", lun);
                    return;
                };
                // asc 0x2a: parameters (0x00), mode parameters (0x01) or
                // capacity (0x09) changed. Any change is worth a rescan.
                let (asc, ascq) = (reason & 0xff, (reason >> 8) & 0xff);
                pr_debug!(
                    "0:{}:{}: parameters changed (asc {:#x} ascq {:#x})\n",
                    id,
                    lun,
                    asc,
                    ascq
                );
                events.rescan_device(0, id, lun);
            }
            // Not subscribed to.
            sys::VIRTIO_SCSI_T_ASYNC_NOTIFY => {}
            _ => pr_warn!("unsupported event {:#x}\n", kind),
        }
    }
}

/// Records the device's response to a command and gives it back.
fn complete_cmd(le: bool, mut cmd: Cmd) {
    let Some(p) = vio::cmd_priv(&mut cmd) else {
        return finish(cmd, HostResult::Error);
    };
    let resp = p.resp;
    let sense: [u8; SENSE_SIZE] = resp.sense;
    let sense_len = (v32(le, resp.sense_len) as usize).min(SENSE_SIZE);
    let resid = v32(le, resp.resid);
    cmd.set_result(
        resp.status,
        host_result(resp.response),
        resid,
        &sense[..sense_len],
    );
    cmd.done();
}

/// A virtqueue callback (interrupt context).
fn vq_done(a: ArcBorrow<'_, Adapter>, index: u32) {
    match index {
        vio::VQ_CTRL => a.ctrl.complete_all(),
        vio::VQ_EVENT => a.event.collect(|| {
            // Already queued: the queued work takes these events too.
            let _ = workqueue::system_freezable().enqueue(Arc::from(a));
        }),
        i => {
            if let Some(q) = a.req.get((i - vio::VQ_REQ) as usize) {
                a.complete_queue(q);
            }
        }
    }
}

/// Binds a device: queues, adapter, host, events, scan.
fn probe(reg: &HostDriverRegistration<VirtioScsi>, vdev: vio::VDev) -> Result {
    if !vdev.config_readable() {
        pr_err!("config access disabled\n");
        return Err(EINVAL);
    }
    let cfg = vdev.read_config();
    let nr_req = cfg.num_queues.clamp(1, vio::nr_cpu_ids().max(1));
    let vqs = vdev.find_vqs(nr_req)?;
    // Let the device use the sizes the driver's structures have.
    vdev.write_sizes(CDB_SIZE as u32, SENSE_SIZE as u32);
    let a = vqs.build(vdev, |vqs| Adapter::new(vdev, &cfg, vqs))?;
    vdev.publish(&a);

    let can_queue = a.req[0].ring_size();
    let params = HostParams {
        can_queue,
        cmd_per_lun: cfg.cmd_per_lun.clamp(1, can_queue.max(1)),
        sg_tablesize: cfg.seg_max.max(1),
        max_sectors: if cfg.max_sectors == 0 {
            0xffff
        } else {
            cfg.max_sectors
        },
        max_channel: 0,
        max_id: cfg.max_target + 1,
        // LUNs above 255 are flat-space LUNs, numbered 0x4000 + n.
        max_lun: u64::from(cfg.max_lun) + 1 + 0x4000,
        nr_hw_queues: nr_req,
        seg_boundary_mask: u64::from(u32::MAX),
        ..HostParams::default()
    };
    vdev.ready();
    let host = KBox::new(a.clone(), GFP_KERNEL)
        .map_err(Error::from)
        .and_then(|d| vdev.add_host(reg, &params, d));
    let host = match host {
        Ok(h) => h,
        Err(e) => {
            vio::teardown(vdev, a);
            return Err(e);
        }
    };
    pr_info!(
        "host{}: {} request queues, can_queue {}, sg_tablesize {}, max_sectors {}, {} targets\n",
        host.host_no(),
        nr_req,
        can_queue,
        params.sg_tablesize,
        params.max_sectors,
        params.max_id
    );
    let mut guard = a.host.lock();
    *guard = Some(host);
    if vdev.has_feature(sys::VIRTIO_SCSI_F_HOTPLUG) || vdev.has_feature(sys::VIRTIO_SCSI_F_CHANGE) {
        a.post_events();
    }
    if let Some(h) = guard.as_ref() {
        h.scan();
    }
    Ok(())
}

/// Unbinds a device (see the module documentation for the order).
fn remove(vdev: vio::VDev) {
    let Some(a) = vdev.adapter() else {
        return;
    };
    a.event.stop();
    vio::flush_work(&a.work);
    // Surprise removal (the transport marked the device broken): it will not
    // answer, so stop it and give back what it holds; later commands fail to
    // queue (-EIO) and are given back at once.
    let broken = a.req.iter().any(|q| q.is_broken());
    if broken {
        vdev.reset();
        for q in a.req.iter() {
            q.detach_cmds(|cmd| finish(cmd, HostResult::NoConnect));
        }
    }
    let host = a.host.lock().take();
    drop(host);
    vio::teardown(vdev, a);
}

/// The host-adapter driver.
struct VirtioScsi;

impl HostDriver for VirtioScsi {
    const NAME: &'static CStr = c_str!("virtio_scsi");
    const LIMITS: HostLimits = LIMITS;
    const CMD_PRIV_SIZE: u32 = vio::CMD_PRIV_SIZE;
    const BATCHES: bool = true;
    type Data = Arc<Adapter>;

    fn commit(a: &Arc<Adapter>, hwq: u16) {
        if let Some(vq) = a.req_vq(hwq) {
            vq.kick();
        }
    }

    fn map_queues(a: &Arc<Adapter>, map: scsi_rs::QueueMap) -> bool {
        a.vdev.map_queues(&map);
        true
    }

    fn queuecommand(a: &Arc<Adapter>, mut cmd: Cmd) -> core::result::Result<(), (Busy, Cmd)> {
        let (channel, id, lun) = cmd.address();
        let Some(lun) = encode_lun(channel, id, lun) else {
            finish(cmd, HostResult::NoConnect);
            return Ok(());
        };
        let mut cdb = [0u8; CDB_SIZE];
        let c = cmd.cdb();
        if c.len() > CDB_SIZE {
            finish(cmd, HostResult::Error);
            return Ok(());
        }
        cdb[..c.len()].copy_from_slice(c);
        // The command's address is its tag, as an abort names it.
        let tag = cmd.as_token() as usize as u64;
        let Some(vq) = a.req_vq(cmd.hwq()) else {
            finish(cmd, HostResult::Error);
            return Ok(());
        };
        let Some(p) = vio::cmd_priv(&mut cmd) else {
            finish(cmd, HostResult::Error);
            return Ok(());
        };
        p.req = sys::virtio_scsi_cmd_req {
            lun,
            tag: v64(a.le, tag),
            task_attr: sys::VIRTIO_SCSI_S_SIMPLE as u8,
            prio: 0,
            crn: 0,
            cdb,
        };
        p.resp = sys::virtio_scsi_cmd_resp::default();
        match vq.submit(cmd) {
            Ok(()) => Ok(()),
            // Ring full (or no memory for indirect descriptors).
            Err((e, cmd)) if e == ENOSPC || e == ENOMEM => Err((Busy::Host, cmd)),
            // The device is gone.
            Err((e, cmd)) if e == EIO => {
                finish(cmd, HostResult::NoConnect);
                Ok(())
            }
            Err((_, cmd)) => {
                finish(cmd, HostResult::Error);
                Ok(())
            }
        }
    }

    fn abort(a: &Arc<Adapter>, token: *mut c_void) -> Result {
        let (channel, id, lun) = vio::token_address(token).ok_or(EINVAL)?;
        let lun = encode_lun(channel, id, lun).ok_or(EINVAL)?;
        a.tmf(
            sys::VIRTIO_SCSI_T_TMF_ABORT_TASK,
            lun,
            token as usize as u64,
        )
    }

    /// LUN: LOGICAL UNIT RESET. Target: I_T NEXUS RESET of the target.
    /// Bus and host: virtio-scsi has no such function (a device reset would
    /// mean rebuilding the queues under the core), so every target id gets
    /// an I_T NEXUS RESET in turn; absent targets are skipped.
    fn reset(a: &Arc<Adapter>, level: ResetLevel, channel: u32, id: u32, lun: u64) -> Result {
        match level {
            ResetLevel::Lun => a.tmf(
                sys::VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
                encode_lun(channel, id, lun).ok_or(EINVAL)?,
                0,
            ),
            ResetLevel::Target => a.tmf(
                sys::VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET,
                encode_lun(channel, id, 0).ok_or(EINVAL)?,
                0,
            ),
            ResetLevel::Bus | ResetLevel::Host => {
                for t in 0..a.max_id.min(256) {
                    let lun = encode_lun(0, t, 0).ok_or(EINVAL)?;
                    match a.tmf(sys::VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET, lun, 0) {
                        Err(e) if e != ENODEV => return Err(e),
                        _ => {}
                    }
                }
                Ok(())
            }
        }
    }
}

struct VirtioScsiModule {
    _driver: vio::VirtioDriver,
}

impl kernel::Module for VirtioScsiModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // The host driver first: probe (which may run during the virtio
        // registration) adds hosts to it. Dropped in reverse order.
        let reg = HostDriverRegistration::<VirtioScsi>::new(module)?;
        Ok(Self {
            _driver: vio::VirtioDriver::register(reg)?,
        })
    }
}
