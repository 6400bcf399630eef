// SPDX-License-Identifier: GPL-2.0

//! The targets and logical units of an emulated host, shared by scsi_emu_rs
//! and scsi_emu_c (which includes this file with `#[path]`): the load-time
//! settings, the host's `num_targets` targets, each with the LUNs of `luns`
//! (every LUN an emulated unit with its own medium under its own spinlock),
//! the fault parameters applied per LUN, and the entry points the front
//! ends call (execute, abort, resets), addressed by target id and LUN.

use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;

use crate::databuf::DataBuf;
use crate::emu_sys::{self, fparam};
use crate::lun::{self, Kind, Lun};
use crate::outcome::{Action, Outcome};
use crate::sense::SenseKey;
use crate::target::Target;

/// Most hosts, targets per host, and LUNs per target.
const MAX_HOSTS: i32 = 8;
const MAX_TARGETS: i32 = 16;
const MAX_LUNS: usize = 16;
const MIB: usize = 1 << 20;
/// Largest CD image read at load.
const MAX_IMAGE: usize = 1024 * MIB;
/// Most medium memory of all units of all hosts together.
const MAX_MEDIA: u64 = 1 << 30;

// ---------------------------------------------------------------------------
// Configuration

/// The load-time parameters, checked.
pub(crate) struct Settings {
    pub(crate) num_hosts: u32,
    num_targets: u32,
    kinds: KVec<Kind>,
    disk_bytes: usize,
    block_size: u32,
    tape_bytes: usize,
    cd_bytes: usize,
    /// The CD image, while the hosts are built.
    image: Option<VVec<u8>>,
}

/// The disc of the CD-ROM drives, for the memory check.
#[derive(Clone, Copy)]
enum CdMedium {
    /// All zeroes, `cd_size_mb`.
    Blank,
    /// A copy of `cd_image`, of this size once it is read.
    Image(Option<usize>),
}

/// The CD-ROMs' part of the memory check's message.
struct CdDesc {
    cd: CdMedium,
    cd_size_mb: i32,
}

impl core::fmt::Display for CdDesc {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.cd {
            CdMedium::Blank => write!(f, "cd_size_mb={}", self.cd_size_mb),
            CdMedium::Image(None) => write!(f, "cd_image not counted yet"),
            CdMedium::Image(Some(n)) => write!(f, "cd_image of {} KiB", n.div_ceil(1024)),
        }
    }
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
    /// Reads and checks the module parameters; reads the CD image.
    pub(crate) fn read() -> Result<Self> {
        let c = emu_sys::config();
        if !(1..=MAX_HOSTS).contains(&c.num_hosts) {
            pr_err!(
                "num_hosts={} is out of range (1 to {})\n",
                c.num_hosts,
                MAX_HOSTS
            );
            return Err(EINVAL);
        }
        if !(1..=MAX_TARGETS).contains(&c.num_targets) {
            pr_err!(
                "num_targets={} is out of range (1 to {})\n",
                c.num_targets,
                MAX_TARGETS
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
        let mut s = Settings {
            num_hosts: c.num_hosts as u32,
            num_targets: c.num_targets as u32,
            kinds,
            disk_bytes: mib("dev_size_mb", c.dev_size_mb, 1024)?,
            block_size: c.sector_size as u32,
            tape_bytes: mib("tape_size_mb", c.tape_size_mb, 1024)?,
            cd_bytes: mib("cd_size_mb", c.cd_size_mb, 1024)?,
            image: None,
        };
        if c.cd_image.is_empty() || !s.kinds.contains(&Kind::CdRom) {
            s.check_media(&c, CdMedium::Blank)?;
        } else {
            // What is known before the image is read, then everything.
            s.check_media(&c, CdMedium::Image(None))?;
            match emu_sys::read_file(c.cd_image, MAX_IMAGE) {
                Ok(v) => s.image = Some(v),
                Err(e) => {
                    pr_err!(
                        "cannot read cd_image {}: error {}\n",
                        c.cd_image,
                        e.to_errno()
                    );
                    return Err(e);
                }
            }
            let len = s.image.as_ref().map(|v| v.len());
            s.check_media(&c, CdMedium::Image(len))?;
        }
        Ok(s)
    }

    /// Bytes of medium of one unit of `kind`, CD-ROMs holding `cd`.
    fn medium_bytes(&self, kind: Kind, cd: CdMedium) -> usize {
        match (kind, cd) {
            (Kind::Disk, _) => self.disk_bytes,
            (Kind::Tape, _) => self.tape_bytes,
            (Kind::CdRom, CdMedium::Blank) => self.cd_bytes,
            (Kind::CdRom, CdMedium::Image(n)) => n.unwrap_or(0),
        }
    }

    /// Refuses a load whose media (every LUN of every target of every
    /// host has its own) would take more than [`MAX_MEDIA`] bytes.
    fn check_media(&self, c: &emu_sys::Config, cd: CdMedium) -> Result {
        let per_target: u64 = self
            .kinds
            .iter()
            .map(|&k| self.medium_bytes(k, cd) as u64)
            .sum();
        let total = per_target
            .saturating_mul(u64::from(self.num_targets))
            .saturating_mul(u64::from(self.num_hosts));
        if total <= MAX_MEDIA {
            return Ok(());
        }
        let cd_desc = CdDesc {
            cd,
            cd_size_mb: c.cd_size_mb,
        };
        pr_err!(
            "num_hosts={} x num_targets={} x luns=\"{}\" (dev_size_mb={}, tape_size_mb={}, {}) need {} MiB of media, more than {} MiB\n",
            c.num_hosts,
            c.num_targets,
            c.luns,
            c.dev_size_mb,
            c.tape_size_mb,
            cd_desc,
            total.div_ceil(MIB as u64),
            MAX_MEDIA / MIB as u64
        );
        Err(EINVAL)
    }

    /// Frees the CD image once every host has its copy.
    pub(crate) fn drop_image(&mut self) {
        self.image = None;
    }

    /// Builds the medium of a LUN: zeroed storage, or a copy of the image.
    fn medium(&self, kind: Kind) -> Result<VVec<u8>> {
        let v = match (kind, self.image.as_deref()) {
            (Kind::Disk, _) => VVec::from_elem(0u8, self.disk_bytes, GFP_KERNEL)?,
            (Kind::Tape, _) => VVec::from_elem(0u8, self.tape_bytes, GFP_KERNEL)?,
            (Kind::CdRom, None) => VVec::from_elem(0u8, self.cd_bytes, GFP_KERNEL)?,
            (Kind::CdRom, Some(img)) => {
                let mut v = VVec::with_capacity(img.len(), GFP_KERNEL)?;
                v.extend_from_slice(img, GFP_KERNEL)?;
                v
            }
        };
        Ok(v)
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
        let g = emu_sys::fault_gen();
        if g == self.fault_gen {
            return;
        }
        self.fault_gen = g;
        let p = emu_sys::faults();
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

/// One target of a host: its LUN map and logical units.
struct TargetUnits {
    target: Target,
    luns: KVec<Pin<KBox<SpinLock<LunState>>>>,
}

impl TargetUnits {
    /// Target `id` of host `index`, with the LUNs of `luns`, each with a
    /// medium of its own.
    fn new(index: u32, id: u32, s: &Settings) -> Result<Self> {
        let mut target = Target::new();
        let mut luns = KVec::with_capacity(s.kinds.len(), GFP_KERNEL)?;
        for (n, &kind) in s.kinds.iter().enumerate() {
            let number = n as u16;
            // Unique per host, target and LUN (ids and LUNs below 256).
            let unit_id = 0x0052_5553_5400_0000
                | (u64::from(id & 0xff) << 16)
                | (u64::from(index & 0xff) << 8)
                | u64::from(number & 0xff);
            let cfg = lun::Config {
                block_size: s.block_size,
                unit_id,
                ..lun::Config::new(kind)
            };
            let unit = Lun::new(&cfg).map_err(|_| EINVAL)?;
            let state = LunState {
                lun: unit,
                medium: s.medium(kind)?,
                number,
                fault_gen: 0,
                fault_gens: [0; fparam::COUNT],
            };
            luns.push(
                KBox::pin_init(new_spinlock!(state, "scsi_emu::lun"), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
            target.add_lun(number);
        }
        Ok(TargetUnits { target, luns })
    }

    fn lun(&self, lun: u64) -> Option<&SpinLock<LunState>> {
        let i = usize::try_from(lun).ok()?;
        self.luns.get(i).map(|l| &**l)
    }

    /// A hard reset of every LUN of the target.
    fn reset(&self) {
        for cell in self.luns.iter() {
            cell.lock().lun.reset();
        }
    }
}

/// The targets of one host, ids 0 to `num_targets` - 1, and their logical
/// units. Other ids have no target: the front ends answer for them as an
/// adapter whose selection times out.
pub(crate) struct Units {
    targets: KVec<TargetUnits>,
}

impl Units {
    /// The targets of host `index` (which, with the target id and the LUN,
    /// makes the units' identifiers unique).
    pub(crate) fn new(index: u32, s: &Settings) -> Result<Self> {
        let mut targets = KVec::with_capacity(s.num_targets as usize, GFP_KERNEL)?;
        for id in 0..s.num_targets {
            targets.push(TargetUnits::new(index, id, s)?, GFP_KERNEL)?;
        }
        Ok(Units { targets })
    }

    fn target(&self, id: u32) -> Option<&TargetUnits> {
        self.targets.get(usize::try_from(id).ok()?)
    }

    /// Number of targets: the host's `max_id`.
    pub(crate) fn target_count(&self) -> u32 {
        self.targets.len() as u32
    }

    /// Runs a command for LUN `lun` of target `id` (any context); `host_no`
    /// names the host in messages. `None`: there is no target `id`.
    pub(crate) fn execute(
        &self,
        host_no: u32,
        id: u32,
        lun: u64,
        cdb: &[u8],
        buf: &mut dyn DataBuf,
    ) -> Option<Outcome> {
        let t = self.target(id)?;
        let Some(cell) = t.lun(lun) else {
            return Some(t.target.execute(None, &mut [], cdb, buf));
        };
        let mut guard = cell.lock();
        let st = &mut *guard;
        st.sync_faults();
        let out = t
            .target
            .execute(Some(&mut st.lun), &mut st.medium, cdb, buf);
        if out.action == Action::Drop {
            pr_info!(
                "host{}: target {} LUN {}: dropping command {:#04x} (fault injection)\n",
                host_no,
                id,
                lun,
                cdb.first().copied().unwrap_or(0)
            );
        }
        Some(out)
    }

    /// ABORT TASK of `tag` on LUN `lun` of target `id` (counted by the
    /// unit).
    pub(crate) fn abort(&self, id: u32, lun: u64, tag: u64) {
        if let Some(cell) = self.target(id).and_then(|t| t.lun(lun)) {
            cell.lock().lun.abort(tag);
        }
    }

    /// LOGICAL UNIT RESET of LUN `lun` of target `id`.
    pub(crate) fn lun_reset(&self, id: u32, lun: u64) {
        if let Some(cell) = self.target(id).and_then(|t| t.lun(lun)) {
            cell.lock().lun.lun_reset();
        }
    }

    /// A hard reset of every LUN of target `id` (target reset).
    pub(crate) fn target_reset(&self, id: u32) {
        if let Some(t) = self.target(id) {
            t.reset();
        }
    }

    /// A hard reset of every LUN of every target (bus or host reset).
    pub(crate) fn reset(&self) {
        for t in self.targets.iter() {
            t.reset();
        }
    }

    /// Logs what each target holds (every target holds the same).
    pub(crate) fn log(&self, host_no: u32) {
        let Some(t) = self.targets.first() else {
            return;
        };
        let last = self.targets.len() - 1;
        for (n, cell) in t.luns.iter().enumerate() {
            let st = cell.lock();
            if last == 0 {
                pr_info!(
                    "host{}: LUN {}: {}, {} KiB\n",
                    host_no,
                    n,
                    kind_name(st.lun.kind()),
                    st.medium.len() / 1024
                );
            } else {
                pr_info!(
                    "host{}: targets 0 to {}, LUN {}: {}, {} KiB each\n",
                    host_no,
                    last,
                    n,
                    kind_name(st.lun.kind()),
                    st.medium.len() / 1024
                );
            }
        }
    }

    /// Number of LUNs of each target.
    pub(crate) fn count(&self) -> usize {
        self.targets.first().map_or(0, |t| t.luns.len())
    }
}
