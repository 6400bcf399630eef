// SPDX-License-Identifier: GPL-2.0

//! sr_mod_rs: SCSI CD-ROM driver (the sr of the C stack).
//!
//! Registers block major 11 (`sr`, one minor per drive) and, with
//! scsi_mod_rs, the `sr` upper-level driver for CD/DVD and WORM devices.
//! Each drive gets a read-only gendisk `srN` on the core's request queue,
//! registered with the kernel's uniform CD-ROM layer (`cdrom.ko`), which
//! does the tray, lock, media-change and most ioctl logic through the
//! drive operations here (TEST UNIT READY, GET EVENT STATUS NOTIFICATION,
//! START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, READ TOC, packet
//! commands). Reads of 2048-byte blocks become READ(10).
//!
//! Not done: writing (CD-R/RW, DVD+RW, MRW), audio (CDDA reads, play),
//! MCN, multisession offsets beyond READ TOC's session info, runtime PM.

#![recursion_limit = "256"]

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use kernel::c_str;
use kernel::ffi::{c_int, c_ulong};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

#[path = "../rust/blk.rs"]
mod blk;

mod cdrom;

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
#[path = "../proto/src/mmc.rs"]
#[allow(dead_code, unreachable_pub)]
mod mmc;
#[path = "../proto/src/sense.rs"]
#[allow(dead_code, unreachable_pub)]
mod sense;
#[path = "../proto/src/status.rs"]
#[allow(dead_code, unreachable_pub)]
mod status;

use blk::{BlkdevMajors, DevLog, Disk, DiskConfig, DiskOps, GenDisk, Geometry, OpenMode};
use capacity::ReadCapacity10;
use cdrom::{cdc, Cd, Drive, PacketDir, Status};
use scsi_rs::{types, Device, DevicePin, Dir, Exec, ReqOp, UpperDriver, UpperRegistration};
use sense::{Sense, SenseKey};

module! {
    type: SrModule,
    name: "sr_mod_rs",
    author: "The scsi-rs developers",
    description: "SCSI CD-ROM (sr) upper-level driver in Rust",
    license: "GPL",
    alias: ["scsi:t-0x04*", "scsi:t-0x05*"],
}

/// Block major of SCSI CD-ROMs.
const SR_MAJOR: u32 = 11;
/// Drives this driver names (`sr0` .. `sr255`), one minor each.
const MAX_DRIVES: usize = 256;
/// Block size of CD data.
const CD_BLOCK: u32 = 2048;
/// Retries of the driver's own commands.
const RETRIES: u32 = 3;
/// SAM status CHECK CONDITION.
const CHECK_CONDITION: u8 = 0x02;
/// ENOMEDIUM, which the 6.12 kernel crate does not name.
fn enomedium() -> Error {
    Error::from_errno(-(kernel::bindings::ENOMEDIUM as c_int))
}

/// Drive numbers in use (see `blk::Index`).
static INDEXES: [AtomicU64; MAX_DRIVES / 64] = [const { AtomicU64::new(0) }; MAX_DRIVES / 64];

/// `srN`.
struct DriveName {
    buf: [u8; 8],
    len: usize,
}

impl DriveName {
    fn new(index: u32) -> Self {
        let mut n = DriveName {
            buf: [0; 8],
            len: 0,
        };
        let _ = fmt::write(&mut n, format_args!("sr{}", index));
        n
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("sr?")
    }
}

impl fmt::Write for DriveName {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Outcome of one of the driver's commands.
struct Reply {
    good: bool,
    delivered: bool,
    sense: Option<Sense>,
    /// Raw sense bytes and their length (for packet commands).
    raw_sense: [u8; 96],
    sense_len: usize,
}

/// Open nodes and their device pin.
struct State {
    openers: u32,
    pin: Option<DevicePin>,
}

/// A drive: shared by the driver's per-device data, the gendisk and its
/// open nodes. Its registration with the CD-ROM layer lives as long.
#[pin_data(PinnedDrop)]
struct SrDrive {
    dev: Device,
    log: DevLog,
    name: DriveName,
    _index: blk::Index,
    /// Capacity in 512-byte sectors.
    sectors: AtomicU64,
    /// log2 of the logical block size (11 for CDs).
    block_shift: AtomicU32,
    media_present: AtomicBool,
    /// A media change not yet reported.
    changed: AtomicBool,
    /// The drive registered with the CD-ROM layer (set once after the
    /// gendisk exists; dropped with the drive).
    #[pin]
    cd: Mutex<Option<Cd>>,
    #[pin]
    state: Mutex<State>,
}

#[pinned_drop]
impl PinnedDrop for SrDrive {
    fn drop(self: Pin<&mut Self>) {
        // Unregister from the CD-ROM layer before the data its operations
        // use goes away.
        drop(self.cd.lock().take());
    }
}

impl SrDrive {
    fn exec(&self, cdb: &[u8], dir: Dir, buf: &mut [u8], retries: u32, timeout_ms: u32) -> Reply {
        let x = Exec {
            cdb,
            dir: if buf.is_empty() { Dir::None } else { dir },
            timeout_ms,
            retries,
        };
        match self.dev.execute(&x, buf) {
            Ok(r) => {
                let n = r.sense_len.min(96);
                let sense = if r.status == CHECK_CONDITION {
                    Sense::parse(&r.sense[..n]).ok()
                } else {
                    None
                };
                Reply {
                    good: r.good(),
                    delivered: r.host == scsi_rs::HostResult::Ok as u8,
                    sense,
                    raw_sense: r.sense,
                    sense_len: n,
                }
            }
            Err(_) => Reply {
                good: false,
                delivered: false,
                sense: None,
                raw_sense: [0; 96],
                sense_len: 0,
            },
        }
    }

    fn exec_in(&self, cdb: &[u8], buf: &mut [u8]) -> Reply {
        self.exec(cdb, Dir::FromDevice, buf, RETRIES, 0)
    }

    /// Reads the capacity of the medium: `(blocks, block_len)`, or `None`
    /// without a medium.
    fn read_capacity(&self) -> Option<(u64, u32)> {
        let mut buf = KVec::from_elem(0u8, 8, GFP_KERNEL).ok()?;
        let r = self.exec_in(&cdb::read_capacity_10(), &mut buf);
        if !r.good {
            return None;
        }
        let rc = ReadCapacity10::parse(&buf).ok()?;
        // Drives report 2048 (or 512 for some data modes); take what is
        // sane, else the CD block size.
        let len = match rc.block_len {
            512 | 1024 | 2048 | 4096 => rc.block_len,
            _ => CD_BLOCK,
        };
        Some((u64::from(rc.last_lba) + 1, len))
    }

    /// Re-reads the medium's capacity and block size into the disk.
    fn revalidate(&self, disk: &GenDisk) {
        match self.read_capacity() {
            Some((blocks, len)) => {
                let shift = len.trailing_zeros();
                if shift != self.block_shift.load(Ordering::Relaxed) {
                    let _ = disk.update_limits(
                        |l| l.set_logical_block_size(len),
                        || self.block_shift.store(shift, Ordering::Relaxed),
                    );
                }
                let sectors = blocks << (shift - 9);
                self.sectors.store(sectors, Ordering::Relaxed);
                self.media_present.store(true, Ordering::Relaxed);
                disk.set_capacity(sectors);
            }
            None => {
                self.sectors.store(0, Ordering::Relaxed);
                self.media_present.store(false, Ordering::Relaxed);
                disk.set_capacity(0);
            }
        }
    }

    /// TEST UNIT READY without retries: the raw answer.
    fn tur(&self) -> Reply {
        self.exec(&cdb::test_unit_ready(), Dir::None, &mut [], 0, 0)
    }

    /// GET CONFIGURATION's Profile List: what the drive is and what the
    /// medium in it is (`None` from a drive without the command).
    fn profiles(&self) -> Option<mmc::Profiles> {
        let mut buf = KVec::from_elem(0u8, 64, GFP_KERNEL).ok()?;
        let r = self.exec_in(&mmc::get_configuration(0, 64), &mut buf);
        if !r.good {
            return None;
        }
        mmc::parse_profiles(&buf)
    }

    /// The drive's capabilities page (2Ah), or its profiles when it has no
    /// such page: the CD-ROM layer's mask of what it lacks.
    fn capability_mask(&self) -> i32 {
        // Writing is not supported by this driver at all.
        let mut mask = cdc::CD_R
            | cdc::CD_RW
            | cdc::DVD_R
            | cdc::DVD_RAM
            | cdc::MRW
            | cdc::MRW_W
            | cdc::RAM
            | cdc::SELECT_DISC;
        let Ok(mut buf) = KVec::from_elem(0u8, 128, GFP_KERNEL) else {
            return mask | cdc::DVD;
        };
        let profiles = self.profiles();
        if let Some(p) = profiles {
            self.log.info(format_args!(
                "{}: GET CONFIGURATION: {} profiles{}, medium {} ({:#06x})",
                self.name.as_str(),
                p.count,
                if p.dvd { ", DVD" } else { "" },
                mmc::profile_name(p.current),
                p.current
            ));
        }
        let c = cdb::mode_sense_10(true, cdb::PageControl::Current, 0x2a, 0, 128);
        let r = self.exec_in(&c, &mut buf);
        let bdl = usize::from(u16::from_be_bytes([buf[6], buf[7]]));
        let p = 8 + bdl;
        if !r.good || buf.get(p).map(|b| b & 0x3f) != Some(0x2a) || p + 8 > buf.len() {
            self.log.info(format_args!(
                "{}: no capabilities page; assuming a plain {}",
                self.name.as_str(),
                if profiles.is_some_and(|p| p.dvd) {
                    "DVD-ROM"
                } else {
                    "CD-ROM"
                }
            ));
            if profiles.is_some_and(|p| p.dvd) {
                return mask | cdc::SELECT_SPEED;
            }
            return mask | cdc::DVD | cdc::SELECT_SPEED;
        }
        let pg = &buf[p..];
        if pg[2] & 0x08 == 0 {
            mask |= cdc::DVD;
        }
        if pg[6] & 0x01 == 0 {
            mask |= cdc::LOCK;
        }
        if pg[6] & 0x08 == 0 {
            mask |= cdc::OPEN_TRAY;
        }
        // Loading mechanism: 0 caddy and 4/5 changers cannot close; 1 tray,
        // 2 pop-up.
        if (pg[6] >> 5) != 1 && (pg[6] >> 5) != 2 {
            mask |= cdc::CLOSE_TRAY;
        }
        mask
    }

    /// A data-less command with retries: `EIO` unless GOOD.
    fn simple(&self, cdb: &[u8]) -> Result {
        if self.exec(cdb, Dir::None, &mut [], RETRIES, 0).good {
            Ok(())
        } else {
            Err(EIO)
        }
    }

    fn with_cd<R>(&self, f: impl FnOnce(&Cd) -> Result<R>) -> Result<R> {
        match self.cd.lock().as_ref() {
            Some(cd) => f(cd),
            None => Err(ENXIO),
        }
    }
}

impl Drive for SrDrive {
    fn drive_status(&self) -> Status {
        let mut r = self.tur();
        if r.sense.as_ref().is_some_and(|s| s.is_unit_attention()) {
            self.changed.store(true, Ordering::Relaxed);
            r = self.tur();
        }
        if r.good {
            return Status::DiscOk;
        }
        match r.sense {
            Some(s) if s.key == SenseKey::NotReady && s.asc == 0x04 && s.ascq == 0x01 => {
                Status::NotReady
            }
            Some(s) if s.asc == 0x3a && s.ascq == 0x02 => Status::TrayOpen,
            Some(s) if s.asc == 0x3a => Status::NoDisc,
            Some(s) if s.key == SenseKey::NotReady && s.asc == 0x04 && s.ascq == 0x02 => {
                Status::TrayOpen
            }
            Some(_) => Status::DiscOk,
            None => Status::NotReady,
        }
    }

    fn check_events(&self, clearing: u32) -> u32 {
        let mut events = 0;
        // GET EVENT STATUS NOTIFICATION, polled, media class.
        let mut buf = [0u8; 8];
        let gesn = [0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0];
        let r = self.exec(&gesn, Dir::FromDevice, &mut buf, 0, 0);
        if r.sense.as_ref().is_some_and(|s| s.is_unit_attention()) {
            events |= blk::events::MEDIA_CHANGE;
        } else if r.good && u16::from_be_bytes([buf[0], buf[1]]) >= 4 && buf[2] & 0x80 == 0 {
            match buf[4] & 0x0f {
                1 => events |= blk::events::EJECT_REQUEST,
                2 | 3 => events |= blk::events::MEDIA_CHANGE,
                _ => {}
            }
        }
        if clearing & blk::events::MEDIA_CHANGE != 0 {
            let r = self.tur();
            if r.sense.as_ref().is_some_and(|s| s.is_unit_attention()) {
                events |= blk::events::MEDIA_CHANGE;
            }
            let present =
                r.good || (r.delivered && r.sense.as_ref().is_some_and(|s| s.asc != 0x3a));
            if present != self.media_present.swap(present, Ordering::Relaxed) {
                events |= blk::events::MEDIA_CHANGE;
            }
        }
        if self.changed.swap(false, Ordering::Relaxed) {
            events |= blk::events::MEDIA_CHANGE;
        }
        events
    }

    fn tray_move(&self, open: bool) -> Result {
        self.simple(&cdb::start_stop_unit(!open, true, false))
    }

    fn lock_door(&self, lock: bool) -> Result {
        self.simple(&cdb::prevent_allow_medium_removal(lock))
    }

    fn last_session(&self) -> Result<u32> {
        // READ TOC/PMA/ATIP, format 1 (session information), LBA form.
        let mut buf = [0u8; mmc::TOC_ONE_LEN];
        let c = mmc::read_toc(1, false, 0, mmc::TOC_ONE_LEN as u16);
        let r = self.exec(&c, Dir::FromDevice, &mut buf, RETRIES, 0);
        if !r.good {
            return Ok(0);
        }
        Ok(u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]))
    }

    fn toc(&self, track: u8, msf: bool) -> Result<[u8; 12]> {
        let mut buf = [0u8; mmc::TOC_ONE_LEN];
        let c = mmc::read_toc(0, msf, track, mmc::TOC_ONE_LEN as u16);
        let r = self.exec(&c, Dir::FromDevice, &mut buf, RETRIES, 0);
        if !r.good {
            return Err(match r.sense {
                Some(s) if s.is_medium_not_present() => enomedium(),
                Some(s) if s.key == SenseKey::IllegalRequest => EINVAL,
                _ => EIO,
            });
        }
        // The data length counts what follows it: a header and at least
        // one descriptor.
        if usize::from(u16::from_be_bytes([buf[0], buf[1]])) < mmc::TOC_ONE_LEN - 2 {
            return Err(EIO);
        }
        Ok(buf)
    }

    fn packet(
        &self,
        c: &[u8; 12],
        buf: &mut [u8],
        dir: PacketDir,
        timeout_ms: u32,
        sense: &mut [u8; 96],
    ) -> (Result, usize) {
        let len = cdb::cdb_len(c).unwrap_or(12).min(12);
        let dir = match dir {
            PacketDir::Write => Dir::ToDevice,
            PacketDir::None => Dir::None,
            PacketDir::Read | PacketDir::Unknown => Dir::FromDevice,
        };
        let r = self.exec(&c[..len], dir, buf, 0, timeout_ms);
        sense[..r.sense_len].copy_from_slice(&r.raw_sense[..r.sense_len]);
        let res = if r.good {
            Ok(())
        } else if r.sense.as_ref().is_some_and(|s| s.asc == 0x3a) {
            Err(enomedium())
        } else {
            Err(EIO)
        };
        (res, r.sense_len)
    }
}

impl DiskOps for SrDrive {
    fn open(&self, disk: &GenDisk, mode: OpenMode) -> Result {
        let pin = self.dev.get().map_err(|_| ENXIO)?;
        if disk.check_media_change() {
            self.revalidate(disk);
        }
        self.with_cd(|cd| cd.open(mode))?;
        let mut st = self.state.lock();
        st.openers += 1;
        let spare = if st.pin.is_none() {
            st.pin = Some(pin);
            None
        } else {
            Some(pin)
        };
        drop(st);
        drop(spare);
        Ok(())
    }

    fn release(&self, _disk: &GenDisk) {
        let _ = self.with_cd(|cd| {
            cd.release();
            Ok(())
        });
        let mut st = self.state.lock();
        st.openers = st.openers.saturating_sub(1);
        let pin = if st.openers == 0 { st.pin.take() } else { None };
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
        if partition && !blk::capable_sys_rawio() {
            return Err(ENOIOCTLCMD);
        }
        match self.with_cd(|cd| cd.ioctl(cmd, arg)) {
            Err(e) if e.to_errno() == -(kernel::bindings::ENOSYS as c_int) => {}
            other => return other,
        }
        self.dev.ioctl(mode.read, mode.write, cmd, arg)
    }

    fn getgeo(&self, _disk: &GenDisk) -> Result<Geometry> {
        Err(ENOTTY)
    }

    fn check_events(&self, _disk: &GenDisk, clearing: u32) -> u32 {
        self.with_cd(|cd| Ok(cd.check_events(clearing)))
            .unwrap_or(0)
    }
}

blk::disk_fops!(SR_FOPS, SrDrive);

struct SrData {
    disk: Disk<SrDrive>,
}

struct Sr;

impl UpperDriver for Sr {
    const NAME: &'static CStr = c_str!("sr");
    const TYPES: u32 = types::WORM | types::CDROM;
    type Data = SrData;

    fn probe(&self, dev: Device) -> Result<KBox<SrData>> {
        let index =
            blk::Index::alloc(&INDEXES).inspect_err(|_| pr_warn!("out of drive numbers\n"))?;
        let name = DriveName::new(index.get());
        let log = DevLog::new(&dev)?;
        let minor = index.get();
        let drive = Arc::pin_init(
            pin_init!(SrDrive {
                dev,
                log,
                name,
                _index: index,
                sectors: AtomicU64::new(0),
                block_shift: AtomicU32::new(9),
                media_present: AtomicBool::new(false),
                changed: AtomicBool::new(false),
                cd <- new_mutex!(None),
                state <- new_mutex!(State {
                    openers: 0,
                    pin: None,
                }),
            }),
            GFP_KERNEL,
        )?;
        let cfg = DiskConfig {
            major: SR_MAJOR,
            first_minor: minor,
            minors: 1,
            name: drive.name.as_str(),
            removable: true,
        };
        let disk = Disk::new(&drive.dev, &SR_FOPS, drive.clone(), &cfg)?;
        disk.set_read_only(true);
        let mask = drive.capability_mask();
        // SAFETY: the drive data outlives the registration: the `Cd` is
        // kept inside it and dropped first when it goes.
        let cd = unsafe { Cd::register(&disk, &*drive, mask) }?;
        *drive.cd.lock() = Some(cd);
        drive.revalidate(&disk);
        Ok(KBox::new(SrData { disk }, GFP_KERNEL)?)
    }

    fn start(&self, data: &SrData) -> Result {
        data.disk.add()?;
        let d = data.disk.data();
        d.log.notice(format_args!(
            "Attached scsi CD-ROM {}{}",
            d.name.as_str(),
            if d.media_present.load(Ordering::Relaxed) {
                ""
            } else {
                " (no medium)"
            }
        ));
        Ok(())
    }

    fn remove(&self, data: KBox<SrData>) {
        // The disk goes; open nodes keep the drive (and its registration
        // with the CD-ROM layer) until they close.
        data.disk.del();
    }

    fn init_command(
        data: &SrData,
        rq: &scsi_rs::Request<'_>,
        cmd: &mut scsi_rs::CmdSetup<'_>,
    ) -> Result {
        let d = data.disk.data();
        match rq.op() {
            ReqOp::Read => {
                let shift = d.block_shift.load(Ordering::Relaxed);
                let per = (1u64 << (shift - 9)) - 1;
                let (pos, bytes) = (rq.pos(), rq.bytes());
                if pos & per != 0 || bytes & ((1 << shift) - 1) != 0 {
                    return Err(EIO);
                }
                let lba = pos >> (shift - 9);
                let blocks = bytes >> shift;
                let c = cdb::rw(cdb::Direction::Read, lba, blocks, false, false);
                cmd.set_cdb(c.as_bytes())
            }
            _ => Err(EIO),
        }
    }

    fn rescan(data: &SrData) {
        let d = data.disk.data();
        d.changed.store(true, Ordering::Relaxed);
    }
}

struct SrModule {
    _reg: UpperRegistration<Sr>,
    _majors: BlkdevMajors,
}

impl kernel::Module for SrModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        cdrom::register_ops::<SrDrive>();
        let majors = BlkdevMajors::register(c_str!("sr"), &[SR_MAJOR])?;
        Ok(Self {
            _reg: UpperRegistration::new(Sr, module)?,
            _majors: majors,
        })
    }
}
