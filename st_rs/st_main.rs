// SPDX-License-Identifier: GPL-2.0

//! st_rs: SCSI tape driver (the st of the C stack).
//!
//! Registers character major 9 (`st`) and, with scsi_mod_rs, the `st`
//! upper-level driver for sequential-access devices. Each drive N gets
//! the nodes the C driver makes, in the `scsi_tape` class below the SCSI
//! device: `stN` (rewinds on close), `nstN` (does not), and the mode
//! variants `stNl`, `stNm`, `stNa` with their `nst` twins, which here all
//! behave as mode 0. A drive is open by one file at a time.
//!
//! `read(2)` and `write(2)` move one record per call in variable block
//! mode and whole blocks in fixed block mode, through a driver buffer; a
//! file written to gets a filemark when closed. `MTIOCTOP`, `MTIOCGET`
//! and `MTIOCPOS` follow the C driver (Documentation/tape.rst); the SCSI
//! ioctls (SG_IO, SCSI_IOCTL_*) go to the core. The position bookkeeping
//! is the `no_std` `proto::tape` code.
//!
//! Not done: write-behind and read-ahead buffering, partitions, setmarks,
//! MTSETDRVBUFFER options, MTCOMPRESSION, the 32-bit compat `mtget`
//! layout, statistics in sysfs.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::alloc::KVVec;
use kernel::bindings;
use kernel::c_str;
use kernel::ffi::{c_int, c_ulong};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};
use kernel::uaccess::UserSlice;

mod chrdev;
#[path = "../rust/chrdev_util.rs"]
mod chrdev_util;
#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

#[path = "../proto/src/bytes.rs"]
#[allow(dead_code, unreachable_pub)]
mod bytes;
#[path = "../proto/src/cdb.rs"]
#[allow(dead_code, unreachable_pub)]
mod cdb;
#[path = "../proto/src/error.rs"]
#[allow(dead_code, unreachable_pub)]
mod error;
#[path = "../proto/src/sense.rs"]
#[allow(dead_code, unreachable_pub)]
mod sense;
#[path = "../proto/src/status.rs"]
#[allow(dead_code, unreachable_pub)]
mod status;
#[path = "../proto/src/tape.rs"]
#[allow(dead_code, unreachable_pub)]
mod tape;

use chrdev::{oflags, File, OpenHow, Registration, Tape};
use scsi_rs::{types, Device, DevicePin, Dir, Exec, UpperDriver, UpperRegistration};
use sense::{Sense, SenseKey};
use tape::{
    mtop, BlockLimits, DriveState, Motion, MtGet, Outcome, Position, Rw, SpaceCode, TapeError,
};

module! {
    type: StModule,
    name: "st_rs",
    author: "The scsi-rs developers",
    description: "SCSI tape (st) upper-level driver in Rust",
    license: "GPL",
    alias: ["scsi:t-0x01*"],
}

/// Retries of commands that may meet a unit attention.
const RETRIES: u32 = 3;
/// Timeouts: data transfers, and long motions (rewind, space, erase).
const TIMEOUT_MS: u32 = 900_000;
const LONG_TIMEOUT_MS: u32 = 14_000_000;
/// Largest buffer the driver keeps for one command.
const MAX_BUFFER: usize = 1 << 20;
/// CHECK CONDITION.
const CHECK_CONDITION: u8 = 0x02;

mod ioc {
    /// `_IOW('m', 1, struct mtop)`.
    pub(crate) const MTIOCTOP: u32 = 0x4008_6d01;
    /// `_IOR('m', 2, struct mtget)`.
    pub(crate) const MTIOCGET: u32 = 0x8030_6d02;
    /// `_IOR('m', 3, struct mtpos)`.
    pub(crate) const MTIOCPOS: u32 = 0x8008_6d03;
}

fn errno(e: u32) -> Error {
    Error::from_errno(-(e as i32))
}

fn tape_err(e: TapeError) -> Error {
    match e {
        TapeError::Io => EIO,
        TapeError::Overlength => ENOMEM,
        TapeError::NoSpace => ENOSPC,
        TapeError::WriteProtected => EACCES,
        TapeError::NoMedium => errno(bindings::ENOMEDIUM),
        TapeError::Invalid => EINVAL,
    }
}

/// The drive state the open file works on.
struct Drive {
    pos: Position,
    /// A medium is loaded and ready.
    ready: bool,
    /// Not ready because no medium is in the drive.
    no_medium: bool,
    write_protect: bool,
    /// Block length (0: variable block mode).
    block_len: u32,
    density: u8,
    limits: BlockLimits,
    /// The medium was seen since attach (its parameters are read).
    known: bool,
    /// The driver's data buffer (grown on demand up to `MAX_BUFFER`).
    buf: KVVec<u8>,
}

/// One drive, shared by the driver's per-device data and its open files.
#[pin_data]
struct StDev {
    dev: Device,
    /// `H:C:T:L` for messages.
    hctl: (u32, u32, u32, u64),
    /// N of `stN` (set once the nodes exist).
    index: AtomicU32,
    scsi2: bool,
    /// Largest transfer of one command.
    max_bytes: usize,
    /// A file has the drive open (one at a time, as the C driver).
    in_use: AtomicBool,
    #[pin]
    drive: Mutex<Drive>,
}

/// The driver's data for one device.
struct StData {
    _dev: Arc<StDev>,
    _tape: Tape,
}

struct St {
    reg: Registration<StFile>,
}

impl UpperDriver for St {
    const NAME: &'static CStr = c_str!("st");
    const TYPES: u32 = types::TAPE;

    type Data = StData;

    fn probe(&self, dev: Device) -> Result<KBox<StData>> {
        let i = dev.info()?;
        let max_bytes = if i.max_sectors == 0 {
            MAX_BUFFER
        } else {
            (i.max_sectors as usize * 512).min(MAX_BUFFER)
        };
        let sd = Arc::pin_init(
            pin_init!(StDev {
                dev,
                hctl: (i.host_no, i.channel, i.id, i.lun),
                index: AtomicU32::new(0),
                scsi2: i.scsi_level >= 3,
                max_bytes,
                in_use: AtomicBool::new(false),
                drive <- new_mutex!(Drive {
                    pos: Position::unknown(),
                    ready: false,
                    no_medium: false,
                    write_protect: false,
                    block_len: 0,
                    density: 0,
                    limits: BlockLimits { max: 0, min: 0 },
                    known: false,
                    buf: KVVec::new(),
                }),
            }),
            GFP_KERNEL,
        )?;
        let tape = Tape::add(&self.reg, i.dev, sd.clone())?;
        sd.index.store(tape.index(), Ordering::Relaxed);
        pr_info!(
            "{}:{}:{}:{}: attached as st{} (nst{})\n",
            i.host_no,
            i.channel,
            i.id,
            i.lun,
            tape.index(),
            tape.index()
        );
        Ok(KBox::new(
            StData {
                _dev: sd,
                _tape: tape,
            },
            GFP_KERNEL,
        )?)
    }

    fn remove(&self, _data: KBox<StData>) {
        // Dropping the data removes the nodes; open files keep the drive
        // data and their device pin, and their commands fail once the
        // device is gone.
    }
}

impl StDev {
    /// Runs a command; `buf` is its data in `dir`.
    fn exec(&self, cdb: &[u8], dir: Dir, buf: &mut [u8], timeout_ms: u32) -> Outcome {
        self.exec_r(cdb, dir, buf, timeout_ms, RETRIES)
    }

    fn exec_r(
        &self,
        cdb: &[u8],
        dir: Dir,
        buf: &mut [u8],
        timeout_ms: u32,
        retries: u32,
    ) -> Outcome {
        let x = Exec {
            cdb,
            dir: if buf.is_empty() { Dir::None } else { dir },
            timeout_ms,
            retries,
        };
        match self.dev.execute(&x, buf) {
            Ok(r) if r.good() => Outcome::Good,
            Ok(r) if r.status == CHECK_CONDITION => match Sense::parse(r.sense()) {
                Ok(s) => Outcome::Check(s),
                Err(_) => Outcome::Failed,
            },
            _ => Outcome::Failed,
        }
    }

    fn log_failure(&self, what: &str, o: &Outcome) {
        let (h, c, t, l) = self.hctl;
        let n = self.index.load(Ordering::Relaxed);
        match o {
            Outcome::Check(s) => pr_info!(
                "st{} ({}:{}:{}:{}): {} failed: {} {:02x}/{:02x}\n",
                n,
                h,
                c,
                t,
                l,
                what,
                s.key.name(),
                s.asc,
                s.ascq
            ),
            _ => pr_info!("st{} ({}:{}:{}:{}): {} failed\n", n, h, c, t, l, what),
        }
    }

    /// Checks the drive at open: ready, medium parameters, position.
    fn check_tape(&self, d: &mut Drive) {
        let mut new_medium = !d.known;
        let mut o = Outcome::Failed;
        for _ in 0..5 {
            o = self.exec_r(&[0u8; 6], Dir::None, &mut [], TIMEOUT_MS, 0);
            match &o {
                Outcome::Check(s) if s.key == SenseKey::UnitAttention => {
                    // Reset, or a medium change: start over at BOT.
                    new_medium = true;
                }
                _ => break,
            }
        }
        match o {
            Outcome::Good => {
                d.ready = true;
                d.no_medium = false;
            }
            Outcome::Check(s) => {
                d.ready = false;
                d.no_medium = s.key == SenseKey::NotReady && s.asc == 0x3a;
                if d.no_medium {
                    d.known = false;
                    d.pos = Position::unknown();
                }
                return;
            }
            Outcome::Failed => {
                d.ready = false;
                d.no_medium = false;
                return;
            }
        }
        let mut mb = [0u8; tape::MODE_BD_LEN];
        if let Outcome::Good = self.exec(
            &tape::mode_sense6_bd(),
            Dir::FromDevice,
            &mut mb,
            TIMEOUT_MS,
        ) {
            if let Some(m) = tape::parse_mode_bd(&mb) {
                d.write_protect = m.write_protect;
                d.density = m.density;
                if new_medium {
                    d.block_len = m.block_len;
                }
            }
        }
        if !new_medium {
            return;
        }
        let mut bl = [0u8; tape::BLOCK_LIMITS_LEN];
        if let Outcome::Good = self.exec(
            &tape::read_block_limits(),
            Dir::FromDevice,
            &mut bl,
            TIMEOUT_MS,
        ) {
            if let Some(l) = tape::parse_block_limits(&bl) {
                d.limits = l;
            }
        }
        let mut rp = [0u8; tape::READ_POSITION_SHORT_LEN];
        d.pos = match self.exec(
            &tape::read_position_short(),
            Dir::FromDevice,
            &mut rp,
            TIMEOUT_MS,
        ) {
            Outcome::Good => match tape::parse_read_position(&rp) {
                Some(p) if p.bop || p.first == Some(0) => Position::bot(),
                _ => Position::unknown(),
            },
            _ => Position::unknown(),
        };
        d.known = true;
    }

    /// Makes the buffer at least `len` bytes.
    fn buffer<'a>(&self, d: &'a mut Drive, len: usize) -> Result<&'a mut [u8]> {
        if d.buf.len() < len {
            d.buf = KVVec::new();
            d.buf = KVVec::from_elem(0u8, len, GFP_KERNEL)?;
        }
        Ok(&mut d.buf[..len])
    }

    /// Positioning command `cdb` accounted as `m`.
    fn motion(&self, d: &mut Drive, what: &str, cdb: &[u8], m: Motion) -> Result {
        let o = self.exec(cdb, Dir::None, &mut [], LONG_TIMEOUT_MS);
        let r = d.pos.motion_done(m, &o);
        if r.is_err()
            && !matches!(
                m,
                Motion::Fsf(_) | Motion::Bsf(_) | Motion::Fsr(_) | Motion::Bsr(_)
            )
        {
            self.log_failure(what, &o);
        }
        r.map_err(tape_err)
    }

    /// Writes the filemark a written file ends with.
    fn flush_writes(&self, d: &mut Drive) -> Result {
        if d.pos.rw == Rw::Writing {
            return self.motion(
                d,
                "WRITE FILEMARKS",
                &tape::write_filemarks6(1, false),
                Motion::Weof(1),
            );
        }
        Ok(())
    }

    fn drive_state(&self, d: &Drive) -> DriveState {
        DriveState {
            ready: d.ready,
            no_medium: d.no_medium,
            write_protect: d.write_protect,
            block_len: d.block_len,
            density: d.density,
            scsi2: self.scsi2,
        }
    }

    fn set_block(&self, d: &mut Drive, density: u8, block_len: u32) -> Result {
        if block_len > tape::MAX_COUNT_24
            || (block_len != 0
                && d.limits.max != 0
                && (block_len > d.limits.max || block_len < d.limits.min))
            || block_len as usize > self.max_bytes
        {
            return Err(EINVAL);
        }
        let mut p = tape::mode_select_bd(density, block_len);
        let o = self.exec(
            &tape::mode_select6_bd(self.scsi2),
            Dir::ToDevice,
            &mut p,
            TIMEOUT_MS,
        );
        if o != Outcome::Good {
            self.log_failure("MODE SELECT", &o);
            return Err(EIO);
        }
        d.block_len = block_len;
        d.density = density;
        Ok(())
    }

    /// One MTIOCTOP operation.
    fn mtioctop(&self, d: &mut Drive, op: i16, count: i32) -> Result {
        // Moves that leave what was written behind end it with a filemark
        // first, as the C driver does.
        let mut count = count;
        if d.pos.rw == Rw::Writing
            && matches!(
                op,
                mtop::MTREW
                    | mtop::MTOFFL
                    | mtop::MTUNLOAD
                    | mtop::MTSEEK
                    | mtop::MTBSF
                    | mtop::MTBSFM
            )
        {
            self.flush_writes(d)?;
            if matches!(op, mtop::MTBSF | mtop::MTBSFM) {
                count = count.saturating_add(1);
            }
        }
        let needs_medium = !matches!(
            op,
            mtop::MTNOP
                | mtop::MTLOAD
                | mtop::MTLOCK
                | mtop::MTUNLOCK
                | mtop::MTSETBLK
                | mtop::MTSETDENSITY
        );
        if needs_medium && !d.ready {
            return Err(errno(bindings::ENOMEDIUM));
        }
        if op != mtop::MTNOP && op != mtop::MTSETBLK && op != mtop::MTSETDENSITY {
            d.pos.rw = Rw::Idle;
        }
        match op {
            mtop::MTNOP => Ok(()),
            mtop::MTREW => self.motion(d, "REWIND", &tape::rewind(), Motion::Rewind),
            mtop::MTFSF => self.motion(
                d,
                "SPACE",
                &tape::space6(SpaceCode::Filemarks, count),
                Motion::Fsf(count),
            ),
            mtop::MTBSF => self.motion(
                d,
                "SPACE",
                &tape::space6(SpaceCode::Filemarks, -count),
                Motion::Bsf(count),
            ),
            mtop::MTFSR => self.motion(
                d,
                "SPACE",
                &tape::space6(SpaceCode::Blocks, count),
                Motion::Fsr(count),
            ),
            mtop::MTBSR => self.motion(
                d,
                "SPACE",
                &tape::space6(SpaceCode::Blocks, -count),
                Motion::Bsr(count),
            ),
            mtop::MTFSFM => {
                self.mtioctop(d, mtop::MTFSF, count)?;
                self.mtioctop(d, mtop::MTBSF, 1)
            }
            mtop::MTBSFM => {
                self.mtioctop(d, mtop::MTBSF, count)?;
                self.mtioctop(d, mtop::MTFSF, 1)
            }
            mtop::MTWEOF | mtop::MTWEOFI => {
                if d.write_protect {
                    return Err(EACCES);
                }
                let n = u32::try_from(count).map_err(|_| EINVAL)?;
                let cdb = tape::write_filemarks6(n, op == mtop::MTWEOFI);
                self.motion(d, "WRITE FILEMARKS", &cdb, Motion::Weof(count))
            }
            mtop::MTEOM => {
                // Forward over the filemarks first to count the files.
                let o = self.exec(
                    &tape::space6(SpaceCode::Filemarks, 0x7f_ffff),
                    Dir::None,
                    &mut [],
                    LONG_TIMEOUT_MS,
                );
                let _ = d.pos.motion_done(Motion::Fsf(0x7f_ffff), &o);
                if d.pos.eof == tape::Eof::Eod {
                    d.pos.block = -1;
                    return Ok(());
                }
                self.motion(
                    d,
                    "SPACE",
                    &tape::space6(SpaceCode::EndOfData, 0),
                    Motion::Eod,
                )
            }
            mtop::MTERASE => {
                if d.write_protect {
                    return Err(EACCES);
                }
                self.motion(d, "ERASE", &tape::erase6(count != 0), Motion::Erase)
            }
            mtop::MTOFFL | mtop::MTUNLOAD => {
                if op == mtop::MTOFFL {
                    let _ = self.exec(&tape::prevent_allow(false), Dir::None, &mut [], TIMEOUT_MS);
                }
                let r = self.motion(
                    d,
                    "UNLOAD",
                    &tape::load_unload(false, false),
                    Motion::Unload,
                );
                if r.is_ok() {
                    d.ready = false;
                    d.no_medium = true;
                    d.known = false;
                }
                r
            }
            mtop::MTLOAD | mtop::MTRETEN => {
                let r = self.motion(
                    d,
                    "LOAD",
                    &tape::load_unload(true, op == mtop::MTRETEN),
                    Motion::Rewind,
                );
                if r.is_ok() {
                    d.known = false;
                    self.check_tape(d);
                }
                r
            }
            mtop::MTSEEK => {
                let b = u32::try_from(count).map_err(|_| EINVAL)?;
                self.motion(d, "LOCATE", &tape::locate10(b), Motion::Seek(b))
            }
            mtop::MTLOCK | mtop::MTUNLOCK => {
                let o = self.exec(
                    &tape::prevent_allow(op == mtop::MTLOCK),
                    Dir::None,
                    &mut [],
                    TIMEOUT_MS,
                );
                if o == Outcome::Good {
                    Ok(())
                } else {
                    Err(EIO)
                }
            }
            mtop::MTSETBLK => {
                let b = u32::try_from(count).map_err(|_| EINVAL)?;
                self.set_block(d, d.density, b)
            }
            mtop::MTSETDENSITY => {
                let dens = u8::try_from(count).map_err(|_| EINVAL)?;
                self.set_block(d, dens, d.block_len)
            }
            // MTTELL has no way to return the position (MTIOCPOS has);
            // the others are not done (Documentation/tape.rst).
            _ => Err(errno(bindings::ENOSYS)),
        }
    }
}

/// An open tape node.
struct StFile {
    st: Arc<StDev>,
    _pin: DevicePin,
    no_rewind: bool,
    read: bool,
    write: bool,
}

impl File for StFile {
    type Dev = StDev;

    fn open(st: &Arc<StDev>, how: OpenHow) -> Result<KBox<Self>> {
        if st.in_use.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        let r = (|| {
            let pin = st.dev.get()?;
            let mut d = st.drive.lock();
            st.check_tape(&mut d);
            if !d.ready && how.flags & oflags::NONBLOCK == 0 {
                return Err(if d.no_medium {
                    errno(bindings::ENOMEDIUM)
                } else {
                    EIO
                });
            }
            if d.ready && how.write && d.write_protect {
                return Err(EROFS);
            }
            d.pos.rw = Rw::Idle;
            drop(d);
            Ok(KBox::new(
                StFile {
                    st: st.clone(),
                    _pin: pin,
                    no_rewind: how.no_rewind,
                    read: how.read,
                    write: how.write,
                },
                GFP_KERNEL,
            )?)
        })();
        if r.is_err() {
            st.in_use.store(false, Ordering::Release);
        }
        r
    }

    fn read(&self, buf: c_ulong, count: usize) -> Result<usize> {
        let st = &*self.st;
        let mut d = st.drive.lock();
        if !d.ready {
            return Err(errno(bindings::ENOMEDIUM));
        }
        if d.pos.rw == Rw::Writing {
            // Reading after writing: end the file first.
            st.flush_writes(&mut d)?;
        }
        if d.pos.eof == tape::Eof::FmPending {
            d.pos.eof = tape::Eof::Fm;
            return Ok(0);
        }
        if count == 0 {
            return Ok(0);
        }
        let block_len = d.block_len;
        let len = if block_len != 0 {
            if count % block_len as usize != 0 {
                return Err(EINVAL);
            }
            let max = (st.max_bytes / block_len as usize) * block_len as usize;
            if max == 0 {
                return Err(EINVAL);
            }
            count
                .min(max)
                .min(tape::MAX_COUNT_24 as usize * block_len as usize)
        } else {
            count.min(st.max_bytes).min(tape::MAX_COUNT_24 as usize)
        };
        let n = if block_len != 0 {
            len / block_len as usize
        } else {
            len
        } as u32;
        let b = st.buffer(&mut d, len)?;
        let o = st.exec(
            &tape::read6(block_len != 0, n),
            Dir::FromDevice,
            b,
            TIMEOUT_MS,
        );
        let r = d.pos.read_done(block_len, len as u32, &o);
        match r {
            Ok(got) => {
                let got = (got as usize).min(len);
                UserSlice::new(buf, got)
                    .writer()
                    .write_slice(&d.buf[..got])?;
                Ok(got)
            }
            Err(e) => {
                if e == TapeError::Overlength {
                    pr_info!(
                        "st{}: record longer than the {} bytes read\n",
                        st.index.load(Ordering::Relaxed),
                        len
                    );
                } else {
                    st.log_failure("READ", &o);
                }
                Err(tape_err(e))
            }
        }
    }

    fn write(&self, buf: c_ulong, count: usize) -> Result<usize> {
        let st = &*self.st;
        let mut d = st.drive.lock();
        if !d.ready {
            return Err(errno(bindings::ENOMEDIUM));
        }
        if d.write_protect {
            return Err(EACCES);
        }
        d.pos.may_write().map_err(tape_err)?;
        if count == 0 {
            return Ok(0);
        }
        let block_len = d.block_len as usize;
        if block_len == 0 {
            let lim = d.limits;
            if count > tape::MAX_COUNT_24 as usize
                || (lim.max != 0 && (count > lim.max as usize || count < lim.min as usize))
            {
                return Err(EINVAL);
            }
            if count > st.max_bytes {
                return Err(errno(bindings::EOVERFLOW));
            }
            let b = st.buffer(&mut d, count)?;
            UserSlice::new(buf, count).reader().read_slice(b)?;
            let o = st.exec(
                &tape::write6(false, count as u32),
                Dir::ToDevice,
                b,
                TIMEOUT_MS,
            );
            return match d.pos.write_done(0, count as u32, &o) {
                Ok(n) => Ok(n as usize),
                Err(e) => {
                    st.log_failure("WRITE", &o);
                    Err(tape_err(e))
                }
            };
        }
        if count % block_len != 0 {
            return Err(EINVAL);
        }
        let chunk =
            ((st.max_bytes / block_len) * block_len).min(tape::MAX_COUNT_24 as usize * block_len);
        if chunk == 0 {
            return Err(EINVAL);
        }
        let mut done = 0usize;
        let mut reader = UserSlice::new(buf, count).reader();
        while done < count {
            let len = (count - done).min(chunk);
            let b = st.buffer(&mut d, len)?;
            reader.read_slice(b)?;
            let n = (len / block_len) as u32;
            let o = st.exec(&tape::write6(true, n), Dir::ToDevice, b, TIMEOUT_MS);
            match d.pos.write_done(block_len as u32, len as u32, &o) {
                Ok(w) => {
                    done += w as usize;
                    if (w as usize) < len || d.pos.may_write().is_err() {
                        break;
                    }
                }
                Err(e) => {
                    st.log_failure("WRITE", &o);
                    if done > 0 {
                        break;
                    }
                    return Err(tape_err(e));
                }
            }
        }
        Ok(done)
    }

    fn ioctl(&self, cmd: u32, arg: c_ulong) -> Result<c_int> {
        let st = &*self.st;
        match cmd {
            ioc::MTIOCTOP => {
                let mut b = [0u8; 8];
                UserSlice::new(arg, 8).reader().read_slice(&mut b)?;
                let op = i16::from_ne_bytes([b[0], b[1]]);
                let count = i32::from_ne_bytes([b[4], b[5], b[6], b[7]]);
                let mut d = st.drive.lock();
                st.mtioctop(&mut d, op, count).map(|()| 0)
            }
            ioc::MTIOCGET => {
                let mut d = st.drive.lock();
                if !d.ready {
                    // A medium may have arrived since the open.
                    st.check_tape(&mut d);
                }
                let g = MtGet::new(&d.pos, &st.drive_state(&d));
                drop(d);
                UserSlice::new(arg, tape::MTGET_LEN)
                    .writer()
                    .write_slice(&g.to_bytes())?;
                Ok(0)
            }
            ioc::MTIOCPOS => {
                let d = st.drive.lock();
                if !d.ready {
                    return Err(errno(bindings::ENOMEDIUM));
                }
                let mut rp = [0u8; tape::READ_POSITION_SHORT_LEN];
                let o = st.exec(
                    &tape::read_position_short(),
                    Dir::FromDevice,
                    &mut rp,
                    TIMEOUT_MS,
                );
                drop(d);
                let p = match (o, tape::parse_read_position(&rp)) {
                    (Outcome::Good, Some(p)) => p.first.ok_or(EIO)?,
                    (o, _) => {
                        st.log_failure("READ POSITION", &o);
                        return Err(EIO);
                    }
                };
                UserSlice::new(arg, 8)
                    .writer()
                    .write_slice(&(p as i64).to_ne_bytes())?;
                Ok(0)
            }
            _ => st.dev.ioctl(self.read, self.write, cmd, arg),
        }
    }
}

impl Drop for StFile {
    fn drop(&mut self) {
        let st = &*self.st;
        {
            let mut d = st.drive.lock();
            if d.ready {
                let _ = st.flush_writes(&mut d);
                if !self.no_rewind {
                    let _ = st.motion(&mut d, "REWIND", &tape::rewind(), Motion::Rewind);
                }
            }
            d.pos.rw = Rw::Idle;
        }
        st.in_use.store(false, Ordering::Release);
    }
}

struct StModule {
    // Dropped first: the drives (and their nodes) go before the region.
    _drv: UpperRegistration<St>,
}

impl kernel::Module for StModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let reg = Registration::new()?;
        Ok(Self {
            _drv: UpperRegistration::new(St { reg }, module)?,
        })
    }
}
