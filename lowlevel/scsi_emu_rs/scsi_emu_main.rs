// SPDX-License-Identifier: GPL-2.0

//! scsi_emu_rs: an emulated SCSI host adapter for scsi_mod_rs.
//!
//! A software-only low-level driver, the role `scsi_debug` plays for the C
//! stack: each of its `num_hosts` hosts (`hostN` below
//! `/sys/devices/scsi_emu_rs`) has one target whose LUNs are disks, CD-ROM
//! drives and tape drives (the `luns` parameter), run by the target
//! emulation of `emu/`, whose files are included here as modules.
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
//! This file holds the logic and no `unsafe`; `sys.rs` is the binding part
//! (the C layer is `glue.c`).

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use kernel::c_str;
use kernel::ffi::c_void;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::{Arc, SpinLock};
use kernel::time::Ktime;

#[path = "../../rust/scsi_rs.rs"]
mod scsi_rs;
mod sys;

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

use lun::{Kind, Lun};
use outcome::{Action, Outcome};
use scsi_rs::{
    Busy, Cmd, Host, HostDriver, HostDriverRegistration, HostLimits, HostParams, HostResult,
    ResetLevel,
};
use sense::SenseKey;
use sys::fparam;
use target::Target;

module! {
    type: EmuModule,
    name: "scsi_emu_rs",
    author: "The scsi-rs developers",
    description: "Emulated SCSI host adapter (disk, CD-ROM, tape) for scsi_mod_rs",
    license: "GPL",
}

/// Commands in flight per host: the size of its slot table.
const CAN_QUEUE: u32 = 64;

/// The adapter's limits: one channel, one target, LUNs 0 to 255.
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

/// Most hosts, and most LUNs per host.
const MAX_HOSTS: i32 = 8;
const MAX_LUNS: usize = 16;
/// Commands given back per pass of the work item (taken under the lock).
const BATCH: usize = 16;
const MIB: usize = 1 << 20;
/// Largest CD image read at load.
const MAX_IMAGE: usize = 1024 * MIB;

/// Milliseconds of the monotonic clock.
fn now_ms() -> i64 {
    Ktime::ktime_get().to_ms()
}

// ---------------------------------------------------------------------------
// Configuration

/// The load-time parameters, checked.
struct Settings {
    num_hosts: u32,
    kinds: KVec<Kind>,
    disk_bytes: usize,
    block_size: u32,
    tape_bytes: usize,
    cd_bytes: usize,
}

/// Checks a size parameter in MiB.
fn mib(name: &str, v: i32, max: i32) -> Result<usize> {
    if !(1..=max).contains(&v) {
        pr_err!("{}={} is out of range (1 to {})\n", name, v, max);
        return Err(EINVAL);
    }
    Ok(v as usize * MIB)
}

impl Settings {
    fn read(c: &sys::Config) -> Result<Self> {
        if !(1..=MAX_HOSTS).contains(&c.num_hosts) {
            pr_err!(
                "num_hosts={} is out of range (1 to {})\n",
                c.num_hosts,
                MAX_HOSTS
            );
            return Err(EINVAL);
        }
        if !matches!(c.sector_size, 512 | 1024 | 2048 | 4096) {
            pr_err!(
                "sector_size={} is not 512, 1024, 2048 or 4096\n",
                c.sector_size
            );
            return Err(EINVAL);
        }
        let luns = c.luns.to_str().map_err(|_| EINVAL)?;
        let mut kinds = KVec::new();
        for word in luns.split(',').map(str::trim) {
            let kind = match word {
                "disk" => Kind::Disk,
                "cdrom" | "cd" => Kind::CdRom,
                "tape" => Kind::Tape,
                _ => {
                    pr_err!(
                        "luns=\"{}\": unknown kind \"{}\" (disk, cdrom or tape)\n",
                        luns,
                        word
                    );
                    return Err(EINVAL);
                }
            };
            if kinds.len() == MAX_LUNS {
                pr_err!("luns=\"{}\": more than {} LUNs\n", luns, MAX_LUNS);
                return Err(EINVAL);
            }
            kinds.push(kind, GFP_KERNEL)?;
        }
        Ok(Settings {
            num_hosts: c.num_hosts as u32,
            kinds,
            disk_bytes: mib("dev_size_mb", c.dev_size_mb, 4096)?,
            block_size: c.sector_size as u32,
            tape_bytes: mib("tape_size_mb", c.tape_size_mb, 1024)?,
            cd_bytes: mib("cd_size_mb", c.cd_size_mb, 1024)?,
        })
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Disk => "disk",
        Kind::CdRom => "cdrom",
        Kind::Tape => "tape",
    }
}

// ---------------------------------------------------------------------------
// Logical units

/// One LUN: the emulated unit and its medium, under the LUN's lock.
struct LunState {
    lun: Lun,
    medium: VVec<u8>,
    number: u16,
    /// Fault parameter generations applied (global, then each).
    fault_gen: u32,
    fault_gens: [u32; fparam::COUNT],
}

impl LunState {
    /// Applies the fault parameters written since the previous command.
    fn sync_faults(&mut self) {
        let g = sys::fault_gen();
        if g == self.fault_gen {
            return;
        }
        self.fault_gen = g;
        let p = sys::faults();
        // A write of fault_lun re-applies every rule.
        let all = p.gen[fparam::LUN] != self.fault_gens[fparam::LUN];
        let ch: [bool; fparam::COUNT] =
            core::array::from_fn(|i| all || p.gen[i] != self.fault_gens[i]);
        self.fault_gens = p.gen;
        let mine = p.fault_lun < 0 || p.fault_lun == i32::from(self.number);
        let f = self.lun.faults_mut();
        if all {
            f.clear();
        }
        if !mine {
            return;
        }
        if ch[fparam::DROP] {
            f.drop_nth(p.drop_nth);
        }
        // BUSY and TASK SET FULL share one counter: a written 0 stops it.
        if ch[fparam::BUSY] && (p.busy != 0 || !all) {
            f.busy(p.busy);
        }
        if ch[fparam::TSF] && (p.task_set_full != 0 || !all) {
            f.task_set_full(p.task_set_full);
        }
        if ch[fparam::EVERY_NTH] || ch[fparam::OPCODE] || ch[fparam::SENSE] {
            let op = u8::try_from(p.fail_opcode).ok();
            let key = SenseKey::from_u8(p.sense_key);
            f.fail_every(p.every_nth, op, key, p.asc, p.ascq);
        }
        if ch[fparam::DELAY] {
            f.delay(p.delay_ms);
        }
    }
}

/// Builds the medium of a LUN: zeroed storage, or a copy of the CD image.
fn medium(s: &Settings, kind: Kind, image: Option<&[u8]>) -> Result<VVec<u8>> {
    let v = match (kind, image) {
        (Kind::Disk, _) => VVec::from_elem(0u8, s.disk_bytes, GFP_KERNEL)?,
        (Kind::Tape, _) => VVec::from_elem(0u8, s.tape_bytes, GFP_KERNEL)?,
        (Kind::CdRom, None) => VVec::from_elem(0u8, s.cd_bytes, GFP_KERNEL)?,
        (Kind::CdRom, Some(img)) => {
            let mut v = VVec::with_capacity(img.len(), GFP_KERNEL)?;
            v.extend_from_slice(img, GFP_KERNEL)?;
            v
        }
    };
    Ok(v)
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
    /// When the work item is due, if it is armed for a delayed command.
    armed: Option<i64>,
}

/// One emulated host adapter.
#[pin_data]
struct EmuHost {
    /// First field: dropped first, cancelling the work item before the
    /// rest of the host goes away.
    kick: sys::Kicker,
    host_no: AtomicU32,
    target: Target,
    luns: KVec<Pin<KBox<SpinLock<LunState>>>>,
    #[pin]
    pending: SpinLock<Pending>,
    /// The host is being removed: nothing is held any more.
    removing: AtomicBool,
}

impl EmuHost {
    fn new(index: u32, s: &Settings, image: Option<&[u8]>) -> Result<Arc<Self>> {
        let kick = sys::Kicker::new()?;
        let mut target = Target::new();
        let mut luns = KVec::with_capacity(s.kinds.len(), GFP_KERNEL)?;
        for (n, &kind) in s.kinds.iter().enumerate() {
            let number = n as u16;
            let cfg = lun::Config {
                block_size: s.block_size,
                unit_id: 0x0052_5553_5400_0000 | (u64::from(index) << 8) | u64::from(number),
                ..lun::Config::new(kind)
            };
            let unit = Lun::new(&cfg).map_err(|_| EINVAL)?;
            let state = LunState {
                lun: unit,
                medium: medium(s, kind, image)?,
                number,
                fault_gen: 0,
                fault_gens: [0; fparam::COUNT],
            };
            luns.push(
                KBox::pin_init(new_spinlock!(state, "scsi_emu_rs::lun"), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
            target.add_lun(number);
        }
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
                target,
                luns,
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

    fn lun(&self, lun: u64) -> Option<&SpinLock<LunState>> {
        let i = usize::try_from(lun).ok()?;
        self.luns.get(i).map(|l| &**l)
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

    /// Runs a command through the emulation.
    fn execute(&self, cmd: &Cmd, lun: u64) -> Outcome {
        let mut buf = sys::SgBuf::new(cmd);
        let Some(cell) = self.lun(lun) else {
            return self.target.execute(None, &mut [], cmd.cdb(), &mut buf);
        };
        let mut guard = cell.lock();
        let st = &mut *guard;
        st.sync_faults();
        let out = self
            .target
            .execute(Some(&mut st.lun), &mut st.medium, cmd.cdb(), &mut buf);
        if out.action == Action::Drop {
            pr_info!(
                "host{}: LUN {}: dropping command {:#04x} (fault injection)\n",
                self.host_no(),
                lun,
                cmd.cdb().first().copied().unwrap_or(0)
            );
        }
        out
    }

    /// `queuecommand`: runs the command and holds it until the work item
    /// gives it back.
    fn queue(&self, mut cmd: Cmd) -> core::result::Result<(), (Busy, Cmd)> {
        if !self.reserve() {
            return Err((Busy::Host, cmd));
        }
        let (channel, id, lun) = cmd.address();
        let when = if channel != 0 || id != 0 {
            // Nobody answers the selection.
            let len = cmd.data_len();
            cmd.set_result(0, HostResult::NoConnect, len, &[]);
            When::Now
        } else {
            let out = self.execute(&cmd, lun);
            cmd.set_result(out.status, HostResult::Ok, out.resid, out.sense_data());
            match out.action {
                Action::Complete => When::Now,
                Action::Delay(ms) => When::At(now_ms().saturating_add(i64::from(ms))),
                Action::Drop => When::Never,
            }
        };
        self.insert(Held { cmd, lun, when });
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
            When::Now => self.kick.kick(0),
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
            self.kick.kick(0);
        }
        n
    }

    /// ABORT TASK: the command, if still held, is given back as aborted.
    fn abort(&self, token: *mut c_void) {
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
                hit = Some((h.lun, h.cmd.tag(), op, held));
                self.kick.kick(0);
            }
        }
        let Some((lun, tag, op, held)) = hit else {
            // Already given back.
            return;
        };
        if let Some(cell) = self.lun(lun) {
            cell.lock().lun.abort(u64::from(tag));
        }
        if held {
            pr_info!(
                "host{}: LUN {}: command {:#04x} aborted\n",
                self.host_no(),
                lun,
                op
            );
        }
    }

    /// A LUN, target, bus or host reset: held commands of what is reset
    /// are given back as reset, and the units report the reset.
    fn reset(&self, level: ResetLevel, channel: u32, id: u32, lun: u64) {
        let (what, only) = match level {
            ResetLevel::Lun => ("LUN", Some(lun)),
            ResetLevel::Target => ("target", None),
            ResetLevel::Bus => ("bus", None),
            ResetLevel::Host => ("host", None),
        };
        if matches!(level, ResetLevel::Lun | ResetLevel::Target) && (channel != 0 || id != 0) {
            return;
        }
        let n = self.end_held(HostResult::Reset, |h| only.map_or(true, |l| l == h.lun));
        match only {
            Some(l) => {
                if let Some(cell) = self.lun(l) {
                    cell.lock().lun.lun_reset();
                }
            }
            None => {
                for cell in self.luns.iter() {
                    cell.lock().lun.reset();
                }
            }
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
        p.armed = None;
        self.kick.kick(0);
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
        h.abort(token);
        Ok(())
    }

    fn reset(h: &Arc<EmuHost>, level: ResetLevel, channel: u32, id: u32, lun: u64) -> Result {
        h.reset(level, channel, id, lun);
        Ok(())
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
    _root: sys::RootDevice,
    _wq: sys::Workqueue,
}

impl kernel::Module for EmuModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let cfg = sys::config();
        let s = Settings::read(&cfg)?;
        let image = if cfg.cd_image.is_empty() || !s.kinds.contains(&Kind::CdRom) {
            None
        } else {
            match sys::read_file(cfg.cd_image, MAX_IMAGE) {
                Ok(v) => Some(v),
                Err(e) => {
                    pr_err!(
                        "cannot read cd_image {}: error {}\n",
                        cfg.cd_image,
                        e.to_errno()
                    );
                    return Err(e);
                }
            }
        };
        let wq = sys::Workqueue::create()?;
        let root = sys::RootDevice::register()?;
        let reg = HostDriverRegistration::<Emu>::new(module)?;
        let mut hosts = KVec::with_capacity(s.num_hosts as usize, GFP_KERNEL)?;
        for i in 0..s.num_hosts {
            let data = EmuHost::new(i, &s, image.as_deref())?;
            let params = HostParams::default();
            let host = sys::add_host(&reg, &root, &params, KBox::new(data.clone(), GFP_KERNEL)?)?;
            data.host_no.store(host.host_no(), Ordering::Relaxed);
            pr_info!(
                "host{}: emulated adapter {}, {} LUNs\n",
                host.host_no(),
                i,
                s.kinds.len()
            );
            hosts.push(
                HostEntry {
                    host: Some(host),
                    data,
                },
                GFP_KERNEL,
            )?;
        }
        drop(image);
        for h in hosts.iter() {
            for (n, cell) in h.data.luns.iter().enumerate() {
                let st = cell.lock();
                pr_info!(
                    "host{}: LUN {}: {}, {} KiB\n",
                    h.data.host_no(),
                    n,
                    kind_name(st.lun.kind()),
                    st.medium.len() / 1024
                );
            }
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
