// SPDX-License-Identifier: GPL-2.0

//! sd_mod_rs: SCSI disk driver (the sd of the C stack).
//!
//! Registers the block majors of the C sd (8, 65-71, 128-135: 16 disks per
//! major, 16 minors per disk) and, with scsi_mod_rs, the `sd` upper-level
//! driver for disks, optical memory, RBC and ZBC devices. Each device gets a
//! gendisk `sdX` on the core's request queue: probe spins the unit up, reads
//! its capacity, block limits and caching mode page, and sets the queue's
//! block sizes and cache features; `init_command` turns the queue's reads,
//! writes and flushes into READ/WRITE(10/16) and SYNCHRONIZE CACHE(10).
//!
//! Discards become UNMAP (one block descriptor, the payload given through
//! the core) on thinly provisioned disks that support it.
//!
//! Not done: discard through WRITE SAME, protection information, zoned
//! devices (ZBC is driven as a plain disk), a shutdown hook (the write cache
//! is flushed on remove, i.e. on hot unplug, adapter removal and rmmod).

#![recursion_limit = "256"]

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicU8, Ordering};
use kernel::c_str;
use kernel::ffi::{c_int, c_ulong};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

#[path = "../rust/blk.rs"]
mod blk;

mod class;

#[path = "../proto/src/bytes.rs"]
#[allow(dead_code, unreachable_pub)]
mod bytes;
#[path = "../proto/src/capacity.rs"]
#[allow(dead_code, unreachable_pub)]
mod capacity;
#[path = "../proto/src/cdb.rs"]
#[allow(dead_code, unreachable_pub)]
mod cdb;
#[path = "../proto/src/error.rs"]
#[allow(dead_code, unreachable_pub)]
mod error;
#[path = "../proto/src/inquiry.rs"]
#[allow(dead_code, unreachable_pub)]
mod inquiry;
#[path = "../proto/src/mode.rs"]
#[allow(dead_code, unreachable_pub)]
mod mode;
#[path = "../proto/src/sense.rs"]
#[allow(dead_code, unreachable_pub)]
mod sense;
#[path = "../proto/src/status.rs"]
#[allow(dead_code, unreachable_pub)]
mod status;
#[path = "../proto/src/vpd.rs"]
#[allow(dead_code, unreachable_pub)]
mod vpd;

use blk::{BlkdevMajors, DevLog, Disk, DiskConfig, DiskOps, GenDisk, Geometry, OpenMode};
use capacity::{ReadCapacity10, ReadCapacity16};
use class::{ClassDev, ClassRegistration};
use mode::{CachingPage, ModeData, ModeHeader};
use scsi_rs::{
    not_supported, types, Device, DevicePin, Dir, Exec, ReqOp, UpperDriver, UpperRegistration,
};
use sense::{Sense, SenseKey};

module! {
    type: SdModule,
    name: "sd_mod_rs",
    author: "The scsi-rs developers",
    description: "SCSI disk (sd) upper-level driver in Rust",
    license: "GPL",
    alias: ["scsi:t-0x00*", "scsi:t-0x07*", "scsi:t-0x0e*", "scsi:t-0x14*"],
}

/// Minors per disk: the whole disk and 15 partitions.
const SD_MINORS: u32 = 16;
/// Disks this driver names (`sda` .. `sdfan`); the C sd allows more.
const MAX_DISKS: usize = 4096;
/// Bytes of the buffer for the probe's commands.
const BUF_SIZE: usize = 512;
/// Retries of the probe's commands (UNIT ATTENTION, transient errors).
const RETRIES: u32 = 3;
/// Most blocks one UNMAP covers (as the C driver: 0x7fffff).
const MAX_UNMAP_BLOCKS: u32 = 0x7f_ffff;
/// Largest block count of a WRITE SAME(10), and of a WRITE SAME(16) the
/// driver sends (as the C sd: some devices take no more).
const MAX_WS10_BLOCKS: u32 = 0xffff;
const MAX_WS16_BLOCKS: u32 = 0x7f_ffff;
/// Retries of file-system commands unless `max_retries` says otherwise
/// (the core's default, see `scsi_rs_cmd_set_retries`).
const FS_RETRIES: i32 = 5;
/// Default of `max_medium_access_timeouts` (as the C sd).
const MAX_MEDIUM_TIMEOUTS: u32 = 2;
const SCSI_SPC_3: u8 = 6;
/// Peripheral device types with attributes of their own.
const TYPE_DISK: u8 = 0x00;
const TYPE_ZBC: u8 = 0x14;
/// Timeout of SYNCHRONIZE CACHE, as the C sd's (twice the default).
const SYNC_TIMEOUT_MS: u32 = 60_000;
/// `scsi_level` values as the C stack counts them.
const SCSI_2: u8 = 3;
const SCSI_SPC_2: u8 = 5;
/// SAM status CHECK CONDITION.
const CHECK_CONDITION: u8 = 0x02;

// ---------------------------------------------------------------------------
// Disk indexes and names

/// Disk indexes in use (see `blk::Index`).
static INDEXES: [AtomicU64; MAX_DISKS / 64] = [const { AtomicU64::new(0) }; MAX_DISKS / 64];

/// A disk index, freed on drop.
struct DiskIndex(blk::Index);

impl DiskIndex {
    fn alloc() -> Result<Self> {
        blk::Index::alloc(&INDEXES).map(Self)
    }

    /// Block major and first minor of the disk, as the C sd numbers them.
    fn devt(&self) -> (u32, u32) {
        let i = self.0.get();
        let major = match (i & 0xf0) >> 4 {
            0 => 8,
            m @ 1..=7 => 64 + m,
            m => 128 + m - 8,
        };
        (major, ((i & 0xf) << 4) | (i & 0xfff00))
    }
}

/// A disk name: `sd` and the index in bijective base 26 (`sda` .. `sdz`,
/// `sdaa` .. `sdzz`, `sdaaa` ..).
#[derive(Clone, Copy)]
struct DiskName {
    buf: [u8; 16],
    len: usize,
}

impl DiskName {
    fn new(index: u32) -> Self {
        let mut letters = [0u8; 14];
        let mut n = 0;
        let mut i = u64::from(index);
        loop {
            letters[n] = b'a' + (i % 26) as u8;
            n += 1;
            if i < 26 || n == letters.len() {
                break;
            }
            i = i / 26 - 1;
        }
        let mut buf = [0u8; 16];
        buf[..2].copy_from_slice(b"sd");
        for (k, &c) in letters[..n].iter().rev().enumerate() {
            buf[2 + k] = c;
        }
        Self { buf, len: 2 + n }
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("sd?")
    }
}

impl fmt::Display for DiskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A size with three significant digits in decimal (`268 MB`) or binary
/// (`256 MiB`) units, as the C stack prints capacities.
struct Size {
    bytes: u64,
    binary: bool,
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DEC: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
        const BIN: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        let (div, units) = if self.binary {
            (1024u64, BIN)
        } else {
            (1000u64, DEC)
        };
        let mut unit = 0;
        let mut scale = 1u64;
        while unit + 1 < units.len() && self.bytes.checked_div(scale).unwrap_or(0) >= div {
            scale *= div;
            unit += 1;
        }
        // Thousandths of the unit (without 128-bit arithmetic).
        // (Checked divisions: the divisors are never zero, but objtool of
        // 6.12 does not know the division panic as noreturn.)
        let int = self.bytes.checked_div(scale).unwrap_or(0);
        let rem = self.bytes.checked_rem(scale).unwrap_or(0);
        let frac = match (unit, self.binary) {
            (0, _) => 0,
            (_, false) => rem.checked_div(scale / 1000).unwrap_or(0),
            (_, true) => ((rem >> 10) * 1000).checked_div(scale >> 10).unwrap_or(0),
        };
        let milli = int * 1000 + frac.min(999);
        // Three significant digits, rounded.
        let decimals: u32 = match milli {
            0..=9_999 => 2,
            10_000..=99_999 => 1,
            _ => 0,
        };
        let step = 10u64.pow(3 - decimals);
        let r = (milli + step / 2) / step;
        let p = 10u64.pow(decimals);
        if unit == 0 {
            return write!(f, "{} B", self.bytes);
        }
        if decimals == 0 && r >= 1000 && !self.binary && unit + 1 < units.len() {
            // Rounded up into the next unit.
            return write!(f, "1.00 {}", units[unit + 1]);
        }
        match decimals {
            0 => write!(f, "{} {}", r, units[unit]),
            d => write!(f, "{}.{:0w$} {}", r / p, r % p, units[unit], w = d as usize),
        }
    }
}

// ---------------------------------------------------------------------------
// Per-disk state

/// What revalidation found, kept to log only changes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Seen {
    blocks: u64,
    block_len: u32,
    write_prot: bool,
    cache: Option<(bool, bool, bool)>,
}

/// State changed under the disk's mutex.
struct State {
    /// Open nodes (balanced open/release pairs).
    openers: u32,
    /// The device pin of the open nodes.
    pin: Option<DevicePin>,
    /// What the last revalidation saw; `None` before the first.
    seen: Option<Seen>,
    /// The parameters of the last revalidation of a present medium, for
    /// the attributes that reconfigure discard and write zeroes.
    params: Option<Params>,
}

/// A disk: shared by the driver's per-device data, the gendisk and its open
/// nodes.
#[pin_data]
struct SdDisk {
    dev: Device,
    log: DevLog,
    name: DiskName,
    _index: DiskIndex,
    removable: bool,
    scsi_level: u8,
    /// Peripheral device type.
    dev_type: u8,
    protect: bool,
    /// log2 of the logical block size (9..=12); read by `init_command`.
    block_shift: AtomicU32,
    /// Writes may carry FUA; read by `init_command`.
    fua: AtomicBool,
    /// What a discard becomes ([`ProvMode`]); read by `init_command`.
    prov_mode: AtomicU8,
    /// What a write-zeroes request becomes ([`ZeroMode`]).
    zero_mode: AtomicU8,
    /// Blocks per WRITE SAME that writes zeroes (0: none).
    max_ws_blocks: AtomicU32,
    /// The device takes no WRITE SAME (found, or set through sysfs);
    /// kept across revalidations.
    no_write_same: AtomicBool,
    /// REPORT SUPPORTED OPERATION CODES lists WRITE SAME(16).
    ws16: AtomicBool,
    /// Settings of the class attributes.
    knobs: Knobs,
    /// Volatile write cache enabled.
    wce: AtomicBool,
    /// Read cache disabled.
    rcd: AtomicBool,
    /// `cache_type` was written with "temporary": WCE and RCD are the
    /// kernel's own until the next such write, not the device's.
    cache_override: AtomicBool,
    /// Thinly provisioned (LBPME).
    lbpme: AtomicBool,
    media_present: AtomicBool,
    write_prot: AtomicBool,
    /// Capacity in 512-byte sectors.
    sectors: AtomicU64,
    /// A media change not yet reported by `check_events`.
    changed: AtomicBool,
    #[pin]
    state: Mutex<State>,
}

/// What the `scsi_disk` attributes set (see Documentation/disk.rst).
struct Knobs {
    /// `max_retries` (-1: no limit).
    max_retries: AtomicI32,
    max_medium_timeouts: AtomicU32,
    allow_restart: AtomicBool,
    protection_type: AtomicU8,
    manage_system: AtomicBool,
    manage_runtime: AtomicBool,
    manage_shutdown: AtomicBool,
}

impl Knobs {
    const fn new() -> Self {
        Knobs {
            max_retries: AtomicI32::new(FS_RETRIES),
            max_medium_timeouts: AtomicU32::new(MAX_MEDIUM_TIMEOUTS),
            allow_restart: AtomicBool::new(false),
            protection_type: AtomicU8::new(0),
            manage_system: AtomicBool::new(false),
            manage_runtime: AtomicBool::new(false),
            manage_shutdown: AtomicBool::new(false),
        }
    }
}

/// Outcome of a synchronous command.
struct Reply {
    good: bool,
    /// The adapter delivered the command (the status is the device's).
    delivered: bool,
    sense: Option<Sense>,
    /// Bytes transferred.
    len: usize,
}

impl Reply {
    fn key(&self) -> Option<SenseKey> {
        self.sense.as_ref().map(|s| s.key)
    }
}

/// Device parameters found by a revalidation.
#[derive(Clone, Copy)]
struct Params {
    blocks: u64,
    block_len: u32,
    phys_len: u32,
    max_xfer_blocks: u32,
    opt_xfer_blocks: u32,
    min_xfer_blocks: u32,
    rotational: bool,
    write_prot: bool,
    wce: bool,
    rcd: bool,
    dpofua: bool,
    cache_known: bool,
    /// Logical block provisioning (READ CAPACITY(16) LBPME).
    lbpme: bool,
    /// UNMAP supported (VPD page B2, LBPU).
    lbpu: bool,
    /// Block limits for UNMAP (VPD page B0), in logical blocks.
    max_unmap_blocks: u32,
    unmap_granularity: u32,
    unmap_alignment: u32,
    /// Deallocated blocks read as zeroes (READ CAPACITY(16) LBPRZ).
    lbprz: bool,
    /// The logical block provisioning VPD page (B2) was read, and what it
    /// says of WRITE SAME with UNMAP.
    lbpvpd: bool,
    lbpws: bool,
    lbpws10: bool,
    /// MAXIMUM WRITE SAME LENGTH (VPD page B0).
    max_ws_blocks: u32,
    /// REPORT SUPPORTED OPERATION CODES: not supported by the device, and
    /// what it says of WRITE SAME(16) and (10).
    no_report_opcodes: bool,
    ws16: bool,
    ws10: bool,
}

/// What a discard becomes (`provisioning_mode`, the C sd's names).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum ProvMode {
    /// Not thinly provisioned: no discard.
    Full = 0,
    Unmap = 1,
    /// WRITE SAME(16) with UNMAP.
    Ws16 = 2,
    /// WRITE SAME(10) with UNMAP.
    Ws10 = 3,
    /// WRITE SAME(10) of zeroes without UNMAP.
    Zero = 4,
    Disabled = 5,
}

const PROV_MODES: [(ProvMode, &str); 6] = [
    (ProvMode::Full, "full"),
    (ProvMode::Unmap, "unmap"),
    (ProvMode::Ws16, "writesame_16"),
    (ProvMode::Ws10, "writesame_10"),
    (ProvMode::Zero, "writesame_zero"),
    (ProvMode::Disabled, "disabled"),
];

/// The entry of `table` whose value is `v`, or `default`.
fn from_table<T: Copy + Into<u8>>(table: &[(T, &str)], v: u8, default: T) -> T {
    table
        .iter()
        .find(|(m, _)| (*m).into() == v)
        .map_or(default, |(m, _)| *m)
}

impl From<ProvMode> for u8 {
    fn from(m: ProvMode) -> u8 {
        m as u8
    }
}

impl From<ZeroMode> for u8 {
    fn from(m: ZeroMode) -> u8 {
        m as u8
    }
}

impl ProvMode {
    fn from_u8(v: u8) -> Self {
        from_table(&PROV_MODES, v, ProvMode::Disabled)
    }

    fn name(self) -> &'static str {
        PROV_MODES[self as usize].1
    }
}

/// The discard mode the device's pages ask for (`sd_discard_mode` in C).
fn discard_mode(p: &Params) -> ProvMode {
    if !p.lbpme {
        ProvMode::Full
    } else if !p.lbpvpd {
        if p.max_unmap_blocks != 0 {
            ProvMode::Unmap
        } else {
            ProvMode::Ws16
        }
    } else if p.lbpu && p.max_unmap_blocks != 0 {
        ProvMode::Unmap
    } else if p.lbpws {
        ProvMode::Ws16
    } else if p.lbpws10 {
        ProvMode::Ws10
    } else {
        ProvMode::Disabled
    }
}

/// The discard limits of a mode.
struct Discard {
    /// Largest discard, in 512-byte sectors (0: none).
    sectors: u32,
    granularity: u32,
    alignment: u32,
}

impl Discard {
    fn of(mode: ProvMode, p: &Params) -> Self {
        let nz_min = |v: u32, cap: u32| if v == 0 { cap } else { v.min(cap) };
        let blocks = match mode {
            ProvMode::Full | ProvMode::Disabled => 0,
            ProvMode::Unmap => nz_min(p.max_unmap_blocks, MAX_UNMAP_BLOCKS),
            ProvMode::Ws16 => nz_min(p.max_ws_blocks, MAX_WS16_BLOCKS),
            ProvMode::Ws10 | ProvMode::Zero => nz_min(p.max_ws_blocks, MAX_WS10_BLOCKS),
        };
        let shift = p.block_len.trailing_zeros().clamp(9, 12);
        Discard {
            sectors: blocks << (shift - 9),
            granularity: p
                .unmap_granularity
                .saturating_mul(p.block_len)
                .max(p.phys_len),
            alignment: p.unmap_alignment.saturating_mul(p.block_len),
        }
    }
}

/// What a write-zeroes request becomes (`zeroing_mode`, the C sd's
/// names).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum ZeroMode {
    /// No WRITE SAME: the block layer writes zeroes itself.
    Write = 0,
    /// WRITE SAME of a zeroed block.
    Ws = 1,
    /// WRITE SAME(16) with UNMAP (deallocated blocks read as zeroes)
    /// unless the request forbids deallocation.
    Ws16Unmap = 2,
    Ws10Unmap = 3,
}

const ZERO_MODES: [(ZeroMode, &str); 4] = [
    (ZeroMode::Write, "write"),
    (ZeroMode::Ws, "writesame"),
    (ZeroMode::Ws16Unmap, "writesame_16_unmap"),
    (ZeroMode::Ws10Unmap, "writesame_10_unmap"),
];

impl ZeroMode {
    fn from_u8(v: u8) -> Self {
        from_table(&ZERO_MODES, v, ZeroMode::Write)
    }

    fn name(self) -> &'static str {
        ZERO_MODES[self as usize].1
    }
}

/// The index of `input` (one trailing newline allowed) in `names`, as
/// sysfs_match_string matches.
fn match_name<T: Copy>(table: &[(T, &str)], input: &[u8]) -> Result<T> {
    let t = core::str::from_utf8(input).map_err(|_| EINVAL)?;
    let t = t.strip_suffix('\n').unwrap_or(t);
    table
        .iter()
        .find(|(_, n)| *n == t)
        .map(|(m, _)| *m)
        .ok_or(EINVAL)
}

/// A `kstrtobool`-style boolean.
fn parse_bool(input: &[u8]) -> Result<bool> {
    match input.first().map(u8::to_ascii_lowercase) {
        Some(b'1' | b'y' | b't') => Ok(true),
        Some(b'0' | b'n' | b'f') => Ok(false),
        Some(b'o') => match input.get(1).map(u8::to_ascii_lowercase) {
            Some(b'n') => Ok(true),
            Some(b'f') => Ok(false),
            _ => Err(EINVAL),
        },
        _ => Err(EINVAL),
    }
}

/// A decimal number with an optional sign and trailing newline, as
/// `kstrtoint` takes it.
fn parse_int(input: &[u8]) -> Result<i64> {
    let t = core::str::from_utf8(input).map_err(|_| EINVAL)?;
    t.strip_suffix('\n')
        .unwrap_or(t)
        .parse()
        .map_err(|_| EINVAL)
}

impl SdDisk {
    fn info(&self, args: fmt::Arguments<'_>) {
        self.log.info(format_args!("[{}] {}", self.name, args));
    }

    fn notice(&self, args: fmt::Arguments<'_>) {
        self.log.notice(format_args!("[{}] {}", self.name, args));
    }

    fn warn(&self, args: fmt::Arguments<'_>) {
        self.log.warn(format_args!("[{}] {}", self.name, args));
    }

    /// Sends a command that reads into `buf` (or has no data if `buf` is
    /// empty).
    fn exec(&self, cdb: &[u8], buf: &mut [u8], retries: u32, timeout_ms: u32) -> Result<Reply> {
        let dir = if buf.is_empty() {
            Dir::None
        } else {
            Dir::FromDevice
        };
        self.exec_dir(cdb, dir, buf, retries, timeout_ms)
    }

    /// Sends a command that writes `buf` to the device.
    fn exec_out(&self, cdb: &[u8], buf: &mut [u8]) -> Result<Reply> {
        self.exec_dir(cdb, Dir::ToDevice, buf, RETRIES, 0)
    }

    fn exec_dir(
        &self,
        cdb: &[u8],
        dir: Dir,
        buf: &mut [u8],
        retries: u32,
        timeout_ms: u32,
    ) -> Result<Reply> {
        let x = Exec {
            cdb,
            dir,
            timeout_ms,
            retries,
        };
        let r = self.dev.execute(&x, buf)?;
        let sense = if r.status == CHECK_CONDITION {
            Sense::parse(r.sense()).ok()
        } else {
            None
        };
        Ok(Reply {
            good: r.good(),
            delivered: r.host == scsi_rs::HostResult::Ok as u8,
            sense,
            len: buf.len().saturating_sub(r.resid as usize),
        })
    }

    /// Waits for the unit to become ready, starting it if it asks for it.
    /// Returns `false` only when it reports no medium.
    fn spin_up(&self) -> bool {
        let mut started = false;
        let mut waited_ms = 0u32;
        let mut attentions = 0;
        loop {
            let r = match self.exec(&cdb::test_unit_ready(), &mut [], RETRIES, 0) {
                Ok(r) => r,
                Err(_) => return true,
            };
            if r.good || !r.delivered {
                return true;
            }
            let Some(s) = r.sense else { return true };
            if s.is_medium_not_present() || (s.is_unit_attention() && s.asc == 0x3a) {
                return false;
            }
            if s.is_unit_attention() {
                // Beyond the core's retries: a series of them (reset, power
                // on, mode parameters changed, ...).
                attentions += 1;
                if attentions < 5 {
                    continue;
                }
                return true;
            }
            if s.key != SenseKey::NotReady || s.asc != 0x04 || s.ascq == 0x03 {
                // Not a "becoming ready" kind of state, or manual
                // intervention required: let the following commands fail.
                return true;
            }
            if s.is_start_unit_required() && !started {
                self.notice(format_args!("Spinning up disk..."));
                let _ = self.exec(
                    &cdb::start_stop_unit(true, false, true),
                    &mut [],
                    RETRIES,
                    0,
                );
                started = true;
            }
            if waited_ms >= 30_000 {
                self.warn(format_args!("not ready after {} s", waited_ms / 1000));
                return true;
            }
            blk::msleep(1000);
            waited_ms += 1000;
        }
    }

    /// READ CAPACITY(10), and (16) when the capacity needs it or the device
    /// is SPC-3 or later or has protection information.
    fn read_capacity(&self, buf: &mut [u8], p: &mut Params) -> Result {
        let try16 = self.scsi_level > SCSI_SPC_2 || self.protect;
        let mut rc10 = None;
        let b = &mut buf[..capacity::READ_CAPACITY_10_LEN];
        b.fill(0);
        if let Ok(r) = self.exec(&cdb::read_capacity_10(), b, RETRIES, 0) {
            if r.good {
                rc10 = ReadCapacity10::parse(&b[..r.len]).ok();
            }
        }
        if let Some(c) = rc10 {
            if !c.needs_16() && !try16 {
                p.blocks = c.total_blocks().unwrap_or(0);
                p.block_len = c.block_len;
                p.phys_len = c.block_len;
                return Ok(());
            }
        }
        let b = &mut buf[..capacity::READ_CAPACITY_16_LEN];
        b.fill(0);
        let len16 = capacity::READ_CAPACITY_16_LEN as u32;
        if let Ok(r) = self.exec(&cdb::read_capacity_16(len16), b, RETRIES, 0) {
            if r.good {
                if let Ok(c) = ReadCapacity16::parse(&b[..r.len]) {
                    let ptype = if c.prot_en {
                        c.protection_type().unwrap_or(0)
                    } else {
                        0
                    };
                    if ptype != 0 {
                        self.notice(format_args!(
                            "protection type {} not used by this driver",
                            ptype
                        ));
                    }
                    self.knobs.protection_type.store(ptype, Ordering::Relaxed);
                    p.blocks = c.total_blocks().unwrap_or(0);
                    p.block_len = c.block_len;
                    p.phys_len = c.physical_block_len().unwrap_or(c.block_len);
                    p.lbpme = c.lbpme;
                    p.lbprz = c.lbpme && c.lbprz;
                    return Ok(());
                }
            }
        }
        match rc10 {
            Some(c) if !c.needs_16() => {
                p.blocks = c.total_blocks().unwrap_or(0);
                p.block_len = c.block_len;
                p.phys_len = c.block_len;
                Ok(())
            }
            _ => Err(EIO),
        }
    }

    /// The VPD pages of a block device: block limits (B0) and block device
    /// characteristics (B1).
    fn read_vpd(&self, buf: &mut [u8], p: &mut Params) {
        if self.scsi_level < SCSI_SPC_2 {
            return;
        }
        let mut pages = [0u8; 64];
        let b = &mut buf[..255];
        b.fill(0);
        let n = match self.exec(
            &cdb::inquiry_vpd(vpd::VPD_SUPPORTED_PAGES, 255),
            b,
            RETRIES,
            0,
        ) {
            Ok(r) if r.good => r.len.min(pages.len()),
            _ => return,
        };
        pages[..n].copy_from_slice(&b[..n]);
        let pages = &pages[..n];
        if vpd::supports_page(pages, vpd::VPD_BLOCK_LIMITS) {
            let b = &mut buf[..64];
            b.fill(0);
            if let Ok(r) = self.exec(&cdb::inquiry_vpd(vpd::VPD_BLOCK_LIMITS, 64), b, RETRIES, 0) {
                if let (true, Ok(l)) = (r.good, vpd::BlockLimits::parse(&b[..r.len])) {
                    p.max_xfer_blocks = l.max_xfer_len;
                    p.opt_xfer_blocks = l.opt_xfer_len;
                    p.min_xfer_blocks = u32::from(l.opt_xfer_granularity);
                    p.max_unmap_blocks = l.max_unmap_lba_count;
                    if l.max_unmap_desc_count == 0 {
                        p.max_unmap_blocks = 0;
                    }
                    p.unmap_granularity = l.unmap_granularity;
                    p.unmap_alignment = l.unmap_alignment.unwrap_or(0);
                    p.max_ws_blocks = u32::try_from(l.max_write_same_len).unwrap_or(u32::MAX);
                }
            }
        }
        if p.lbpme && vpd::supports_page(pages, vpd::VPD_LOGICAL_BLOCK_PROVISIONING) {
            let b = &mut buf[..64];
            b.fill(0);
            let cdb = cdb::inquiry_vpd(vpd::VPD_LOGICAL_BLOCK_PROVISIONING, 64);
            if let Ok(r) = self.exec(&cdb, b, RETRIES, 0) {
                if let (true, Ok(v)) = (r.good, vpd::Provisioning::parse(&b[..r.len])) {
                    p.lbpu = v.lbpu;
                    p.lbpws = v.lbpws;
                    p.lbpws10 = v.lbpws10;
                    p.lbpvpd = true;
                }
            }
        }
        if vpd::supports_page(pages, vpd::VPD_BLOCK_CHARACTERISTICS) {
            let b = &mut buf[..64];
            b.fill(0);
            let cdb = cdb::inquiry_vpd(vpd::VPD_BLOCK_CHARACTERISTICS, 64);
            if let Ok(r) = self.exec(&cdb, b, RETRIES, 0) {
                if let (true, Ok(c)) = (r.good, vpd::BlockCharacteristics::parse(&b[..r.len])) {
                    p.rotational = !c.is_non_rotational();
                }
            }
        }
    }

    /// MODE SENSE(10) of `page`, or (6) if (10) fails: the header and the
    /// caching page if returned.
    fn mode_sense(&self, buf: &mut [u8], page: u8) -> Option<(ModeHeader, Option<CachingPage>)> {
        let order = if self.scsi_level > SCSI_2 {
            [true, false]
        } else {
            [false, true]
        };
        for ten in order {
            let b = &mut buf[..128];
            b.fill(0);
            let pc = cdb::PageControl::Current;
            let r = if ten {
                self.exec(&cdb::mode_sense_10(false, pc, page, 0, 128), b, RETRIES, 0)
            } else {
                self.exec(&cdb::mode_sense_6(false, pc, page, 0, 128), b, RETRIES, 0)
            };
            let Ok(r) = r else { continue };
            if !r.good {
                continue;
            }
            let data = &b[..r.len];
            let md = if ten {
                ModeData::parse_10(data)
            } else {
                ModeData::parse_6(data)
            };
            if let Ok(md) = md {
                return Some((md.header, CachingPage::from_mode_data(&md).ok()));
            }
        }
        None
    }

    /// Write protection and caching from the mode parameters.
    fn read_mode(&self, buf: &mut [u8], p: &mut Params) {
        let (hdr, cp) = match self.mode_sense(buf, mode::MODE_PAGE_CACHING) {
            Some((h, cp)) => (Some(h), cp),
            None => (self.mode_sense(buf, mode::MODE_PAGE_ALL).map(|x| x.0), None),
        };
        p.write_prot = hdr.is_some_and(|h| h.write_protected());
        if self.cache_override.load(Ordering::Relaxed) {
            p.wce = self.wce.load(Ordering::Relaxed);
            p.rcd = self.rcd.load(Ordering::Relaxed);
            p.dpofua = hdr.is_some_and(|h| h.dpofua());
            p.cache_known = true;
            return;
        }
        match cp {
            Some(c) => {
                p.wce = c.wce();
                p.rcd = c.rcd();
                p.dpofua = hdr.is_some_and(|h| h.dpofua());
                p.cache_known = true;
            }
            None => {
                p.wce = false;
                p.rcd = false;
                p.dpofua = false;
                p.cache_known = false;
            }
        }
    }

    /// Re-reads what the device reports and applies it to the disk and its
    /// queue. Process context; serialised by the state mutex.
    fn revalidate(&self, disk: &GenDisk) {
        let mut st = self.state.lock();
        let mut buf = match KBox::new([0u8; BUF_SIZE], GFP_KERNEL) {
            Ok(b) => b,
            Err(_) => return,
        };
        let buf = &mut buf[..];
        let old = st.seen;
        let shift = self.block_shift.load(Ordering::Relaxed).clamp(9, 12);
        let mut p = Params {
            blocks: 0,
            block_len: 1 << shift,
            phys_len: 1 << shift,
            max_xfer_blocks: 0,
            opt_xfer_blocks: 0,
            min_xfer_blocks: 0,
            rotational: true,
            write_prot: false,
            wce: false,
            rcd: false,
            dpofua: false,
            cache_known: false,
            lbpme: false,
            lbpu: false,
            max_unmap_blocks: 0,
            unmap_granularity: 0,
            unmap_alignment: 0,
            lbprz: false,
            lbpvpd: false,
            lbpws: false,
            lbpws10: false,
            max_ws_blocks: 0,
            no_report_opcodes: false,
            ws16: false,
            ws10: false,
        };
        let present = self.spin_up();
        if present {
            match self.read_capacity(buf, &mut p) {
                Ok(()) => self.check_block_len(&mut p),
                Err(_) => {
                    self.notice(format_args!("Read Capacity failed"));
                    p.blocks = 0;
                }
            }
            self.read_vpd(buf, &mut p);
            self.read_write_same(buf, &mut p);
            self.read_mode(buf, &mut p);
        } else if old.map_or(true, |o| o.blocks != 0) {
            self.notice(format_args!("Media not present"));
        }
        let shift = p.block_len.trailing_zeros().clamp(9, 12);
        let seen = Seen {
            blocks: p.blocks,
            block_len: p.block_len,
            write_prot: p.write_prot,
            cache: p.cache_known.then_some((p.wce, p.rcd, p.dpofua)),
        };
        if present {
            self.log_params(&p, old, &seen);
        }

        // Longest transfer: READ/WRITE(10) unless the capacity needs (16),
        // lowered to the device's limit.
        let mut dev_max: u32 = if p.blocks > u64::from(u32::MAX) {
            u32::MAX
        } else {
            0xffff
        };
        if p.max_xfer_blocks != 0 {
            dev_max = dev_max.min(p.max_xfer_blocks);
        }
        let max_dev_sectors = u32::try_from(u64::from(dev_max) << (shift - 9)).unwrap_or(u32::MAX);
        let min_bytes = p.min_xfer_blocks.saturating_mul(p.block_len);
        let io_min = if min_bytes != 0 && min_bytes.checked_rem(p.phys_len) == Some(0) {
            min_bytes
        } else {
            0
        };
        let io_opt = self.opt_xfer_bytes(&p, dev_max, old.is_none());
        let fua = p.wce && p.dpofua;
        // Discard and write zeroes as the C sd configures them: UNMAP or
        // WRITE SAME, from the provisioning and block limits pages.
        if old.is_some()
            && self.max_ws_blocks.load(Ordering::Relaxed) != 0
            && disk.max_write_zeroes_sectors() == 0
        {
            // The core turned write zeroes off: the device rejected WRITE SAME.
            self.no_write_same.store(true, Ordering::Relaxed);
        }
        let prov = if present {
            discard_mode(&p)
        } else {
            ProvMode::Full
        };
        let discard = Discard::of(prov, &p);
        let (max_ws, zero_mode) = self.config_write_same(&p, present);
        let sectors = if p.blocks > u64::MAX >> (shift - 9) {
            0
        } else {
            p.blocks << (shift - 9)
        };
        let ret = disk.update_limits(
            |l| {
                l.set_logical_block_size(p.block_len);
                l.set_physical_block_size(p.phys_len);
                l.set_io_min(io_min);
                l.set_io_opt(io_opt);
                l.set_max_dev_sectors(max_dev_sectors);
                l.set_feature(
                    blk::features::ROTATIONAL | blk::features::ADD_RANDOM,
                    p.rotational,
                );
                l.set_feature(blk::features::WRITE_CACHE, p.wce);
                l.set_feature(blk::features::FUA, fua);
                l.set_discard(discard.sectors, discard.granularity, discard.alignment);
                l.set_max_write_zeroes_sectors(max_ws << (shift - 9));
            },
            || {
                self.block_shift.store(shift, Ordering::Relaxed);
                self.fua.store(fua, Ordering::Relaxed);
                self.prov_mode.store(prov as u8, Ordering::Relaxed);
                self.zero_mode.store(zero_mode as u8, Ordering::Relaxed);
                self.max_ws_blocks.store(max_ws, Ordering::Relaxed);
                self.ws16.store(p.ws16, Ordering::Relaxed);
            },
        );
        if let Err(e) = ret {
            self.warn(format_args!(
                "queue limits rejected ({:?}); disk unusable",
                e
            ));
        }
        let usable = ret.is_ok();
        self.sectors
            .store(if usable { sectors } else { 0 }, Ordering::Relaxed);
        disk.set_capacity(if usable { sectors } else { 0 });
        disk.set_read_only(p.write_prot);
        self.wce.store(p.wce, Ordering::Relaxed);
        self.rcd.store(p.rcd, Ordering::Relaxed);
        self.lbpme.store(p.lbpme, Ordering::Relaxed);
        self.write_prot.store(p.write_prot, Ordering::Relaxed);
        if present != self.media_present.swap(present, Ordering::Relaxed) {
            self.changed.store(true, Ordering::Relaxed);
        }
        st.seen = Some(seen);
        st.params = present.then_some(p);
    }

    /// REPORT SUPPORTED OPERATION CODES for WRITE SAME(16) and (10), as
    /// the C sd asks (INQUIRY first, to learn whether the device answers
    /// it at all).
    fn read_write_same(&self, buf: &mut [u8], p: &mut Params) {
        if self.scsi_level < SCSI_SPC_3 || self.report_opcode(buf, cdb::INQUIRY).is_none() {
            p.no_report_opcodes = true;
            return;
        }
        p.ws16 = self.report_opcode(buf, cdb::WRITE_SAME_16) == Some(true);
        p.ws10 = self.report_opcode(buf, cdb::WRITE_SAME_10) == Some(true);
    }

    /// Whether the device supports `op`; `None` if it does not take the
    /// question (invalid opcode or field).
    fn report_opcode(&self, buf: &mut [u8], op: u8) -> Option<bool> {
        let b = &mut buf[..64];
        b.fill(0);
        let r = self
            .exec(&cdb::report_supported_opcode(op, 64), b, RETRIES, 30_000)
            .ok()?;
        if !r.good {
            if let Some(s) = r.sense.as_ref() {
                if s.key == SenseKey::IllegalRequest && matches!(s.asc, 0x20 | 0x24) && s.ascq == 0
                {
                    return None;
                }
            }
        }
        Some(cdb::opcode_supported(&b[..r.len]))
    }

    /// The largest WRITE SAME for write zeroes, and the zeroing mode, as
    /// the C sd decides them (`sd_config_write_same`).
    fn config_write_same(&self, p: &Params, present: bool) -> (u32, ZeroMode) {
        let mut max = p.max_ws_blocks;
        if self.no_write_same.load(Ordering::Relaxed) || !present {
            max = 0;
        } else if max > MAX_WS10_BLOCKS {
            max = max.min(MAX_WS16_BLOCKS);
        } else if p.ws16 || p.ws10 || p.no_report_opcodes {
            max = if max == 0 { MAX_WS10_BLOCKS } else { max };
        } else {
            self.no_write_same.store(true, Ordering::Relaxed);
            max = 0;
        }
        let mode = if p.lbprz && p.lbpws {
            ZeroMode::Ws16Unmap
        } else if p.lbprz && p.lbpws10 {
            ZeroMode::Ws10Unmap
        } else if max != 0 {
            ZeroMode::Ws
        } else {
            ZeroMode::Write
        };
        if max != 0 && p.phys_len > p.block_len {
            // Whole physical blocks per command, so that a large request
            // is not split into unaligned pieces.
            let per = p.phys_len.checked_div(p.block_len).unwrap_or(1);
            max -= max.checked_rem(per).unwrap_or(0);
        }
        (max, mode)
    }

    /// Only logical blocks of 512 .. 4096 bytes (powers of two) are usable.
    fn check_block_len(&self, p: &mut Params) {
        let bl = p.block_len;
        if bl == 0 {
            self.notice(format_args!("Sector size 0 reported, assuming 512."));
            p.block_len = 512;
        } else if !bl.is_power_of_two() || !(512..=4096).contains(&bl) {
            self.notice(format_args!("Unsupported sector size {}.", bl));
            p.blocks = 0;
            p.block_len = 512;
        }
        if p.phys_len < p.block_len || !p.phys_len.is_power_of_two() {
            p.phys_len = p.block_len;
        }
    }

    /// The OPTIMAL TRANSFER LENGTH in bytes if usable (0 otherwise).
    fn opt_xfer_bytes(&self, p: &Params, dev_max: u32, first: bool) -> u32 {
        let blocks = p.opt_xfer_blocks;
        if blocks == 0 {
            return 0;
        }
        let bytes = u64::from(blocks) * u64::from(p.block_len);
        let why = if blocks > dev_max || blocks > 0xffff {
            "exceeds the transfer limit"
        } else if bytes < 4096 {
            "is below the page size"
        } else if bytes.checked_rem(u64::from(p.phys_len)) != Some(0) {
            "is not a multiple of the physical block size"
        } else {
            if first {
                self.info(format_args!("Optimal transfer size {} bytes", bytes));
            }
            return bytes as u32;
        };
        if first {
            self.warn(format_args!(
                "Optimal transfer size {} logical blocks {}; ignored",
                blocks, why
            ));
        }
        0
    }

    fn log_params(&self, p: &Params, old: Option<Seen>, seen: &Seen) {
        let first = old.is_none();
        let o = old.as_ref();
        if first || o.is_some_and(|o| o.blocks != seen.blocks || o.block_len != seen.block_len) {
            let bytes = p.blocks.saturating_mul(u64::from(p.block_len));
            self.notice(format_args!(
                "{} {}-byte logical blocks: ({}/{})",
                p.blocks,
                p.block_len,
                Size {
                    bytes,
                    binary: false
                },
                Size {
                    bytes,
                    binary: true
                }
            ));
            if p.phys_len != p.block_len {
                self.notice(format_args!("{}-byte physical blocks", p.phys_len));
            }
        }
        if first || o.is_some_and(|o| o.write_prot != seen.write_prot) {
            self.notice(format_args!(
                "Write Protect is {}",
                if p.write_prot { "on" } else { "off" }
            ));
        }
        if first || o.is_some_and(|o| o.cache != seen.cache) {
            if p.cache_known {
                self.notice(format_args!(
                    "Write cache: {}, read cache: {}, {}",
                    if p.wce { "enabled" } else { "disabled" },
                    if p.rcd { "disabled" } else { "enabled" },
                    if p.dpofua {
                        "supports DPO and FUA"
                    } else {
                        "doesn't support DPO or FUA"
                    }
                ));
            } else {
                self.notice(format_args!(
                    "No Caching mode page found; assuming drive cache: write through"
                ));
            }
        }
    }

    /// SYNCHRONIZE CACHE of the whole medium.
    fn sync_cache(&self) -> Result {
        let r = self.exec(
            &cdb::synchronize_cache_10(0, 0, false),
            &mut [],
            RETRIES,
            SYNC_TIMEOUT_MS,
        )?;
        if r.good {
            return Ok(());
        }
        match r.sense.as_ref() {
            // No cache to flush, or nothing to flush it to.
            Some(s) if s.key == SenseKey::IllegalRequest || s.is_medium_not_present() => Ok(()),
            _ => {
                self.warn(format_args!(
                    "Synchronize Cache(10) failed: {}",
                    match (r.delivered, r.key()) {
                        (false, _) => "adapter error",
                        (true, Some(k)) => k.name(),
                        (true, None) => "no sense data",
                    }
                ));
                Err(EIO)
            }
        }
    }

    /// PREVENT/ALLOW MEDIUM REMOVAL of a removable device; errors ignored
    /// (as the C sd's).
    fn medium_removal(&self, prevent: bool) {
        let _ = self.exec(
            &cdb::prevent_allow_medium_removal(prevent),
            &mut [],
            RETRIES,
            0,
        );
    }
}

impl DiskOps for SdDisk {
    fn open(&self, disk: &GenDisk, mode: OpenMode) -> Result {
        let pin = self.dev.get().map_err(|_| ENXIO)?;
        if self.removable || self.write_prot.load(Ordering::Relaxed) {
            // Reports a change to the block layer (which drops cached data)
            // through `check_events`.
            if disk.check_media_change() {
                self.revalidate(disk);
            }
        }
        if self.removable && !self.media_present.load(Ordering::Relaxed) && !mode.ndelay {
            return Err(Error::from_errno(-(kernel::bindings::ENOMEDIUM as c_int)));
        }
        if mode.write && self.write_prot.load(Ordering::Relaxed) {
            return Err(EROFS);
        }
        let mut st = self.state.lock();
        st.openers += 1;
        let spare = if st.pin.is_none() {
            st.pin = Some(pin);
            None
        } else {
            Some(pin)
        };
        if st.openers == 1 && self.removable {
            self.medium_removal(true);
        }
        drop(st);
        drop(spare);
        Ok(())
    }

    fn release(&self, _disk: &GenDisk) {
        let mut st = self.state.lock();
        st.openers = st.openers.saturating_sub(1);
        let pin = if st.openers == 0 {
            if self.removable {
                self.medium_removal(false);
            }
            st.pin.take()
        } else {
            None
        };
        drop(st);
        drop(pin);
    }

    fn ioctl(
        &self,
        _disk: &GenDisk,
        mode: OpenMode,
        partition: bool,
        cmd: u32,
        arg: c_ulong,
    ) -> Result<c_int> {
        // SCSI commands reach the whole device: through a partition only
        // for CAP_SYS_RAWIO.
        if partition && !blk::capable_sys_rawio() {
            return Err(ENOIOCTLCMD);
        }
        self.dev.ioctl(mode.read, mode.write, cmd, arg)
    }

    fn getgeo(&self, _disk: &GenDisk) -> Result<Geometry> {
        // 64 heads, 32 sectors: 2048 sectors per cylinder.
        let cyl = self.sectors.load(Ordering::Relaxed) >> 11;
        Ok(Geometry {
            heads: 64,
            sectors: 32,
            cylinders: u16::try_from(cyl).unwrap_or(u16::MAX),
        })
    }

    fn check_events(&self, _disk: &GenDisk, _clearing: u32) -> u32 {
        if !self.removable {
            return 0;
        }
        // No retries: a UNIT ATTENTION is the news looked for here.
        let present = match self.exec(&cdb::test_unit_ready(), &mut [], 0, 0) {
            Ok(r) if r.delivered => match r.sense {
                Some(s) if s.asc == 0x3a => false,
                Some(s) if s.is_unit_attention() => {
                    self.changed.store(true, Ordering::Relaxed);
                    true
                }
                _ => true,
            },
            _ => false,
        };
        if present != self.media_present.swap(present, Ordering::Relaxed) {
            self.changed.store(true, Ordering::Relaxed);
        }
        if !present {
            self.sectors.store(0, Ordering::Relaxed);
        }
        if self.changed.swap(false, Ordering::Relaxed) {
            blk::events::MEDIA_CHANGE
        } else {
            0
        }
    }
}

blk::disk_fops!(SD_FOPS, SdDisk);

// ---------------------------------------------------------------------------
// The upper-level driver

/// The driver's data of one device.
/// `cache_type` values, indexed by `2 * WCE + RCD` (the C driver's words).
const CACHE_TYPES: [&str; 4] = [
    "write through",
    "none",
    "write back",
    "write back, no read (daft)",
];

impl SdDisk {
    /// The first logical block and the block count of a request; `EIO`
    /// unless it covers whole logical blocks.
    fn blocks_of(&self, rq: &scsi_rs::Request<'_>) -> Result<(u64, u32)> {
        let shift = self.block_shift.load(Ordering::Relaxed).clamp(9, 12);
        let s = shift - 9;
        let pos = rq.pos();
        let bytes = rq.bytes();
        if pos & ((1u64 << s) - 1) != 0 || bytes & ((1u32 << shift) - 1) != 0 || bytes == 0 {
            return Err(EIO);
        }
        Ok((pos >> s, bytes >> shift))
    }

    /// A WRITE SAME of one zeroed logical block over `blocks` blocks from
    /// `lba`, (16) or (10), deallocating with `unmap`.
    fn write_same(
        &self,
        cmd: &mut scsi_rs::CmdSetup<'_>,
        lba: u64,
        blocks: u32,
        sixteen: bool,
        unmap: bool,
    ) -> Result {
        let shift = self.block_shift.load(Ordering::Relaxed).clamp(9, 12);
        cmd.set_zeroes(1 << shift)?;
        if sixteen {
            cmd.set_cdb(&cdb::write_same_16(lba, blocks, unmap))
        } else {
            let lba = u32::try_from(lba).map_err(|_| EIO)?;
            let blocks = u16::try_from(blocks).map_err(|_| EIO)?;
            cmd.set_cdb(&cdb::write_same_10(lba, blocks, unmap))
        }
    }

    /// Sets WCE and RCD in the device's caching mode page (MODE SENSE,
    /// then MODE SELECT of the page with the new bits, not saved).
    fn set_cache(&self, wce: bool, rcd: bool) -> Result {
        let mut buf = KBox::new([0u8; BUF_SIZE], GFP_KERNEL)?;
        let buf = &mut buf[..];
        let Some((_, Some(mut cp))) = self.mode_sense(buf, mode::MODE_PAGE_CACHING) else {
            self.warn(format_args!("no caching mode page; cache type unchanged"));
            return Err(EINVAL);
        };
        cp.set_wce(wce);
        cp.set_rcd(rcd);
        let ten_first = self.scsi_level > SCSI_2;
        for ten in [ten_first, !ten_first] {
            let r = if ten {
                let mut pl = [0u8; mode::MODE_HEADER_10_LEN + mode::CACHING_PAGE_LEN];
                let n = cp.write_select_10(&mut pl);
                self.exec_out(&cdb::mode_select_10(false, n as u16), &mut pl[..n])
            } else {
                let mut pl = [0u8; mode::MODE_HEADER_6_LEN + mode::CACHING_PAGE_LEN];
                let n = cp.write_select_6(&mut pl);
                self.exec_out(&cdb::mode_select_6(false, n as u8), &mut pl[..n])
            };
            match r {
                Ok(r) if r.good => return Ok(()),
                Ok(r) if r.sense.as_ref().is_some_and(|s| s.asc == 0x20) => continue,
                _ => break,
            }
        }
        self.warn(format_args!("MODE SELECT of the caching page failed"));
        Err(EIO)
    }
}

impl class::Attrs for Disk<SdDisk> {
    fn show(&self, attr: class::Attr, out: &mut class::Page<'_>) -> Result {
        use class::Attr as A;
        use core::fmt::Write;
        let sd = self.data();
        let flag = |b: &AtomicBool| u8::from(b.load(Ordering::Relaxed));
        let r = match attr {
            A::CacheType => {
                let i = usize::from(sd.wce.load(Ordering::Relaxed)) * 2
                    + usize::from(sd.rcd.load(Ordering::Relaxed));
                writeln!(out, "{}", CACHE_TYPES[i])
            }
            A::Fua => writeln!(out, "{}", flag(&sd.fua)),
            A::ThinProvisioning => writeln!(out, "{}", flag(&sd.lbpme)),
            A::ProvisioningMode => {
                let mut mode = ProvMode::from_u8(sd.prov_mode.load(Ordering::Relaxed));
                if mode != ProvMode::Full && self.max_discard_sectors() == 0 {
                    // The core turned discard off: the device rejected it.
                    mode = ProvMode::Disabled;
                }
                writeln!(out, "{}", mode.name())
            }
            A::ProtectionType => {
                writeln!(out, "{}", sd.knobs.protection_type.load(Ordering::Relaxed))
            }
            A::AllowRestart => writeln!(out, "{}", flag(&sd.knobs.allow_restart)),
            A::ManageStartStop => writeln!(
                out,
                "{}",
                flag(&sd.knobs.manage_system)
                    & flag(&sd.knobs.manage_runtime)
                    & flag(&sd.knobs.manage_shutdown)
            ),
            A::ManageSystemStartStop => writeln!(out, "{}", flag(&sd.knobs.manage_system)),
            A::ManageRuntimeStartStop => writeln!(out, "{}", flag(&sd.knobs.manage_runtime)),
            A::ManageShutdown => writeln!(out, "{}", flag(&sd.knobs.manage_shutdown)),
            // No DIF/DIX: the adapters of this stack have no protection
            // information support, and so no application tag either.
            A::ProtectionMode => writeln!(out, "none"),
            A::AppTagOwn => writeln!(out, "0"),
            A::ZeroingMode => {
                let m = ZeroMode::from_u8(sd.zero_mode.load(Ordering::Relaxed));
                writeln!(out, "{}", m.name())
            }
            A::MaxWriteSameBlocks => {
                let n = if self.max_write_zeroes_sectors() == 0 {
                    0
                } else {
                    sd.max_ws_blocks.load(Ordering::Relaxed)
                };
                writeln!(out, "{}", n)
            }
            A::MaxMediumAccessTimeouts => {
                writeln!(
                    out,
                    "{}",
                    sd.knobs.max_medium_timeouts.load(Ordering::Relaxed)
                )
            }
            A::ZonedCap => writeln!(
                out,
                "{}",
                if sd.dev_type == TYPE_ZBC {
                    "host-managed"
                } else {
                    "none"
                }
            ),
            A::MaxRetries => writeln!(out, "{}", sd.knobs.max_retries.load(Ordering::Relaxed)),
        };
        r.map_err(|_| EINVAL)
    }

    fn store(&self, attr: class::Attr, input: &[u8]) -> Result {
        use class::Attr as A;
        let sd = self.data();
        let is_disk = matches!(sd.dev_type, TYPE_DISK | TYPE_ZBC);
        let set = |b: &AtomicBool| -> Result {
            b.store(parse_bool(input)?, Ordering::Relaxed);
            Ok(())
        };
        match attr {
            A::CacheType => self.store_cache_type(input),
            A::AllowRestart if is_disk => set(&sd.knobs.allow_restart),
            A::ManageSystemStartStop => set(&sd.knobs.manage_system),
            A::ManageRuntimeStartStop => set(&sd.knobs.manage_runtime),
            A::ManageShutdown => set(&sd.knobs.manage_shutdown),
            A::ProtectionType => {
                let v = parse_int(input)?;
                if v < 0 || v > i64::from(u32::MAX) {
                    return Err(ERANGE);
                }
                // Types 0..3 are taken (as in C); others are ignored.
                if let Ok(t @ 0..=3) = u8::try_from(v) {
                    sd.knobs.protection_type.store(t, Ordering::Relaxed);
                }
                Ok(())
            }
            A::ProvisioningMode if sd.dev_type == TYPE_DISK => {
                let mode = match_name(&PROV_MODES, input)?;
                sd.set_prov_mode(self, mode)
            }
            A::ZeroingMode => {
                let mode = match_name(&ZERO_MODES, input)?;
                sd.zero_mode.store(mode as u8, Ordering::Relaxed);
                Ok(())
            }
            A::MaxWriteSameBlocks if is_disk => {
                let v = parse_int(input)?;
                let v = u64::try_from(v).map_err(|_| EINVAL)?;
                sd.set_max_ws(self, v)
            }
            A::MaxMediumAccessTimeouts => {
                let v = u32::try_from(parse_int(input)?).map_err(|_| ERANGE)?;
                sd.knobs.max_medium_timeouts.store(v, Ordering::Relaxed);
                Ok(())
            }
            A::MaxRetries => {
                let v = parse_int(input)?;
                let v = i32::try_from(v).map_err(|_| ERANGE)?;
                if v != -1 && v > FS_RETRIES {
                    sd.log.err(format_args!(
                        "max_retries must be between -1 and {}",
                        FS_RETRIES
                    ));
                    return Err(EINVAL);
                }
                sd.knobs.max_retries.store(v, Ordering::Relaxed);
                Ok(())
            }
            _ => Err(EINVAL),
        }
    }
}

impl Disk<SdDisk> {
    fn store_cache_type(&self, input: &[u8]) -> Result {
        let sd = self.data();
        let t = core::str::from_utf8(input).map_err(|_| EINVAL)?.trim_end();
        let (temporary, t) = match t.strip_prefix("temporary ") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, t),
        };
        let i = CACHE_TYPES.iter().position(|c| *c == t).ok_or(EINVAL)?;
        let (wce, rcd) = (i & 2 != 0, i & 1 != 0);
        if temporary {
            sd.wce.store(wce, Ordering::Relaxed);
            sd.rcd.store(rcd, Ordering::Relaxed);
            sd.cache_override.store(true, Ordering::Relaxed);
        } else {
            sd.cache_override.store(false, Ordering::Relaxed);
            if wce != sd.wce.load(Ordering::Relaxed) || rcd != sd.rcd.load(Ordering::Relaxed) {
                sd.set_cache(wce, rcd)?;
            }
        }
        sd.revalidate(self);
        Ok(())
    }
}

impl SdDisk {
    /// `provisioning_mode` written: discards become `mode` (whatever the
    /// device said, as in C) until the next revalidation.
    fn set_prov_mode(&self, disk: &GenDisk, mode: ProvMode) -> Result {
        let st = self.state.lock();
        let d = match st.params.as_ref() {
            Some(p) => Discard::of(mode, p),
            None => Discard {
                sectors: 0,
                granularity: 0,
                alignment: 0,
            },
        };
        disk.update_limits(
            |l| l.set_discard(d.sectors, d.granularity, d.alignment),
            || self.prov_mode.store(mode as u8, Ordering::Relaxed),
        )
    }

    /// `max_write_same_blocks` written: 0 turns WRITE SAME off, up to
    /// 0x7fffff sets the limit (and turns it back on); larger values
    /// change nothing (as in C). Write zeroes is reconfigured.
    fn set_max_ws(&self, disk: &GenDisk, v: u64) -> Result {
        let mut st = self.state.lock();
        if v == 0 {
            self.no_write_same.store(true, Ordering::Relaxed);
        } else if v <= u64::from(MAX_WS16_BLOCKS) {
            self.no_write_same.store(false, Ordering::Relaxed);
            if let Some(p) = st.params.as_mut() {
                p.max_ws_blocks = v as u32;
            }
        }
        let Some(p) = st.params else {
            return Ok(());
        };
        let (max, mode) = self.config_write_same(&p, true);
        let shift = p.block_len.trailing_zeros().clamp(9, 12);
        disk.update_limits(
            |l| l.set_max_write_zeroes_sectors(max << (shift - 9)),
            || {
                self.max_ws_blocks.store(max, Ordering::Relaxed);
                self.zero_mode.store(mode as u8, Ordering::Relaxed);
            },
        )
    }
}

struct SdData {
    disk: Arc<Disk<SdDisk>>,
    /// The `scsi_disk` class device; its attributes use `disk`. Taken
    /// (removed) first in `remove`.
    class: Option<ClassDev<Disk<SdDisk>>>,
}

struct Sd {
    class: ClassRegistration<Disk<SdDisk>>,
}

impl UpperDriver for Sd {
    const NAME: &'static CStr = c_str!("sd");
    const TYPES: u32 = types::DISK | types::OPTICAL | types::RBC | types::ZBC;
    type Data = SdData;

    fn probe(&self, dev: Device) -> Result<KBox<SdData>> {
        let info = dev.info()?;
        let index = DiskIndex::alloc().inspect_err(|_| pr_warn!("out of disk names\n"))?;
        let (major, first_minor) = index.devt();
        let name = DiskName::new(index.0.get());
        let log = DevLog::new(&dev)?;
        let inquiry = &info.inquiry[..info.inquiry_len];
        let protect =
            info.scsi_level > SCSI_2 && inquiry::Inquiry::parse(inquiry).is_ok_and(|i| i.protect);
        let sd = Arc::pin_init(
            pin_init!(SdDisk {
                dev,
                log,
                name,
                _index: index,
                removable: info.removable,
                scsi_level: info.scsi_level,
                dev_type: info.dev_type,
                protect,
                block_shift: AtomicU32::new(9),
                fua: AtomicBool::new(false),
                prov_mode: AtomicU8::new(ProvMode::Full as u8),
                zero_mode: AtomicU8::new(ZeroMode::Write as u8),
                max_ws_blocks: AtomicU32::new(0),
                no_write_same: AtomicBool::new(false),
                ws16: AtomicBool::new(false),
                knobs: Knobs::new(),
                wce: AtomicBool::new(false),
                rcd: AtomicBool::new(false),
                cache_override: AtomicBool::new(false),
                lbpme: AtomicBool::new(false),
                media_present: AtomicBool::new(true),
                write_prot: AtomicBool::new(false),
                sectors: AtomicU64::new(0),
                changed: AtomicBool::new(false),
                state <- new_mutex!(State {
                    openers: 0,
                    pin: None,
                    seen: None,
                    params: None,
                }),
            }),
            GFP_KERNEL,
        )?;
        let cfg = DiskConfig {
            major,
            first_minor,
            minors: SD_MINORS,
            name: name.as_str(),
            removable: info.removable,
        };
        let disk = Arc::new(Disk::new(&sd.dev, &SD_FOPS, sd.clone(), &cfg)?, GFP_KERNEL)?;
        sd.revalidate(&disk);
        let class = ClassDev::new(&self.class, &sd.dev, disk.clone())?;
        Ok(KBox::new(
            SdData {
                disk,
                class: Some(class),
            },
            GFP_KERNEL,
        )?)
    }

    fn start(&self, data: &SdData) -> Result {
        // Adding the disk scans its partitions: file-system I/O, which the
        // core routes to `init_command` from now on.
        data.disk.add()?;
        let sd = data.disk.data();
        sd.notice(format_args!(
            "Attached SCSI {}disk",
            if sd.removable { "removable " } else { "" }
        ));
        Ok(())
    }

    fn shutdown(&self, data: &SdData) {
        let sd = data.disk.data();
        if sd.wce.load(Ordering::Relaxed) && sd.media_present.load(Ordering::Relaxed) {
            sd.notice(format_args!("Synchronizing SCSI cache"));
            let _ = sd.sync_cache();
        }
        // Spin down where the attributes ask for it, as the C sd does:
        // `manage_system_start_stop` unless rebooting, `manage_shutdown`
        // at power-off.
        let going = blk::system_going();
        if (going != blk::SystemGoing::Restart && sd.knobs.manage_system.load(Ordering::Relaxed))
            || (going == blk::SystemGoing::PowerOff
                && sd.knobs.manage_shutdown.load(Ordering::Relaxed))
        {
            sd.notice(format_args!("Stopping disk"));
            let cdb = cdb::start_stop_unit(false, false, false);
            if !matches!(sd.exec(&cdb, &mut [], RETRIES, 0), Ok(r) if r.good) {
                sd.warn(format_args!("START STOP UNIT (stop) failed"));
            }
        }
    }

    fn remove(&self, mut data: KBox<SdData>) {
        // The class device goes first (no attribute call after it); deleting
        // the disk writes back its dirty pages; then the device's cache is
        // flushed to the medium. `data` itself stays until the end: the
        // core may still call `init_command` with it until the disk is
        // deleted.
        drop(data.class.take());
        data.disk.del();
        let sd = data.disk.data();
        if sd.wce.load(Ordering::Relaxed) && sd.media_present.load(Ordering::Relaxed) {
            sd.notice(format_args!("Synchronizing SCSI cache"));
            let _ = sd.sync_cache();
        }
    }

    fn init_command(
        data: &SdData,
        rq: &scsi_rs::Request<'_>,
        cmd: &mut scsi_rs::CmdSetup<'_>,
    ) -> Result {
        let sd = data.disk.data();
        let retries = sd.knobs.max_retries.load(Ordering::Relaxed);
        if retries != FS_RETRIES {
            cmd.set_retries(u32::try_from(retries).ok());
        }
        match rq.op() {
            op @ (ReqOp::Read | ReqOp::Write) => {
                let (lba, blocks) = sd.blocks_of(rq)?;
                let dir = if op == ReqOp::Read {
                    cdb::Direction::Read
                } else {
                    cdb::Direction::Write
                };
                let fua = rq.fua() && sd.fua.load(Ordering::Relaxed);
                let c = cdb::rw(dir, lba, blocks, fua, false);
                cmd.set_cdb(c.as_bytes())
            }
            ReqOp::Discard => {
                let (lba, blocks) = sd.blocks_of(rq)?;
                match ProvMode::from_u8(sd.prov_mode.load(Ordering::Relaxed)) {
                    ProvMode::Unmap => {
                        let params = cdb::unmap_param_single(lba, blocks);
                        cmd.set_payload(&params)?;
                        cmd.set_cdb(&cdb::unmap(params.len() as u16))
                    }
                    ProvMode::Ws16 => sd.write_same(cmd, lba, blocks, true, true),
                    ProvMode::Ws10 => sd.write_same(cmd, lba, blocks, false, true),
                    ProvMode::Zero => sd.write_same(cmd, lba, blocks, false, false),
                    ProvMode::Full | ProvMode::Disabled => Err(not_supported()),
                }
            }
            ReqOp::WriteZeroes => {
                let (lba, blocks) = sd.blocks_of(rq)?;
                if !rq.no_unmap() {
                    match ZeroMode::from_u8(sd.zero_mode.load(Ordering::Relaxed)) {
                        ZeroMode::Ws16Unmap => return sd.write_same(cmd, lba, blocks, true, true),
                        ZeroMode::Ws10Unmap => return sd.write_same(cmd, lba, blocks, false, true),
                        ZeroMode::Write | ZeroMode::Ws => {}
                    }
                }
                if sd.no_write_same.load(Ordering::Relaxed) {
                    return Err(not_supported());
                }
                let ws16 = sd.ws16.load(Ordering::Relaxed)
                    || lba > u64::from(u32::MAX)
                    || blocks > MAX_WS10_BLOCKS;
                sd.write_same(cmd, lba, blocks, ws16, false)
            }
            ReqOp::Flush => {
                cmd.set_data_len(0);
                cmd.set_cdb(&cdb::synchronize_cache_10(0, 0, false))
            }
            _ => Err(not_supported()),
        }
    }

    fn rescan(data: &SdData) {
        data.disk.data().revalidate(&data.disk);
    }
}

struct SdModule {
    // Dropped in this order: the disks go (and flush their caches) before
    // the majors are given back.
    _reg: UpperRegistration<Sd>,
    _majors: BlkdevMajors,
}

impl kernel::Module for SdModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let majors = [
            8, 65, 66, 67, 68, 69, 70, 71, 128, 129, 130, 131, 132, 133, 134, 135,
        ];
        let majors = BlkdevMajors::register(c_str!("sd"), &majors)?;
        Ok(Self {
            _reg: UpperRegistration::new(
                Sd {
                    class: ClassRegistration::new()?,
                },
                module,
            )?,
            _majors: majors,
        })
    }
}
