// SPDX-License-Identifier: GPL-2.0

//! Sequential-access (tape) commands and the tape driver's idea of where
//! the head is (SSC-4, and the Linux `mtio` interface).
//!
//! The CDB builders cover what a tape driver sends: READ(6) / WRITE(6) in
//! fixed or variable block mode, WRITE FILEMARKS(6), SPACE(6), REWIND,
//! LOAD UNLOAD, ERASE(6), LOCATE(10), READ POSITION, READ BLOCK LIMITS,
//! PREVENT ALLOW MEDIUM REMOVAL and MODE SENSE(6) / MODE SELECT(6) of the
//! block descriptor. The parsers decode READ BLOCK LIMITS, READ POSITION
//! (short form) and the mode parameter header with its block descriptor.
//!
//! [`Position`] keeps the file and block numbers that `MTIOCGET` reports
//! and updates them from each command's outcome ([`Outcome`]), the way the
//! Linux st driver counts: a file is the data between filemarks; reading
//! a filemark or spacing over it starts the next file at block 0; a
//! number that cannot be known is -1. [`MtGet`] builds the `struct mtget`
//! answer with the general status bits `mt status` prints.

use super::cdb::{
    ERASE_6, LOAD_UNLOAD, LOCATE_10, MODE_SELECT_6, MODE_SENSE_6, PREVENT_ALLOW_MEDIUM_REMOVAL,
    READ_6, READ_BLOCK_LIMITS, READ_POSITION, REWIND, SPACE_6, WRITE_6, WRITE_FILEMARKS_6,
};
use super::sense::{Sense, SenseKey};

/// Largest transfer length of READ(6) / WRITE(6) and count of SPACE(6)
/// (24 bits).
pub const MAX_COUNT_24: u32 = 0x00ff_ffff;

/// What SPACE(6) moves over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpaceCode {
    /// Logical blocks (records).
    Blocks = 0,
    /// Filemarks.
    Filemarks = 1,
    /// To end of data (count ignored).
    EndOfData = 3,
}

/// READ(6) of `len` bytes (variable mode) or `len` blocks (fixed mode).
pub fn read6(fixed: bool, len: u32) -> [u8; 6] {
    rw6(READ_6, fixed, len)
}

/// WRITE(6) of `len` bytes (variable mode) or `len` blocks (fixed mode).
pub fn write6(fixed: bool, len: u32) -> [u8; 6] {
    rw6(WRITE_6, fixed, len)
}

fn rw6(op: u8, fixed: bool, len: u32) -> [u8; 6] {
    let l = len.min(MAX_COUNT_24);
    [op, fixed as u8, (l >> 16) as u8, (l >> 8) as u8, l as u8, 0]
}

/// WRITE FILEMARKS(6) of `count` filemarks; `immed` returns before they
/// reach the medium.
pub fn write_filemarks6(count: u32, immed: bool) -> [u8; 6] {
    let c = count.min(MAX_COUNT_24);
    [
        WRITE_FILEMARKS_6,
        immed as u8,
        (c >> 16) as u8,
        (c >> 8) as u8,
        c as u8,
        0,
    ]
}

/// SPACE(6): `count` objects of kind `code`, backwards when negative. The
/// count is clamped to the 24-bit two's-complement range.
pub fn space6(code: SpaceCode, count: i32) -> [u8; 6] {
    let c = count.clamp(-0x80_0000, 0x7f_ffff) as u32;
    [
        SPACE_6,
        code as u8,
        (c >> 16) as u8,
        (c >> 8) as u8,
        c as u8,
        0,
    ]
}

/// REWIND (waits for the rewind to end).
pub fn rewind() -> [u8; 6] {
    [REWIND, 0, 0, 0, 0, 0]
}

/// LOAD UNLOAD: load (`true`) or unload; `retension` winds the medium to
/// the end and back first.
pub fn load_unload(load: bool, retension: bool) -> [u8; 6] {
    [
        LOAD_UNLOAD,
        0,
        0,
        0,
        (load as u8) | ((retension as u8) << 1),
        0,
    ]
}

/// ERASE(6) from the current position; `long` erases to the end of the
/// partition.
pub fn erase6(long: bool) -> [u8; 6] {
    [ERASE_6, long as u8, 0, 0, 0, 0]
}

/// LOCATE(10) to logical object `block` of the current partition.
pub fn locate10(block: u32) -> [u8; 10] {
    let b = block.to_be_bytes();
    [LOCATE_10, 0, 0, b[0], b[1], b[2], b[3], 0, 0, 0]
}

/// READ POSITION, short form with logical object identifiers (20 bytes).
pub fn read_position_short() -> [u8; 10] {
    [READ_POSITION, 0, 0, 0, 0, 0, 0, 0, 0, 0]
}

/// Length of the short form of READ POSITION data.
pub const READ_POSITION_SHORT_LEN: usize = 20;

/// READ BLOCK LIMITS (6 bytes of data).
pub fn read_block_limits() -> [u8; 6] {
    [READ_BLOCK_LIMITS, 0, 0, 0, 0, 0]
}

/// Length of READ BLOCK LIMITS data.
pub const BLOCK_LIMITS_LEN: usize = 6;

/// PREVENT ALLOW MEDIUM REMOVAL.
pub fn prevent_allow(prevent: bool) -> [u8; 6] {
    [PREVENT_ALLOW_MEDIUM_REMOVAL, 0, 0, 0, prevent as u8, 0]
}

/// Length of a mode parameter header(6) plus one short block descriptor.
pub const MODE_BD_LEN: usize = 12;

/// MODE SENSE(6) of the header and block descriptor only (no pages).
pub fn mode_sense6_bd() -> [u8; 6] {
    // Page 0 (vendor specific, none returned), DBD clear.
    [MODE_SENSE_6, 0, 0, 0, MODE_BD_LEN as u8, 0]
}

/// MODE SELECT(6) of a header and block descriptor ([`mode_select_bd`]).
pub fn mode_select6_bd(page_format: bool) -> [u8; 6] {
    [
        MODE_SELECT_6,
        (page_format as u8) << 4,
        0,
        0,
        MODE_BD_LEN as u8,
        0,
    ]
}

/// The parameter list of [`mode_select6_bd`]: buffered mode on (as st
/// leaves it), one block descriptor with `density` and `block_len` (0:
/// variable).
pub fn mode_select_bd(density: u8, block_len: u32) -> [u8; MODE_BD_LEN] {
    let b = block_len.min(MAX_COUNT_24);
    [
        0,
        0,
        0x10,
        8,
        density,
        0,
        0,
        0,
        0,
        (b >> 16) as u8,
        (b >> 8) as u8,
        b as u8,
    ]
}

/// READ BLOCK LIMITS data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLimits {
    /// Largest block length (0: not specified).
    pub max: u32,
    /// Smallest block length.
    pub min: u32,
}

/// Decodes READ BLOCK LIMITS data; `None` when short.
pub fn parse_block_limits(b: &[u8]) -> Option<BlockLimits> {
    if b.len() < BLOCK_LIMITS_LEN {
        return None;
    }
    Some(BlockLimits {
        max: u32::from_be_bytes([0, b[1], b[2], b[3]]),
        min: u32::from(u16::from_be_bytes([b[4], b[5]])),
    })
}

/// The mode parameter header(6) and first block descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeBd {
    /// WP: the medium is write protected.
    pub write_protect: bool,
    /// Density code (0 without a descriptor).
    pub density: u8,
    /// Block length; 0 is variable block mode (and without a descriptor).
    pub block_len: u32,
}

/// Decodes MODE SENSE(6) data; `None` when shorter than its header.
pub fn parse_mode_bd(b: &[u8]) -> Option<ModeBd> {
    if b.len() < 4 {
        return None;
    }
    let mut m = ModeBd {
        write_protect: b[2] & 0x80 != 0,
        density: 0,
        block_len: 0,
    };
    if b[3] >= 8 && b.len() >= MODE_BD_LEN {
        m.density = b[4];
        m.block_len = u32::from_be_bytes([0, b[9], b[10], b[11]]);
    }
    Some(m)
}

/// READ POSITION short-form data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadPosition {
    /// BOP: at the beginning of the partition.
    pub bop: bool,
    /// EOP: at or past the end of the partition.
    pub eop: bool,
    /// Partition number.
    pub partition: u8,
    /// Logical object number of the current position, when known.
    pub first: Option<u32>,
}

/// Decodes short-form READ POSITION data; `None` when short.
pub fn parse_read_position(b: &[u8]) -> Option<ReadPosition> {
    if b.len() < READ_POSITION_SHORT_LEN {
        return None;
    }
    Some(ReadPosition {
        bop: b[0] & 0x80 != 0,
        eop: b[0] & 0x40 != 0,
        partition: b[1],
        // BPU: position unknown.
        first: if b[0] & 0x04 != 0 {
            None
        } else {
            Some(u32::from_be_bytes([b[4], b[5], b[6], b[7]]))
        },
    })
}

/// How a command ended, as the driver saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// GOOD status.
    Good,
    /// CHECK CONDITION with this sense.
    Check(Sense),
    /// Any other failure (transport, status without usable sense).
    Failed,
}

impl Outcome {
    fn sense(&self) -> Option<&Sense> {
        match self {
            Outcome::Check(s) => Some(s),
            _ => None,
        }
    }

    /// The INFORMATION field as the signed residue SSC puts there.
    fn residue(&self) -> Option<i64> {
        self.sense()
            .and_then(|s| s.info)
            .map(|i| i as u32 as i32 as i64)
    }
}

/// Why a tape operation failed; the driver maps these to errno values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TapeError {
    /// Generic I/O error (EIO).
    Io,
    /// The record is longer than the read buffer (ENOMEM, as st).
    Overlength,
    /// No room left on the medium (ENOSPC).
    NoSpace,
    /// The medium is write protected (EROFS / EACCES).
    WriteProtected,
    /// No medium (ENOMEDIUM).
    NoMedium,
    /// Bad request from the caller (EINVAL).
    Invalid,
}

/// End-of-something state after the last operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eof {
    /// Nothing special.
    None,
    /// A read stopped at a filemark (its data returned; the next read
    /// returns 0 without a command).
    FmPending,
    /// A filemark was read or spaced over.
    Fm,
    /// End of data was reached.
    Eod,
    /// A write reached the early-warning zone; more writes fail.
    EomOk,
    /// A write found no room.
    EomError,
}

/// What the driver did last (for the filemark written at close).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rw {
    /// Neither reading nor writing.
    Idle,
    /// Reading.
    Reading,
    /// Writing: a filemark is due when the file is closed.
    Writing,
}

/// The driver's view of the tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// File number (-1: unknown).
    pub file: i32,
    /// Block within the file (-1: unknown).
    pub block: i32,
    /// End-of-file / data / medium state.
    pub eof: Eof,
    /// Last data direction.
    pub rw: Rw,
}

impl Default for Position {
    fn default() -> Self {
        Self::bot()
    }
}

fn add(n: i32, d: i64) -> i32 {
    if n < 0 {
        return -1;
    }
    let v = n as i64 + d;
    if (0..=i32::MAX as i64).contains(&v) {
        v as i32
    } else {
        -1
    }
}

/// An MTIOCTOP positioning operation, as [`Position::motion_done`] takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    /// Forward over `n` filemarks (MTFSF).
    Fsf(i32),
    /// Backward over `n` filemarks (MTBSF).
    Bsf(i32),
    /// Forward over `n` records (MTFSR).
    Fsr(i32),
    /// Backward over `n` records (MTBSR).
    Bsr(i32),
    /// `n` filemarks written (MTWEOF).
    Weof(i32),
    /// Rewound, or loaded (at BOT).
    Rewind,
    /// Spaced to end of data (MTEOM, after forward filemarks).
    Eod,
    /// Located to logical object `n` (MTSEEK).
    Seek(u32),
    /// The medium was unloaded.
    Unload,
    /// Erased from here on.
    Erase,
}

impl Position {
    /// At the beginning of the tape.
    pub const fn bot() -> Self {
        Self {
            file: 0,
            block: 0,
            eof: Eof::None,
            rw: Rw::Idle,
        }
    }

    /// Nothing is known.
    pub const fn unknown() -> Self {
        Self {
            file: -1,
            block: -1,
            eof: Eof::None,
            rw: Rw::Idle,
        }
    }

    /// The start of [`Position::read_done`] and [`Position::write_done`]:
    /// a GOOD transfer of `blocks` (or a plain failure) is accounted and
    /// answered here; CHECK CONDITION hands back the sense.
    fn transfer_start<'a>(
        &mut self,
        rw: Rw,
        blocks: u32,
        requested: u32,
        out: &'a Outcome,
    ) -> Result<&'a Sense, Result<u32, TapeError>> {
        self.rw = rw;
        match out {
            Outcome::Good => {
                self.block = add(self.block, blocks as i64);
                self.eof = Eof::None;
                Err(Ok(requested))
            }
            Outcome::Failed => Err(Err(TapeError::Io)),
            Outcome::Check(s) => Ok(s),
        }
    }

    /// Accounts for READ(6) of `requested` bytes in variable mode, or of
    /// `requested / block_len` blocks in fixed mode; returns the bytes the
    /// caller gets.
    pub fn read_done(
        &mut self,
        block_len: u32,
        requested: u32,
        out: &Outcome,
    ) -> Result<u32, TapeError> {
        let fixed = block_len != 0;
        let blocks = if fixed { requested / block_len } else { 1 };
        let s = match self.transfer_start(Rw::Reading, blocks, requested, out) {
            Ok(s) => s,
            Err(r) => return r,
        };
        let resid = out.residue().unwrap_or(0);
        if s.filemark {
            // Positioned after the filemark: the next file starts.
            let got = if fixed {
                let undone = resid.clamp(0, blocks as i64) as u32;
                (blocks - undone) * block_len
            } else {
                0
            };
            self.file = add(self.file, 1);
            self.block = 0;
            self.eof = if got > 0 { Eof::FmPending } else { Eof::Fm };
            return Ok(got);
        }
        if s.key == SenseKey::BlankCheck {
            // End of data: what came before it.
            let got = if fixed {
                let undone = resid.clamp(0, blocks as i64) as u32;
                self.block = add(self.block, (blocks - undone) as i64);
                (blocks - undone) * block_len
            } else {
                0
            };
            self.eof = Eof::Eod;
            return Ok(got);
        }
        if s.ili && matches!(s.key, SenseKey::NoSense | SenseKey::RecoveredError) {
            if fixed {
                // A record of another length than the block size.
                self.block = -1;
                return Err(TapeError::Io);
            }
            self.block = add(self.block, 1);
            self.eof = Eof::None;
            if resid < 0 {
                // The record was longer than the buffer; the rest is lost.
                return Err(TapeError::Overlength);
            }
            let got = (requested as i64 - resid).clamp(0, requested as i64) as u32;
            return Ok(got);
        }
        if s.eom {
            self.eof = Eof::EomError;
        }
        match s.key {
            SenseKey::NoSense | SenseKey::RecoveredError => {
                self.block = add(self.block, blocks as i64);
                Ok(requested)
            }
            SenseKey::NotReady => Err(TapeError::NoMedium),
            _ => Err(TapeError::Io),
        }
    }

    /// Accounts for WRITE(6) of `requested` bytes (variable mode) or
    /// `requested / block_len` blocks; returns the bytes written.
    pub fn write_done(
        &mut self,
        block_len: u32,
        requested: u32,
        out: &Outcome,
    ) -> Result<u32, TapeError> {
        let fixed = block_len != 0;
        let blocks = if fixed { requested / block_len } else { 1 };
        let s = match self.transfer_start(Rw::Writing, blocks, requested, out) {
            Ok(s) => s,
            Err(r) => return r,
        };
        if s.key == SenseKey::DataProtect {
            return Err(TapeError::WriteProtected);
        }
        if s.key == SenseKey::NotReady {
            return Err(TapeError::NoMedium);
        }
        if s.eom && matches!(s.key, SenseKey::NoSense | SenseKey::RecoveredError) {
            // Early warning: all written; further writes are refused.
            self.block = add(self.block, blocks as i64);
            self.eof = Eof::EomOk;
            return Ok(requested);
        }
        if s.eom || s.key == SenseKey::VolumeOverflow {
            let undone = out
                .residue()
                .unwrap_or(blocks as i64)
                .clamp(0, blocks as i64);
            let done = if fixed { blocks as i64 - undone } else { 0 };
            self.block = add(self.block, done);
            self.eof = Eof::EomError;
            if done > 0 {
                return Ok(done as u32 * block_len);
            }
            return Err(TapeError::NoSpace);
        }
        if matches!(s.key, SenseKey::NoSense | SenseKey::RecoveredError) {
            self.block = add(self.block, blocks as i64);
            return Ok(requested);
        }
        self.block = -1;
        Err(TapeError::Io)
    }

    /// Whether another write may be tried (not past the early warning).
    pub fn may_write(&self) -> Result<(), TapeError> {
        match self.eof {
            Eof::EomOk | Eof::EomError => Err(TapeError::NoSpace),
            _ => Ok(()),
        }
    }

    /// Accounts for a positioning command.
    pub fn motion_done(&mut self, m: Motion, out: &Outcome) -> Result<(), TapeError> {
        let good = matches!(out, Outcome::Good);
        let sense = out.sense();
        // SSC reports the count not done as a positive number in both
        // directions; some drives negate it going backwards.
        let undone = out.residue().unwrap_or(0).abs();
        if !matches!(m, Motion::Weof(_)) {
            self.rw = Rw::Idle;
        }
        let before = *self;
        match m {
            Motion::Rewind => {
                if good {
                    *self = Self::bot();
                } else {
                    *self = Self::unknown();
                }
            }
            Motion::Unload => *self = Self::unknown(),
            Motion::Seek(n) => {
                *self = if good && n == 0 {
                    Self::bot()
                } else {
                    Self::unknown()
                };
            }
            Motion::Erase => {
                self.eof = Eof::None;
            }
            Motion::Weof(n) => {
                self.rw = Rw::Idle;
                let ok_at_eom = sense.is_some_and(|s| {
                    s.eom && matches!(s.key, SenseKey::NoSense | SenseKey::RecoveredError)
                });
                let done = if good || ok_at_eom {
                    n as i64
                } else {
                    (n as i64 - undone).max(0)
                };
                if done > 0 {
                    self.file = add(self.file, done);
                    self.block = 0;
                }
                self.eof = if ok_at_eom { Eof::EomOk } else { Eof::None };
                if good || ok_at_eom {
                    return Ok(());
                }
            }
            Motion::Fsf(n) => {
                if good {
                    self.file = add(self.file, n as i64);
                    self.block = 0;
                    self.eof = Eof::Fm;
                } else {
                    self.file = add(before.file, (n as i64 - undone).max(0));
                    self.block = -1;
                    self.eof = Eof::None;
                }
            }
            Motion::Bsf(n) => {
                if good {
                    // Before the filemark: at the end of the previous file.
                    self.file = add(self.file, -(n as i64));
                    self.block = -1;
                } else {
                    // Stopped at the beginning of the tape.
                    self.file = add(before.file, -((n as i64 - undone).max(0)));
                    self.block = 0;
                }
                self.eof = Eof::None;
            }
            Motion::Fsr(n) => {
                if good {
                    self.block = add(self.block, n as i64);
                    self.eof = Eof::None;
                } else if sense.is_some_and(|s| s.filemark) {
                    self.file = add(self.file, 1);
                    self.block = 0;
                    self.eof = Eof::Fm;
                } else {
                    self.block = add(self.block, (n as i64 - undone).max(0));
                    self.eof = Eof::None;
                }
            }
            Motion::Bsr(n) => {
                if good {
                    self.block = if self.block >= n { self.block - n } else { -1 };
                } else if sense.is_some_and(|s| s.filemark) {
                    self.file = add(self.file, -1);
                    self.block = -1;
                } else if sense.is_some_and(|s| s.eom) {
                    // Stopped at the beginning of the tape.
                    *self = Self::bot();
                } else {
                    let done = (n as i64 - undone).max(0);
                    self.block = add(self.block, -done);
                }
                self.eof = Eof::None;
            }
            Motion::Eod => {
                self.block = -1;
                self.eof = Eof::Eod;
            }
        }
        if !good {
            if sense.is_some_and(|s| s.key == SenseKey::BlankCheck) {
                self.eof = Eof::Eod;
            }
            if sense.is_some_and(|s| s.key == SenseKey::NotReady) {
                return Err(TapeError::NoMedium);
            }
            if sense.is_some_and(|s| s.key == SenseKey::DataProtect) {
                return Err(TapeError::WriteProtected);
            }
            return Err(TapeError::Io);
        }
        Ok(())
    }
}

/// `mt_type` of a SCSI-2 drive.
pub const MT_ISSCSI2: i64 = 0x72;
/// `mt_type` of a SCSI-1 drive.
pub const MT_ISSCSI1: i64 = 0x71;

/// `mt_gstat` bits.
pub mod gmt {
    /// At the beginning of a file after a filemark.
    pub const EOF: u32 = 0x8000_0000;
    /// At the beginning of the tape.
    pub const BOT: u32 = 0x4000_0000;
    /// At the end of the tape (early warning).
    pub const EOT: u32 = 0x2000_0000;
    /// At end of data.
    pub const EOD: u32 = 0x0800_0000;
    /// Write protected.
    pub const WR_PROT: u32 = 0x0400_0000;
    /// A medium is loaded and ready.
    pub const ONLINE: u32 = 0x0100_0000;
    /// No medium.
    pub const DR_OPEN: u32 = 0x0004_0000;
    /// Immediate report mode (buffered writes).
    pub const IM_REP_EN: u32 = 0x0001_0000;
}

/// Size of `struct mtget` on 64-bit Linux.
pub const MTGET_LEN: usize = 48;

/// The `struct mtget` of MTIOCGET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MtGet {
    /// Drive type (`MT_ISSCSI2`).
    pub mt_type: i64,
    /// The partition number (st reports it here).
    pub resid: i64,
    /// Block size (bits 0-23) and density code (24-31).
    pub dsreg: i64,
    /// General status bits ([`gmt`]).
    pub gstat: i64,
    /// Error register (soft error count; 0 here).
    pub erreg: i64,
    /// File number.
    pub fileno: i32,
    /// Block number.
    pub blkno: i32,
}

/// Drive state beyond the position, for [`MtGet::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DriveState {
    /// A medium is loaded and ready.
    pub ready: bool,
    /// No medium at all.
    pub no_medium: bool,
    /// The medium is write protected.
    pub write_protect: bool,
    /// Block length (0: variable).
    pub block_len: u32,
    /// Density code.
    pub density: u8,
    /// SCSI-2 or later.
    pub scsi2: bool,
}

impl MtGet {
    /// The status of a drive at `pos`.
    pub fn new(pos: &Position, d: &DriveState) -> Self {
        let mut g = 0u32;
        if d.write_protect {
            g |= gmt::WR_PROT;
        }
        if pos.block == 0 {
            g |= if pos.file == 0 { gmt::BOT } else { gmt::EOF };
        }
        match pos.eof {
            Eof::EomOk | Eof::EomError => g |= gmt::EOT,
            Eof::Eod => g |= gmt::EOD,
            _ => {}
        }
        if d.ready {
            g |= gmt::ONLINE;
        }
        if d.no_medium {
            g |= gmt::DR_OPEN;
        }
        Self {
            mt_type: if d.scsi2 { MT_ISSCSI2 } else { MT_ISSCSI1 },
            resid: 0,
            dsreg: ((d.block_len & MAX_COUNT_24) | (u32::from(d.density) << 24)) as i64,
            gstat: g as i64,
            erreg: 0,
            fileno: pos.file,
            blkno: pos.block,
        }
    }

    /// The structure as the 64-bit kernel lays it out, in native byte order.
    pub fn to_bytes(self) -> [u8; MTGET_LEN] {
        let mut b = [0u8; MTGET_LEN];
        b[0..8].copy_from_slice(&self.mt_type.to_ne_bytes());
        b[8..16].copy_from_slice(&self.resid.to_ne_bytes());
        b[16..24].copy_from_slice(&self.dsreg.to_ne_bytes());
        b[24..32].copy_from_slice(&self.gstat.to_ne_bytes());
        b[32..40].copy_from_slice(&self.erreg.to_ne_bytes());
        b[40..44].copy_from_slice(&self.fileno.to_ne_bytes());
        b[44..48].copy_from_slice(&self.blkno.to_ne_bytes());
        b
    }
}

/// MTIOCTOP operation codes (`mt_op`).
pub mod mtop {
    /// Reset the drive.
    pub const MTRESET: i16 = 0;
    /// Forward over filemarks.
    pub const MTFSF: i16 = 1;
    /// Backward over filemarks.
    pub const MTBSF: i16 = 2;
    /// Forward over records.
    pub const MTFSR: i16 = 3;
    /// Backward over records.
    pub const MTBSR: i16 = 4;
    /// Write filemarks.
    pub const MTWEOF: i16 = 5;
    /// Rewind.
    pub const MTREW: i16 = 6;
    /// Rewind and unload.
    pub const MTOFFL: i16 = 7;
    /// No operation (flush).
    pub const MTNOP: i16 = 8;
    /// Retension.
    pub const MTRETEN: i16 = 9;
    /// Backward over filemarks, then forward over one.
    pub const MTBSFM: i16 = 10;
    /// Forward over filemarks, then backward over one.
    pub const MTFSFM: i16 = 11;
    /// To end of recorded data.
    pub const MTEOM: i16 = 12;
    /// Erase.
    pub const MTERASE: i16 = 13;
    /// Set the block length.
    pub const MTSETBLK: i16 = 20;
    /// Set the density code.
    pub const MTSETDENSITY: i16 = 21;
    /// Locate to a logical block.
    pub const MTSEEK: i16 = 22;
    /// Tell the position (no way to return it through MTIOCTOP).
    pub const MTTELL: i16 = 23;
    /// Driver options.
    pub const MTSETDRVBUFFER: i16 = 24;
    /// Lock the door.
    pub const MTLOCK: i16 = 28;
    /// Unlock the door.
    pub const MTUNLOCK: i16 = 29;
    /// Load.
    pub const MTLOAD: i16 = 30;
    /// Unload.
    pub const MTUNLOAD: i16 = 31;
    /// Compression on or off.
    pub const MTCOMPRESSION: i16 = 32;
    /// Write filemarks, immediate.
    pub const MTWEOFI: i16 = 35;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sense::{build_fixed, set_fixed_flags, set_fixed_info, FIXED_SENSE_LEN};

    fn check(key: SenseKey, fm: bool, eom: bool, ili: bool, info: Option<i32>) -> Outcome {
        let mut b = [0u8; FIXED_SENSE_LEN];
        build_fixed(key, 0, 0, &mut b);
        set_fixed_flags(&mut b, fm, eom, ili);
        if let Some(i) = info {
            set_fixed_info(&mut b, i as u32);
        }
        Outcome::Check(Sense::parse(&b).unwrap())
    }

    #[test]
    fn cdbs() {
        assert_eq!(read6(false, 10240), [0x08, 0, 0, 0x28, 0, 0]);
        assert_eq!(write6(true, 3), [0x0a, 1, 0, 0, 3, 0]);
        assert_eq!(
            space6(SpaceCode::Filemarks, -1),
            [0x11, 1, 0xff, 0xff, 0xff, 0]
        );
        assert_eq!(space6(SpaceCode::Blocks, 2), [0x11, 0, 0, 0, 2, 0]);
        assert_eq!(write_filemarks6(1, false), [0x10, 0, 0, 0, 1, 0]);
        assert_eq!(locate10(0x01020304)[3..7], [1, 2, 3, 4]);
        assert_eq!(load_unload(true, false)[4], 1);
        assert_eq!(mode_select_bd(0, 512)[9..12], [0, 2, 0]);
    }

    #[test]
    fn parsers() {
        let bl = parse_block_limits(&[0, 0, 0x10, 0, 0, 1]).unwrap();
        assert_eq!(
            bl,
            BlockLimits {
                max: 0x1000,
                min: 1
            }
        );
        let m = parse_mode_bd(&[11, 0, 0x90, 8, 0x44, 0, 0, 0, 0, 0, 2, 0]).unwrap();
        assert_eq!(
            m,
            ModeBd {
                write_protect: true,
                density: 0x44,
                block_len: 512
            }
        );
        let mut rp = [0u8; 20];
        rp[0] = 0x80;
        rp[7] = 5;
        let p = parse_read_position(&rp).unwrap();
        assert!(p.bop);
        assert_eq!(p.first, Some(5));
        rp[0] = 0x04;
        assert_eq!(parse_read_position(&rp).unwrap().first, None);
        assert!(parse_read_position(&rp[..10]).is_none());
    }

    #[test]
    fn variable_reads() {
        let mut p = Position::bot();
        assert_eq!(p.read_done(0, 10240, &Outcome::Good), Ok(10240));
        assert_eq!((p.file, p.block), (0, 1));
        // A 100-byte record read with 10240 asked.
        let o = check(SenseKey::NoSense, false, false, true, Some(10140));
        assert_eq!(p.read_done(0, 10240, &o), Ok(100));
        assert_eq!(p.block, 2);
        // Overlength.
        let o = check(SenseKey::NoSense, false, false, true, Some(-50));
        assert_eq!(p.read_done(0, 10, &o), Err(TapeError::Overlength));
        // A filemark.
        let o = check(SenseKey::NoSense, true, false, false, Some(10240));
        assert_eq!(p.read_done(0, 10240, &o), Ok(0));
        assert_eq!((p.file, p.block, p.eof), (1, 0, Eof::Fm));
        // End of data.
        let o = check(SenseKey::BlankCheck, false, false, false, Some(10240));
        assert_eq!(p.read_done(0, 10240, &o), Ok(0));
        assert_eq!(p.eof, Eof::Eod);
        let st = DriveState {
            ready: true,
            no_medium: false,
            write_protect: false,
            block_len: 0,
            density: 0,
            scsi2: true,
        };
        let g = MtGet::new(&p, &st);
        assert_eq!(g.gstat as u32, gmt::EOF | gmt::EOD | gmt::ONLINE);
    }

    #[test]
    fn fixed_read_to_filemark() {
        let mut p = Position::bot();
        let o = check(SenseKey::NoSense, true, false, false, Some(2));
        assert_eq!(p.read_done(512, 5 * 512, &o), Ok(3 * 512));
        assert_eq!((p.file, p.block, p.eof), (1, 0, Eof::FmPending));
        let o = check(SenseKey::NoSense, false, false, true, Some(1));
        assert_eq!(p.read_done(512, 512, &o), Err(TapeError::Io));
    }

    #[test]
    fn writes_and_eom() {
        let mut p = Position::bot();
        assert_eq!(p.write_done(0, 100, &Outcome::Good), Ok(100));
        assert_eq!(p.rw, Rw::Writing);
        let o = check(SenseKey::NoSense, false, true, false, Some(0));
        assert_eq!(p.write_done(0, 100, &o), Ok(100));
        assert_eq!(p.may_write(), Err(TapeError::NoSpace));
        let mut p = Position::bot();
        let o = check(SenseKey::VolumeOverflow, false, true, false, Some(4));
        assert_eq!(p.write_done(512, 10 * 512, &o), Ok(6 * 512));
        assert_eq!(p.block, 6);
        let o = check(SenseKey::VolumeOverflow, false, true, false, Some(100));
        assert_eq!(p.write_done(0, 100, &o), Err(TapeError::NoSpace));
        let o = check(SenseKey::DataProtect, false, false, false, None);
        assert_eq!(p.write_done(0, 1, &o), Err(TapeError::WriteProtected));
    }

    #[test]
    fn motions() {
        let mut p = Position::bot();
        assert_eq!(p.motion_done(Motion::Weof(1), &Outcome::Good), Ok(()));
        assert_eq!((p.file, p.block), (1, 0));
        assert_eq!(p.motion_done(Motion::Fsf(2), &Outcome::Good), Ok(()));
        assert_eq!((p.file, p.block), (3, 0));
        assert_eq!(p.motion_done(Motion::Bsf(1), &Outcome::Good), Ok(()));
        assert_eq!((p.file, p.block), (2, -1));
        p.motion_done(Motion::Rewind, &Outcome::Good).unwrap();
        assert_eq!(p, Position::bot());
        // FSF 5 stopping at end of data after 2.
        let o = check(SenseKey::BlankCheck, false, true, false, Some(3));
        assert_eq!(p.motion_done(Motion::Fsf(5), &o), Err(TapeError::Io));
        assert_eq!((p.file, p.block, p.eof), (2, -1, Eof::Eod));
        // FSR into a filemark.
        let mut p = Position::bot();
        let o = check(SenseKey::NoSense, true, false, false, Some(1));
        assert_eq!(p.motion_done(Motion::Fsr(3), &o), Err(TapeError::Io));
        assert_eq!((p.file, p.block), (1, 0));
        // BSR into a filemark.
        let o = check(SenseKey::NoSense, true, false, false, Some(1));
        assert_eq!(p.motion_done(Motion::Bsr(1), &o), Err(TapeError::Io));
        assert_eq!((p.file, p.block), (0, -1));
        // BSR at BOT.
        let mut p = Position::bot();
        let o = check(SenseKey::NoSense, false, true, false, Some(1));
        assert_eq!(p.motion_done(Motion::Bsr(1), &o), Err(TapeError::Io));
        assert_eq!(p, Position::bot());
        // BSF of 2 stopping at BOT after 1.
        let mut p = Position {
            file: 1,
            block: 3,
            ..Position::bot()
        };
        let o = check(SenseKey::NoSense, false, true, false, Some(1));
        assert_eq!(p.motion_done(Motion::Bsf(2), &o), Err(TapeError::Io));
        assert_eq!((p.file, p.block), (0, 0));
        p.motion_done(Motion::Seek(7), &Outcome::Good).unwrap();
        assert_eq!((p.file, p.block), (-1, -1));
    }

    #[test]
    fn mtget_layout() {
        let st = DriveState {
            ready: true,
            no_medium: false,
            write_protect: true,
            block_len: 512,
            density: 0x40,
            scsi2: true,
        };
        let g = MtGet::new(&Position::bot(), &st);
        assert_eq!(g.gstat as u32, gmt::BOT | gmt::ONLINE | gmt::WR_PROT);
        assert_eq!(g.dsreg, 0x4000_0200);
        let b = g.to_bytes();
        assert_eq!(b[0], 0x72);
        assert_eq!(&b[40..48], &[0u8; 8]);
    }
}
