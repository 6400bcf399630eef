// SPDX-License-Identifier: GPL-2.0

//! scsi_emu_rs: an emulated SCSI host adapter for scsi_mod_rs.
//!
//! A software-only low-level driver, the role `scsi_debug` plays for the C
//! stack: each of its `num_hosts` hosts (`hostN` below
//! `/sys/devices/scsi_emu_rs`) has `num_targets` targets (ids 0 to
//! `num_targets` - 1), each with the same list of LUNs, disks, CD-ROM
//! drives and tape drives (the `luns` parameter) with media of their own,
//! run by the target emulation of `emu/`, whose files are included here as
//! modules. Other target ids do not answer the selection (`NO_CONNECT`).
//!
//! Commands: `queuecommand` (atomic context) takes the LUN's spinlock and
//! runs the emulation with the command's scatterlist as its data buffer
//! (the data moves straight between the medium and the request's pages).
//! The outcome is recorded in the command, which then waits in the host's
//! slot table until the host's delayed work item gives it back: at once,
//! after the delay fault injection asked for, or, for a dropped command,
//! when the core aborts it or resets its LUN, target or host. Every command
//! is given back exactly once; at removal, held commands are given back at
//! once (dropped ones failed with `NO_CONNECT`) and later ones are not held.
//!
//! Fault injection comes from module parameters that can be written at run
//! time: each LUN applies the rules written since its previous command.
//!
//! This file (the hosts) and `units.rs` (the LUNs, shared with scsi_emu_c)
//! hold the logic and no `unsafe`; `sys.rs` and `emu_sys.rs` (shared) are
//! the binding part (the C layer is `glue.c`).

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use kernel::c_str;
use kernel::ffi::c_void;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::{Arc, SpinLock};
use kernel::time::Ktime;

#[path = "../../rust/scsi_rs.rs"]
mod scsi_rs;

mod emu_sys;
mod sys;
mod units;

// The protocol files the emulation uses, and the emulation, as siblings
// (see Documentation/emulator.rst). The emulation is written for rustc 1.85
// (the toolchain), newer than the kernel's minimum that clippy checks.
#[path = "../../proto/src/bytes.rs"]
#[allow(dead_code, unreachable_pub)]
mod bytes;
#[path = "../../proto/src/capacity.rs"]
#[allow(dead_code, unreachable_pub)]
mod capacity;
#[path = "../../proto/src/cdb.rs"]
#[allow(dead_code, unreachable_pub)]
mod cdb;
#[path = "../../proto/src/error.rs"]
#[allow(dead_code, unreachable_pub)]
mod error;
#[path = "../../proto/src/inquiry.rs"]
#[allow(dead_code, unreachable_pub)]
mod inquiry;
#[path = "../../proto/src/luns.rs"]
#[allow(dead_code, unreachable_pub)]
mod luns;
#[path = "../../proto/src/mode.rs"]
#[allow(dead_code, unreachable_pub)]
mod mode;
#[path = "../../proto/src/sense.rs"]
#[allow(dead_code, unreachable_pub)]
mod sense;
#[path = "../../proto/src/status.rs"]
#[allow(dead_code, unreachable_pub)]
mod status;
#[path = "../../proto/src/vpd.rs"]
#[allow(dead_code, unreachable_pub)]
mod vpd;

#[path = "../../emu/src/cdrom.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod cdrom;
#[path = "../../emu/src/databuf.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod databuf;
#[path = "../../emu/src/disk.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod disk;
#[path = "../../emu/src/fault.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod fault;
#[path = "../../emu/src/lun.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod lun;
#[path = "../../emu/src/opcodes.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod opcodes;
#[path = "../../emu/src/outcome.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod outcome;
#[path = "../../emu/src/spc.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod spc;
#[path = "../../emu/src/tape.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod tape;
#[path = "../../emu/src/tapefmt.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod tapefmt;
#[path = "../../emu/src/target.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod target;
#[path = "../../emu/src/ua.rs"]
#[allow(dead_code, unreachable_pub, clippy::incompatible_msrv)]
mod ua;

use outcome::Action;
use scsi_rs::{
    Busy, Cmd, Host, HostDriver, HostDriverRegistration, HostLimits, HostParams, HostResult,
    ResetLevel,
};
use units::{Settings, Units};

module! {
    type: EmuModule,
    name: "scsi_emu_rs",
    author: "The scsi-rs developers",
    description: "Emulated SCSI host adapter (disk, CD-ROM, tape) for scsi_mod_rs",
    license: "GPL",
}

/// Commands in flight per host: the size of its slot table.
const CAN_QUEUE: u32 = 64;

/// The adapter's limits: one channel, LUNs 0 to 255. Each host sets its
/// `max_id` to `num_targets` (see [`EmuModule`]'s `init`).
const LIMITS: HostLimits = HostLimits {
    can_queue: CAN_QUEUE,
    cmd_per_lun: 16,
    sg_tablesize: 128,
    // 512 KiB per command: the copy runs under the LUN's spinlock.
    max_sectors: 1024,
    max_channel: 0,
    max_id: 1,
    max_lun: target::MAX_LUNS as u64,
};

/// Commands given back per pass of the work item (taken under the lock).
const BATCH: usize = 16;

/// Milliseconds of the monotonic clock.
fn now_ms() -> i64 {
    Ktime::ktime_get().to_ms()
}

// ---------------------------------------------------------------------------
// Hosts

/// When a held command is given back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum When {
    Now,
    /// At this time of [`now_ms`].
    At(i64),
    /// Dropped by fault injection: when aborted or reset.
    Never,
}

/// A command waiting to be given back, its outcome recorded.
struct Held {
    cmd: Cmd,
    id: u32,
    lun: u64,
    when: When,
}

impl Held {
    /// Ends the command with an adapter result instead of its outcome.
    fn end(&mut self, host: HostResult) {
        let len = self.cmd.data_len();
        self.cmd.set_result(0, host, len, &[]);
        self.when = When::Now;
    }

    fn due(&self, now: i64) -> bool {
        match self.when {
            When::Now => true,
            When::At(t) => t <= now,
            When::Never => false,
        }
    }
}

/// The commands a host holds.
struct Pending {
    slots: KVec<Option<Held>>,
    /// Slots in use or reserved by a `queuecommand` in progress.
    used: usize,
    /// When the work item is due, if it is armed ([`i64::MIN`]: at once).
    armed: Option<i64>,
}

impl Pending {
    /// Runs the work item at once. Recorded, so that a delayed command
    /// queued next does not postpone it.
    fn kick_now(&mut self, kick: &sys::Kicker) {
        self.armed = Some(i64::MIN);
        kick.kick(0);
    }
}

/// One emulated host adapter.
#[pin_data]
struct EmuHost {
    /// First field: dropped first, cancelling the work item before the
    /// rest of the host goes away.
    kick: sys::Kicker,
    host_no: AtomicU32,
    units: Units,
    #[pin]
    pending: SpinLock<Pending>,
    /// The host is being removed: nothing is held any more.
    removing: AtomicBool,
}

impl EmuHost {
    fn new(index: u32, s: &Settings) -> Result<Arc<Self>> {
        let kick = sys::Kicker::new()?;
        let units = Units::new(index, s)?;
        let mut slots = KVec::with_capacity(CAN_QUEUE as usize, GFP_KERNEL)?;
        for _ in 0..CAN_QUEUE {
            slots.push(None, GFP_KERNEL)?;
        }
        let pending = Pending {
            slots,
            used: 0,
            armed: None,
        };
        let h = Arc::pin_init(
            pin_init!(EmuHost {
                kick,
                host_no: AtomicU32::new(0),
                units,
                pending <- new_spinlock!(pending, "scsi_emu_rs::pending"),
                removing: AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )?;
        h.kick.bind(&h);
        Ok(h)
    }

    fn host_no(&self) -> u32 {
        self.host_no.load(Ordering::Relaxed)
    }

    /// Reserves a slot for a command being queued.
    fn reserve(&self) -> bool {
        let mut p = self.pending.lock();
        if p.used < p.slots.len() {
            p.used += 1;
            true
        } else {
            false
        }
    }

    /// `queuecommand`: runs the command and holds it until the work item
    /// gives it back.
    fn queue(&self, mut cmd: Cmd) -> core::result::Result<(), (Busy, Cmd)> {
        if !self.reserve() {
            return Err((Busy::Host, cmd));
        }
        let (channel, id, lun) = cmd.address();
        let out = if channel != 0 {
            None
        } else {
            self.units
                .execute(self.host_no(), id, lun, cmd.cdb(), &mut sys::cmd_buf(&cmd))
        };
        let when = match out {
            // No such target: nobody answers the selection.
            None => {
                let len = cmd.data_len();
                cmd.set_result(0, HostResult::NoConnect, len, &[]);
                When::Now
            }
            Some(out) => {
                cmd.set_result(out.status, HostResult::Ok, out.resid, out.sense_data());
                match out.action {
                    Action::Complete => When::Now,
                    Action::Delay(ms) => When::At(now_ms().saturating_add(i64::from(ms))),
                    Action::Drop => When::Never,
                }
            }
        };
        self.insert(Held { cmd, id, lun, when });
        Ok(())
    }

    /// Puts a command in its reserved slot and arms the work item.
    fn insert(&self, mut held: Held) {
        let mut p = self.pending.lock();
        if self.removing.load(Ordering::Relaxed) && held.when != When::Now {
            if held.when == When::Never {
                held.end(HostResult::NoConnect);
            }
            held.when = When::Now;
        }
        match held.when {
            When::Now => p.kick_now(&self.kick),
            When::At(t) => {
                if p.armed.map_or(true, |a| t < a) {
                    p.armed = Some(t);
                    self.kick.kick(ms_until(t));
                }
            }
            When::Never => {}
        }
        match p.slots.iter_mut().find(|s| s.is_none()) {
            Some(slot) => *slot = Some(held),
            None => {
                // Not reached: the slot was reserved. Give it back now.
                p.used = p.used.saturating_sub(1);
                drop(p);
                held.cmd.done();
            }
        }
    }

    /// The work item: gives back the commands that are due and re-arms for
    /// the next delayed one.
    fn run(&self) {
        loop {
            let mut batch: [Option<Cmd>; BATCH] = core::array::from_fn(|_| None);
            let mut n = 0;
            {
                let mut p = self.pending.lock();
                let now = now_ms();
                for slot in p.slots.iter_mut() {
                    if n == BATCH {
                        break;
                    }
                    if slot.as_ref().is_some_and(|h| h.due(now)) {
                        batch[n] = slot.take().map(|h| h.cmd);
                        n += 1;
                    }
                }
                p.used = p.used.saturating_sub(n);
                let next = p
                    .slots
                    .iter()
                    .flatten()
                    .filter_map(|h| match h.when {
                        When::At(t) => Some(t),
                        _ => None,
                    })
                    .min();
                p.armed = next;
                if let Some(t) = next {
                    self.kick.kick(ms_until(t));
                }
            }
            for cmd in batch.iter_mut().filter_map(Option::take) {
                cmd.done();
            }
            if n < BATCH {
                break;
            }
        }
    }

    /// Ends the held commands `pick` selects with `result`; their number.
    fn end_held(&self, result: HostResult, pick: impl Fn(&Held) -> bool) -> usize {
        let mut p = self.pending.lock();
        let mut n = 0;
        for h in p.slots.iter_mut().flatten() {
            if h.when != When::Now && pick(h) {
                h.end(result);
                n += 1;
            }
        }
        if n > 0 {
            p.kick_now(&self.kick);
        }
        n
    }

    /// ABORT TASK: the command, if still held, is given back as aborted.
    /// Fails, doing nothing, when `eh_fail` says so; reports success,
    /// doing nothing, when `eh_lie` does.
    fn abort(&self, token: *mut c_void) -> Result {
        if sys::take_eh_fail() {
            pr_info!(
                "host{}: failing an abort (fault injection)\n",
                self.host_no()
            );
            return Err(EIO);
        }
        if sys::take_eh_lie() {
            pr_info!(
                "host{}: reporting an abort done without doing it (fault injection)\n",
                self.host_no()
            );
            return Ok(());
        }
        let mut hit = None;
        {
            let mut p = self.pending.lock();
            if let Some(h) = p
                .slots
                .iter_mut()
                .flatten()
                .find(|h| h.cmd.as_token() == token)
            {
                let op = h.cmd.cdb().first().copied().unwrap_or(0);
                let held = h.when != When::Now;
                if held {
                    h.end(HostResult::Aborted);
                }
                hit = Some((h.id, h.lun, h.cmd.tag(), op, held));
            }
            if hit.is_some() {
                p.kick_now(&self.kick);
            }
        }
        let Some((id, lun, tag, op, held)) = hit else {
            // Already given back.
            return Ok(());
        };
        self.units.abort(id, lun, u64::from(tag));
        if held {
            pr_info!(
                "host{}: target {} LUN {}: command {:#04x} aborted\n",
                self.host_no(),
                id,
                lun,
                op
            );
        }
        Ok(())
    }

    /// A LUN, target, bus or host reset: held commands of what is reset
    /// are given back as reset, and the units report the reset.
    ///
    /// When `eh_fail` says so it fails, doing nothing; a failed bus or host
    /// reset, as dead hardware would, drops the commands held for ever
    /// (`drop_nth`) without giving them back (the mid-layer ends them
    /// itself after a failed host reset). When `eh_lie` says so it reports
    /// success and does nothing, but for a bus or host reset, which drops
    /// those commands in the same way: the core owns them once a host
    /// reset has not brought them back.
    fn reset(&self, level: ResetLevel, channel: u32, id: u32, lun: u64) -> Result {
        let what = match level {
            ResetLevel::Lun => "LUN",
            ResetLevel::Target => "target",
            ResetLevel::Bus => "bus",
            ResetLevel::Host => "host",
        };
        let fail = sys::take_eh_fail();
        if fail || sys::take_eh_lie() {
            let dropped = if matches!(level, ResetLevel::Bus | ResetLevel::Host) {
                self.forget_held()
            } else {
                0
            };
            let (verb, outcome) = if fail {
                ("failing", "")
            } else {
                ("reporting", " done without doing it")
            };
            pr_info!(
                "host{}: {} a {} reset of {}:{}:{}{} (fault injection); {} held commands dropped\n",
                self.host_no(),
                verb,
                what,
                channel,
                id,
                lun,
                outcome,
                dropped
            );
            return if fail { Err(EIO) } else { Ok(()) };
        }
        if matches!(level, ResetLevel::Lun | ResetLevel::Target)
            && (channel != 0 || id >= self.units.target_count())
        {
            return Ok(());
        }
        let n = self.end_held(HostResult::Reset, |h| match level {
            ResetLevel::Lun => h.id == id && h.lun == lun,
            ResetLevel::Target => h.id == id,
            ResetLevel::Bus | ResetLevel::Host => true,
        });
        match level {
            ResetLevel::Lun => self.units.lun_reset(id, lun),
            ResetLevel::Target => self.units.target_reset(id),
            ResetLevel::Bus | ResetLevel::Host => self.units.reset(),
        }
        pr_info!(
            "host{}: {} reset of {}:{}:{}: {} held commands ended\n",
            self.host_no(),
            what,
            channel,
            id,
            lun,
            n
        );
        Ok(())
    }

    /// Drops the commands held for ever (fault injection) without giving
    /// them back; their number.
    fn forget_held(&self) -> usize {
        let mut p = self.pending.lock();
        let mut n = 0;
        for slot in p.slots.iter_mut() {
            if slot.as_ref().is_some_and(|h| h.when == When::Never) {
                // `Cmd` has no destructor: the command is only forgotten.
                *slot = None;
                n += 1;
            }
        }
        p.used = p.used.saturating_sub(n);
        n
    }

    /// The host is going away: give back everything held, hold nothing
    /// from now on.
    fn shutdown(&self) {
        let mut p = self.pending.lock();
        self.removing.store(true, Ordering::Relaxed);
        for h in p.slots.iter_mut().flatten() {
            match h.when {
                When::Never => h.end(HostResult::NoConnect),
                When::At(_) => h.when = When::Now,
                When::Now => {}
            }
        }
        p.kick_now(&self.kick);
    }
}

/// Milliseconds from now until `t` (0 if past).
fn ms_until(t: i64) -> u32 {
    u32::try_from(t.saturating_sub(now_ms()).max(0)).unwrap_or(u32::MAX)
}

/// The host-adapter driver.
struct Emu;

impl HostDriver for Emu {
    const NAME: &'static CStr = c_str!("scsi_emu_rs");
    const LIMITS: HostLimits = LIMITS;
    type Data = Arc<EmuHost>;

    fn queuecommand(h: &Arc<EmuHost>, cmd: Cmd) -> core::result::Result<(), (Busy, Cmd)> {
        h.queue(cmd)
    }

    fn abort(h: &Arc<EmuHost>, token: *mut c_void) -> Result {
        h.abort(token)
    }

    fn reset(h: &Arc<EmuHost>, level: ResetLevel, channel: u32, id: u32, lun: u64) -> Result {
        h.reset(level, channel, id, lun)
    }
}

// ---------------------------------------------------------------------------
// The module

/// A host and its data; removing it gives back what it holds first.
struct HostEntry {
    host: Option<Host<Emu>>,
    data: Arc<EmuHost>,
}

impl Drop for HostEntry {
    fn drop(&mut self) {
        self.data.shutdown();
        // Removes the devices and waits until every command is given back.
        drop(self.host.take());
        // `data` goes last; its kicker is cancelled first.
    }
}

/// Dropped in field order: the hosts, then the driver, the root device and
/// the workqueue.
struct EmuModule {
    _hosts: KVec<HostEntry>,
    _reg: HostDriverRegistration<Emu>,
    _root: emu_sys::RootDevice,
    _wq: emu_sys::Workqueue,
}

impl kernel::Module for EmuModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let mut s = Settings::read()?;
        let wq = emu_sys::Workqueue::create()?;
        let root = emu_sys::RootDevice::register()?;
        let reg = HostDriverRegistration::<Emu>::new(module)?;
        let mut hosts = KVec::with_capacity(s.num_hosts as usize, GFP_KERNEL)?;
        for i in 0..s.num_hosts {
            let data = EmuHost::new(i, &s)?;
            let params = HostParams {
                max_id: data.units.target_count(),
                ..HostParams::default()
            };
            let host = sys::add_host(&reg, &root, &params, KBox::new(data.clone(), GFP_KERNEL)?)?;
            data.host_no.store(host.host_no(), Ordering::Relaxed);
            pr_info!(
                "host{}: emulated adapter {}, targets 0 to {}, {} LUNs each\n",
                host.host_no(),
                i,
                data.units.target_count() - 1,
                data.units.count()
            );
            data.units.log(host.host_no());
            hosts.push(
                HostEntry {
                    host: Some(host),
                    data,
                },
                GFP_KERNEL,
            )?;
        }
        s.drop_image();
        for h in hosts.iter() {
            if let Some(host) = &h.host {
                host.scan();
            }
        }
        Ok(EmuModule {
            _hosts: hosts,
            _reg: reg,
            _root: root,
            _wq: wq,
        })
    }
}
