// SPDX-License-Identifier: GPL-2.0

//! A sequential-access device (SSC-4, peripheral device type 1) over a
//! medium in the caller's slice, in the format of [`super::tapefmt`].
//!
//! One partition. The logical position is counted in logical objects
//! (records and filemarks, the "block number" of READ POSITION and LOCATE)
//! from the beginning of partition (BOP); the file number counts filemarks.
//! The early-warning zone is the last 1/16 of the medium (at most 1 MiB):
//! writes ending there complete but report NO SENSE, EOM, END-OF-PARTITION/
//! MEDIUM DETECTED (00/02) with INFORMATION 0; a write that does not fit at
//! all reports VOLUME OVERFLOW, EOM, 00/02 with the residue.
//!
//! Commands: TEST UNIT READY, READ BLOCK LIMITS (1 to 2^24 - 1 bytes, the
//! record length field), READ(6) and WRITE(6) in fixed and variable block
//! mode, WRITE FILEMARKS(6), SPACE(6) over blocks, filemarks or to end of
//! data (both directions), REWIND, READ POSITION (short forms 0 and 1,
//! long form 6), LOCATE(10), LOAD UNLOAD, ERASE(6); mode parameter block
//! descriptor (density code, block length, 0 for variable mode), mode pages
//! 0x0f (data compression: none) and 0x10 (device configuration).
//!
//! Sense data follows what the Linux st driver relies on: FILEMARK, EOM
//! and ILI in fixed-format sense, INFORMATION holding the residue — bytes
//! in variable mode (negative for an overlength record), blocks in fixed
//! mode, the count not done for SPACE (a positive value in both
//! directions).

use super::bytes::put;
use super::cdb::{self, PageControl};
use super::databuf::Xfer;
use super::inquiry::DeviceType;
use super::mode::DSP_WP;
use super::outcome::{Check, CmdResult};
use super::sense::{asc, SenseKey};
use super::spc::{cdb_be16, cdb_be24, cdb_be32, cdb_u8, emit, reserved, Device};
use super::tapefmt::{self, Object, MAX_RECORD};
use super::ua::UnitAttentions;

/// Smallest medium accepted: room for one small record and end of data.
pub const MIN_MEDIUM_LEN: usize = 16;
/// Largest early-warning zone.
pub const EARLY_WARNING_MAX: usize = 1 << 20;
/// Mode page: data compression (SSC-4).
pub const MODE_PAGE_DATA_COMPRESSION: u8 = 0x0f;
/// Mode page: device configuration (SSC-4).
pub const MODE_PAGE_DEVICE_CONFIGURATION: u8 = 0x10;

/// State of an emulated tape drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tape {
    loaded: bool,
    pos: usize,
    obj: u64,
    file: u64,
    block_len: u32,
    density: u8,
    buffered: u8,
    write_protect: bool,
}

/// Where the tape is, as [`Tape::position`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Logical object number (records and filemarks from BOP).
    pub object: u64,
    /// File number (filemarks from BOP).
    pub file: u64,
    /// Byte offset in the medium.
    pub offset: usize,
}

/// The early-warning position of a medium of `len` bytes.
pub fn early_warning(len: usize) -> usize {
    len - (len / 16).min(EARLY_WARNING_MAX)
}

impl Tape {
    /// A drive with a cartridge loaded (if `loaded`) at BOP, variable block
    /// mode, buffered mode 1.
    pub fn new(loaded: bool, write_protect: bool) -> Tape {
        Tape {
            loaded,
            pos: 0,
            obj: 0,
            file: 0,
            block_len: 0,
            density: 0,
            buffered: 1,
            write_protect,
        }
    }

    /// `true` if a cartridge is loaded.
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// The current position.
    pub fn position(&self) -> Position {
        Position {
            object: self.obj,
            file: self.file,
            offset: self.pos,
        }
    }

    /// Block length of the mode parameters (0: variable block mode).
    pub fn block_len(&self) -> u32 {
        self.block_len
    }

    /// Density code of the mode parameters.
    pub fn density(&self) -> u8 {
        self.density
    }

    /// Sets or clears the cartridge's write protection.
    pub fn set_write_protect(&mut self, wp: bool) {
        self.write_protect = wp;
    }

    /// The operator loads a cartridge: at BOP, medium may have changed.
    pub fn load(&mut self, ua: &mut UnitAttentions) {
        self.loaded = true;
        self.rewind();
        ua.push(asc::MEDIUM_MAY_HAVE_CHANGED);
    }

    /// The operator takes the cartridge out.
    pub fn unload(&mut self) {
        self.loaded = false;
        self.rewind();
    }

    fn rewind(&mut self) {
        self.pos = 0;
        self.obj = 0;
        self.file = 0;
    }

    /// NOT READY, MEDIUM NOT PRESENT (3A/00) without a usable cartridge.
    pub fn ready(&self, medium_len: usize) -> CmdResult {
        if !self.loaded || medium_len < MIN_MEDIUM_LEN {
            return Err(Check::not_ready(asc::MEDIUM_NOT_PRESENT));
        }
        Ok(())
    }

    /// Moves over the object at the position; returns it (end of data:
    /// no move).
    fn step_forward(&mut self, m: &[u8]) -> Object {
        let o = tapefmt::object_at(m, self.pos);
        if o != Object::Eod {
            self.pos = self.pos.saturating_add(o.size());
            self.obj = self.obj.saturating_add(1);
            if o == Object::Filemark {
                self.file = self.file.saturating_add(1);
            }
        }
        o
    }

    /// Moves back over the object before the position; `None` at BOP.
    fn step_back(&mut self, m: &[u8]) -> Option<Object> {
        let (start, o) = tapefmt::object_before(m, self.pos)?;
        self.pos = start;
        self.obj = self.obj.saturating_sub(1);
        if o == Object::Filemark {
            self.file = self.file.saturating_sub(1);
        }
        Some(o)
    }

    fn in_early_warning(&self, len: usize) -> bool {
        self.pos >= early_warning(len)
    }

    /// BLANK CHECK, END-OF-DATA DETECTED, with EOM in the early-warning
    /// zone.
    fn blank_check(&self, len: usize, residue: u32) -> Check {
        let c = Check::new(SenseKey::BlankCheck, asc::END_OF_DATA_DETECTED).info(residue);
        if self.in_early_warning(len) {
            c.eom()
        } else {
            c
        }
    }

    /// Executes a sequential-access command; `None` if `cdb` is not one.
    pub fn execute(
        &mut self,
        cdb: &[u8],
        x: &mut Xfer<'_>,
        medium: &mut [u8],
        prevent: bool,
    ) -> Option<CmdResult> {
        // A medium that shrank under the position: start over at BOP.
        if self.pos > medium.len() {
            self.rewind();
        }
        let r = match cdb_u8(cdb, 0) {
            cdb::READ_BLOCK_LIMITS => self.read_block_limits(cdb, x),
            cdb::READ_6 => self.read(cdb, x, medium),
            cdb::WRITE_6 => self.write(cdb, x, medium),
            cdb::WRITE_FILEMARKS_6 => self.write_filemarks(cdb, medium),
            cdb::SPACE_6 => self.space(cdb, medium),
            cdb::REWIND => self.rewind_cmd(cdb, medium),
            cdb::READ_POSITION => self.read_position(cdb, x, medium),
            cdb::LOCATE_10 => self.locate(cdb, medium),
            cdb::LOAD_UNLOAD => self.load_unload(cdb, medium, prevent),
            cdb::ERASE_6 => self.erase(cdb, medium),
            _ => return None,
        };
        Some(r)
    }

    fn read_block_limits(&mut self, cdb: &[u8], x: &mut Xfer<'_>) -> CmdResult {
        // MLOC (maximum logical object identifier) is not supported.
        reserved(cdb, 1, 0xff)?;
        let m = MAX_RECORD.to_be_bytes();
        x.send(&[0, m[1], m[2], m[3], 0, 1], 6);
        Ok(())
    }

    fn read(&mut self, cdb: &[u8], x: &mut Xfer<'_>, m: &mut [u8]) -> CmdResult {
        reserved(cdb, 1, 0xfc)?;
        let fixed = cdb_u8(cdb, 1) & 0x01 != 0;
        let sili = cdb_u8(cdb, 1) & 0x02 != 0;
        let len = cdb_be24(cdb, 2);
        if fixed && sili {
            return Err(Check::invalid_cdb(1, Some(1)));
        }
        self.ready(m.len())?;
        if fixed && self.block_len == 0 {
            return Err(Check::invalid_cdb(1, Some(0)));
        }
        if len == 0 {
            return Ok(());
        }
        if fixed {
            self.read_fixed(len, x, m)
        } else {
            self.read_variable(len, sili, x, m)
        }
    }

    fn read_variable(&mut self, req: u32, sili: bool, x: &mut Xfer<'_>, m: &[u8]) -> CmdResult {
        match tapefmt::object_at(m, self.pos) {
            Object::Eod => Err(self.blank_check(m.len(), req)),
            Object::Filemark => {
                self.step_forward(m);
                Err(Check::new(SenseKey::NoSense, asc::FILEMARK_DETECTED)
                    .filemark()
                    .info(req))
            }
            Object::Record(l) => {
                let n = l.min(req);
                if let Some(p) = tapefmt::payload(m, self.pos, n) {
                    x.send_at(0, p);
                }
                self.step_forward(m);
                if l == req || (l < req && sili) {
                    Ok(())
                } else {
                    // Residue: requested minus actual, negative when the
                    // record was longer (and got truncated).
                    let residue = i64::from(req) - i64::from(l);
                    Err(Check::new(SenseKey::NoSense, asc::NO_ADDITIONAL_SENSE)
                        .ili()
                        .info_signed(residue))
                }
            }
        }
    }

    fn read_fixed(&mut self, count: u32, x: &mut Xfer<'_>, m: &[u8]) -> CmdResult {
        let bl = self.block_len;
        for i in 0..count {
            let left = count - i;
            match tapefmt::object_at(m, self.pos) {
                Object::Eod => return Err(self.blank_check(m.len(), left)),
                Object::Filemark => {
                    self.step_forward(m);
                    return Err(Check::new(SenseKey::NoSense, asc::FILEMARK_DETECTED)
                        .filemark()
                        .info(left));
                }
                Object::Record(l) => {
                    let off = (i as usize).saturating_mul(bl as usize);
                    if let Some(p) = tapefmt::payload(m, self.pos, l.min(bl)) {
                        x.send_at(off, p);
                    }
                    self.step_forward(m);
                    if l != bl {
                        // The incorrect-length block is passed; INFORMATION
                        // counts it as not read.
                        return Err(Check::new(SenseKey::NoSense, asc::NO_ADDITIONAL_SENSE)
                            .ili()
                            .info(left));
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that a write may start: ready, not write protected.
    fn writable(&self, len: usize) -> CmdResult {
        self.ready(len)?;
        if self.write_protect {
            return Err(Check::write_protected());
        }
        Ok(())
    }

    /// VOLUME OVERFLOW, EOM, END-OF-PARTITION/MEDIUM DETECTED.
    fn overflow(residue: u32) -> Check {
        Check::new(SenseKey::VolumeOverflow, asc::END_OF_MEDIUM_DETECTED)
            .eom()
            .info(residue)
    }

    /// After a complete write: the early-warning report, if there.
    fn after_write(&self, len: usize) -> CmdResult {
        if self.in_early_warning(len) {
            return Err(Check::new(SenseKey::NoSense, asc::END_OF_MEDIUM_DETECTED)
                .eom()
                .info(0));
        }
        Ok(())
    }

    /// Writes one record from the data buffer at `off`.
    fn put_record(&mut self, x: &mut Xfer<'_>, off: usize, len: u32, m: &mut [u8]) -> bool {
        if !tapefmt::fits(m.len(), self.pos, len as usize) {
            return false;
        }
        if let Some(p) = tapefmt::payload_mut(m, self.pos, len) {
            x.fetch(off, p);
        }
        match tapefmt::write_object(m, self.pos, Object::Record(len)) {
            Some(end) => {
                self.pos = end;
                self.obj = self.obj.saturating_add(1);
                true
            }
            None => false,
        }
    }

    fn write(&mut self, cdb: &[u8], x: &mut Xfer<'_>, m: &mut [u8]) -> CmdResult {
        reserved(cdb, 1, 0xfe)?;
        let fixed = cdb_u8(cdb, 1) & 0x01 != 0;
        let len = cdb_be24(cdb, 2);
        self.writable(m.len())?;
        if fixed && self.block_len == 0 {
            return Err(Check::invalid_cdb(1, Some(0)));
        }
        if len == 0 {
            return Ok(());
        }
        let (count, rec) = if fixed {
            (len, self.block_len)
        } else {
            (1, len)
        };
        let need = u64::from(count) * u64::from(rec);
        if (x.len() as u64) < need {
            // Less data than the CDB announces: nothing is written.
            return Err(Check::invalid_cdb(2, None));
        }
        // Writing discards everything from the position on.
        tapefmt::write_eod(m, self.pos);
        for i in 0..count {
            let off = (i as usize).saturating_mul(rec as usize);
            if !self.put_record(x, off, rec, m) {
                let residue = if fixed { count - i } else { len };
                return Err(Self::overflow(residue));
            }
        }
        self.after_write(m.len())
    }

    fn write_filemarks(&mut self, cdb: &[u8], m: &mut [u8]) -> CmdResult {
        // IMMED accepted; WSMK (setmarks) not supported.
        reserved(cdb, 1, 0xfe)?;
        let count = cdb_be24(cdb, 2);
        self.writable(m.len())?;
        if count == 0 {
            // Only flushes the (nonexistent) buffer.
            return Ok(());
        }
        tapefmt::write_eod(m, self.pos);
        for i in 0..count {
            match tapefmt::write_object(m, self.pos, Object::Filemark) {
                Some(end) => {
                    self.pos = end;
                    self.obj = self.obj.saturating_add(1);
                    self.file = self.file.saturating_add(1);
                }
                None => return Err(Self::overflow(count - i)),
            }
        }
        self.after_write(m.len())
    }

    fn space(&mut self, cdb: &[u8], m: &mut [u8]) -> CmdResult {
        reserved(cdb, 1, 0xf0)?;
        let code = cdb_u8(cdb, 1) & 0x0f;
        // Sign-extend the 24-bit count.
        let raw = cdb_be24(cdb, 2);
        let count = ((raw << 8) as i32 >> 8) as i64;
        if !matches!(code, 0 | 1 | 3) {
            // Sequential filemarks and setmarks are not supported.
            return Err(Check::invalid_cdb(1, Some(3)));
        }
        self.ready(m.len())?;
        if code == 3 {
            while self.step_forward(m) != Object::Eod {}
            return Ok(());
        }
        let n = count.unsigned_abs() as u32;
        let fm = code == 1;
        let mut done = 0u32;
        if count > 0 {
            while done < n {
                match self.step_forward(m) {
                    Object::Eod => return Err(self.blank_check(m.len(), n - done)),
                    Object::Filemark if fm => done += 1,
                    Object::Filemark => {
                        return Err(Check::new(SenseKey::NoSense, asc::FILEMARK_DETECTED)
                            .filemark()
                            .info(n - done))
                    }
                    Object::Record(_) if fm => {}
                    Object::Record(_) => done += 1,
                }
            }
        } else {
            while done < n {
                match self.step_back(m) {
                    None => {
                        return Err(Check::new(
                            SenseKey::NoSense,
                            asc::BEGINNING_OF_MEDIUM_DETECTED,
                        )
                        .eom()
                        .info(n - done))
                    }
                    Some(Object::Filemark) if fm => done += 1,
                    Some(Object::Filemark) => {
                        return Err(Check::new(SenseKey::NoSense, asc::FILEMARK_DETECTED)
                            .filemark()
                            .info(n - done))
                    }
                    Some(_) if fm => {}
                    Some(_) => done += 1,
                }
            }
        }
        Ok(())
    }

    fn rewind_cmd(&mut self, cdb: &[u8], m: &[u8]) -> CmdResult {
        reserved(cdb, 1, 0xfe)?;
        self.ready(m.len())?;
        self.rewind();
        Ok(())
    }

    fn read_position(&mut self, cdb: &[u8], x: &mut Xfer<'_>, m: &[u8]) -> CmdResult {
        reserved(cdb, 1, 0xe0)?;
        let sa = cdb_u8(cdb, 1) & 0x1f;
        self.ready(m.len())?;
        let mut flags = 0u8;
        if self.obj == 0 {
            flags |= 0x80; // BOP
        }
        if self.in_early_warning(m.len()) {
            flags |= 0x40; // EOP: between early warning and the end
        }
        match sa {
            // Short form, logical or vendor-specific block identifiers
            // (the same for this drive).
            0 | 1 => {
                let b = u32::try_from(self.obj).unwrap_or(u32::MAX).to_be_bytes();
                let mut out = [0u8; 20];
                let _ = put(&mut out, 0, &[flags, 0, 0, 0]);
                let _ = put(&mut out, 4, &b);
                let _ = put(&mut out, 8, &b);
                x.send(&out, out.len());
            }
            // Long form.
            6 => {
                let alloc = usize::from(cdb_be16(cdb, 7));
                let mut out = [0u8; 32];
                out[0] = flags;
                let _ = put(&mut out, 8, &self.obj.to_be_bytes());
                let _ = put(&mut out, 16, &self.file.to_be_bytes());
                x.send(&out, alloc);
            }
            _ => return Err(Check::invalid_cdb(1, Some(4))),
        }
        Ok(())
    }

    fn locate(&mut self, cdb: &[u8], m: &[u8]) -> CmdResult {
        // BT (bit 2), CP (bit 1), IMMED (bit 0).
        reserved(cdb, 1, 0xf8)?;
        let cp = cdb_u8(cdb, 1) & 0x02 != 0;
        if cp && cdb_u8(cdb, 8) != 0 {
            return Err(Check::invalid_cdb(8, None));
        }
        let target = u64::from(cdb_be32(cdb, 3));
        self.ready(m.len())?;
        if target < self.obj {
            // Backwards if that is shorter than from BOP.
            if self.obj - target < target {
                while self.obj > target {
                    if self.step_back(m).is_none() {
                        break;
                    }
                }
                return Ok(());
            }
            self.rewind();
        }
        while self.obj < target {
            if self.step_forward(m) == Object::Eod {
                return Err(self.blank_check(m.len(), 0));
            }
        }
        Ok(())
    }

    fn load_unload(&mut self, cdb: &[u8], m: &[u8], prevent: bool) -> CmdResult {
        reserved(cdb, 1, 0xfe)?;
        reserved(cdb, 4, 0xf0)?;
        let b4 = cdb_u8(cdb, 4);
        let load = b4 & 0x01 != 0;
        if load {
            if b4 & 0x04 != 0 {
                // EOT with LOAD.
                return Err(Check::invalid_cdb(4, Some(2)));
            }
            if m.len() < MIN_MEDIUM_LEN {
                return Err(Check::not_ready(asc::MEDIUM_NOT_PRESENT));
            }
            self.loaded = true;
            self.rewind();
            return Ok(());
        }
        if prevent {
            return Err(Check::illegal(asc::MEDIUM_REMOVAL_PREVENTED));
        }
        self.loaded = false;
        self.rewind();
        Ok(())
    }

    fn erase(&mut self, cdb: &[u8], m: &mut [u8]) -> CmdResult {
        // LONG (bit 0), IMMED (bit 1).
        reserved(cdb, 1, 0xfc)?;
        let long = cdb_u8(cdb, 1) & 0x01 != 0;
        self.writable(m.len())?;
        if long {
            if let Some(rest) = m.get_mut(self.pos..) {
                rest.fill(0);
            }
        } else {
            tapefmt::write_eod(m, self.pos);
        }
        Ok(())
    }
}

impl Device for Tape {
    fn device_type(&self) -> DeviceType {
        DeviceType::Tape
    }

    fn mode_pages(&self) -> &'static [u8] {
        &[MODE_PAGE_DATA_COMPRESSION, MODE_PAGE_DEVICE_CONFIGURATION]
    }

    fn mode_page(&self, code: u8, pc: PageControl, out: &mut [u8]) -> usize {
        match code {
            // DCE 0, DCC 0: no compression, nothing changeable.
            MODE_PAGE_DATA_COMPRESSION => {
                let mut p = [0u8; 16];
                p[0] = MODE_PAGE_DATA_COMPRESSION;
                p[1] = 0x0e;
                emit(out, &p)
            }
            MODE_PAGE_DEVICE_CONFIGURATION => {
                let mut p = [0u8; 16];
                p[0] = MODE_PAGE_DEVICE_CONFIGURATION;
                p[1] = 0x0e;
                if pc != PageControl::Changeable {
                    // EEG (generate EOD) and SEW (synchronize at early
                    // warning).
                    p[10] = 0x18;
                }
                emit(out, &p)
            }
            _ => 0,
        }
    }

    fn mode_device_specific(&self) -> u8 {
        let mut d = (self.buffered & 0x07) << 4;
        if self.write_protect {
            d |= DSP_WP;
        }
        d
    }

    fn mode_block_descriptor(&self, _m: usize, _long: bool, out: &mut [u8; 16]) -> usize {
        let l = self.block_len.to_be_bytes();
        *out = [0; 16];
        let _ = put(out, 0, &[self.density, 0, 0, 0, 0, l[1], l[2], l[3]]);
        8
    }

    fn mode_select_device_specific(&mut self, dsp: u8, dry_run: bool) -> CmdResult {
        let buffered = (dsp >> 4) & 0x07;
        if buffered > 2 {
            return Err(Check::invalid_param(2, Some(6)));
        }
        if !dry_run {
            self.buffered = buffered;
        }
        Ok(())
    }

    fn mode_select_block_descriptor(
        &mut self,
        bd: &[u8],
        _offset: usize,
        _medium_len: usize,
        dry_run: bool,
    ) -> CmdResult {
        let g = |i: usize| bd.get(i).copied().unwrap_or(0);
        if !dry_run {
            self.density = g(0);
            self.block_len = u32::from_be_bytes([0, g(5), g(6), g(7)]);
        }
        Ok(())
    }

    fn mode_select_page(&mut self, _code: u8, _page: &[u8]) {}
}

#[cfg(test)]
mod tests {
    use super::super::databuf::SliceBuf;
    use super::super::spc;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    struct T {
        t: Tape,
        m: Vec<u8>,
        prevent: bool,
    }

    /// Result of one command: sense (if any), residual, bytes moved.
    #[derive(Debug)]
    struct R {
        r: CmdResult,
        resid: u32,
    }

    impl R {
        fn ok(&self) {
            assert_eq!(self.r, Ok(()), "{self:?}");
        }
        fn check(&self) -> Check {
            self.r.expect_err("check condition")
        }
    }

    impl T {
        fn new(len: usize) -> T {
            T {
                t: Tape::new(true, false),
                m: vec![0u8; len],
                prevent: false,
            }
        }

        fn run(&mut self, cdb: &[u8], buf: &mut [u8]) -> R {
            let mut s = SliceBuf::new(buf);
            let mut x = Xfer::new(&mut s);
            let len = self.m.len();
            let r = match cdb[0] {
                0x15 | 0x55 => spc::mode_select(cdb, cdb[0] == 0x55, &mut x, &mut self.t, len),
                0x1a | 0x5a => spc::mode_sense(cdb, cdb[0] == 0x5a, &mut x, &self.t, len),
                _ => self
                    .t
                    .execute(cdb, &mut x, &mut self.m, self.prevent)
                    .expect("ssc command"),
            };
            R {
                r,
                resid: x.resid(),
            }
        }

        fn write_var(&mut self, data: &[u8]) -> R {
            let l = (data.len() as u32).to_be_bytes();
            self.run(&[0x0a, 0, l[1], l[2], l[3], 0], &mut data.to_vec())
        }

        fn read_var(&mut self, len: u32, sili: bool) -> (R, Vec<u8>) {
            let l = len.to_be_bytes();
            let mut b = vec![0u8; len as usize];
            let r = self.run(
                &[0x08, if sili { 2 } else { 0 }, l[1], l[2], l[3], 0],
                &mut b,
            );
            (r, b)
        }

        fn fm(&mut self, n: u32) -> R {
            let l = n.to_be_bytes();
            self.run(&[0x10, 0, l[1], l[2], l[3], 0], &mut [])
        }

        fn space(&mut self, code: u8, n: i32) -> R {
            let l = n.to_be_bytes();
            self.run(&[0x11, code, l[1], l[2], l[3], 0], &mut [])
        }

        fn rewind(&mut self) {
            self.run(&[0x01, 0, 0, 0, 0, 0], &mut []).ok();
        }

        /// READ POSITION short form: (BOP, EOP, block).
        fn pos(&mut self) -> (bool, bool, u32) {
            let mut b = [0u8; 20];
            self.run(&[0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0], &mut b).ok();
            assert_eq!(&b[4..8], &b[8..12]);
            (
                b[0] & 0x80 != 0,
                b[0] & 0x40 != 0,
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            )
        }

        fn set_block_len(&mut self, bl: u32) {
            let l = bl.to_be_bytes();
            let mut p = [0, 0, 0x10, 8, 0x00, 0, 0, 0, 0, l[1], l[2], l[3]];
            self.run(&[0x15, 0, 0, 0, 12, 0], &mut p).ok();
        }
    }

    fn rec(file: u8, i: u8, len: usize) -> Vec<u8> {
        (0..len)
            .map(|k| file.wrapping_mul(31) ^ i ^ k as u8)
            .collect()
    }

    /// Three files of records: file f has f + 2 records of 100 * (i + 1)
    /// bytes; each file ends with a filemark.
    fn three_files(t: &mut T) {
        for f in 0..3u8 {
            for i in 0..f + 2 {
                t.write_var(&rec(f, i, 100 * (i as usize + 1))).ok();
            }
            t.fm(1).ok();
        }
    }

    #[test]
    fn tape_session() {
        let mut t = T::new(64 * 1024);
        assert_eq!(t.pos(), (true, false, 0));
        three_files(&mut t);
        // 2 + 3 + 4 records and 3 filemarks.
        assert_eq!(t.pos(), (false, false, 12));
        assert_eq!(t.t.position().file, 3);
        t.rewind();
        assert_eq!(t.pos(), (true, false, 0));
        // Space forward 2 filemarks: start of file 2.
        t.space(1, 2).ok();
        assert_eq!(t.pos(), (false, false, 7));
        let (r, b) = t.read_var(100, false);
        r.ok();
        assert_eq!(b, rec(2, 0, 100));
        assert_eq!(t.pos().2, 8);
        // Short read of a 200-byte record: ILI, residue -100, truncated.
        let (r, b) = t.read_var(100, false);
        let c = r.check();
        assert!(c.ili && !c.filemark);
        assert_eq!(c.key, SenseKey::NoSense);
        assert_eq!(c.info, Some((-100i32) as u32));
        assert_eq!(b, rec(2, 1, 200)[..100]);
        assert_eq!(t.pos().2, 9);
        // Long read of a 300-byte record: ILI, residue 200, data residual.
        let (r, b) = t.read_var(500, false);
        let c = r.check();
        assert!(c.ili);
        assert_eq!(c.info, Some(200));
        assert_eq!(r.resid, 200);
        assert_eq!(&b[..300], &rec(2, 2, 300)[..]);
        // The same with SILI: no check condition.
        let (r, _) = t.read_var(1000, true);
        r.ok();
        assert_eq!(r.resid, 600);
        // The filemark: FILEMARK, residue the whole request, position after.
        let (r, _) = t.read_var(100, false);
        let c = r.check();
        assert!(c.filemark && !c.ili);
        assert_eq!((c.asc, c.ascq, c.info), (0, 1, Some(100)));
        assert_eq!(r.resid, 100);
        assert_eq!(t.pos().2, 12);
        // End of data: BLANK CHECK.
        let (r, _) = t.read_var(100, false);
        let c = r.check();
        assert_eq!((c.key, c.asc, c.ascq), (SenseKey::BlankCheck, 0, 5));
        assert_eq!(c.info, Some(100));
        assert_eq!(t.pos().2, 12);
        // Space backwards over 2 filemarks: BOP side of the filemark ending
        // file 1.
        t.space(1, -2).ok();
        assert_eq!(t.pos().2, 6);
        assert_eq!(t.t.position().file, 1);
        // Back over blocks: 3 records, then the filemark ending file 0.
        let r = t.space(0, -5);
        let c = r.check();
        assert!(c.filemark);
        assert_eq!(c.info, Some(2));
        assert_eq!(t.pos().2, 2);
        // Backwards to BOT: EOM, BEGINNING-OF-PARTITION, residue.
        let r = t.space(0, -5);
        let c = r.check();
        assert!(c.eom && !c.filemark);
        assert_eq!((c.key, c.asc, c.ascq), (SenseKey::NoSense, 0, 4));
        assert_eq!(c.info, Some(3));
        assert_eq!(t.pos(), (true, false, 0));
        // Forward over blocks into a filemark.
        let c = t.space(0, 5).check();
        assert!(c.filemark);
        assert_eq!(c.info, Some(3));
        assert_eq!(t.pos().2, 3);
        // Space to end of data, then spacing further is a blank check.
        t.space(3, 0).ok();
        assert_eq!(t.pos().2, 12);
        let c = t.space(0, 1).check();
        assert_eq!((c.key, c.info), (SenseKey::BlankCheck, Some(1)));
        let c = t.space(1, 2).check();
        assert_eq!((c.key, c.info), (SenseKey::BlankCheck, Some(2)));
        // Zero counts do nothing.
        t.space(0, 0).ok();
        t.space(1, 0).ok();
        assert_eq!(t.pos().2, 12);
    }

    #[test]
    fn space_filemarks_hits_eod_and_bot() {
        let mut t = T::new(8192);
        three_files(&mut t);
        t.rewind();
        let c = t.space(1, 5).check();
        assert_eq!(c.key, SenseKey::BlankCheck);
        assert_eq!(c.info, Some(2));
        let c = t.space(1, -4).check();
        assert!(c.eom);
        assert_eq!(c.info, Some(1));
        assert_eq!(t.pos().2, 0);
        let c = t.space(2, 1).check();
        assert_eq!((c.asc, c.sks), (0x24, Some([0xcb, 0, 1])));
    }

    #[test]
    fn locate_and_long_position() {
        let mut t = T::new(8192);
        three_files(&mut t);
        for target in [5u32, 11, 2, 0, 9, 12] {
            let b = target.to_be_bytes();
            t.run(&[0x2b, 4, 0, b[0], b[1], b[2], b[3], 0, 0, 0], &mut [])
                .ok();
            assert_eq!(t.pos().2, target);
        }
        let c = t.run(&[0x2b, 0, 0, 0, 0, 0, 13, 0, 0, 0], &mut []).check();
        assert_eq!((c.key, c.ascq), (SenseKey::BlankCheck, 5));
        assert_eq!(t.pos().2, 12);
        let c = t.run(&[0x2b, 2, 0, 0, 0, 0, 1, 0, 1, 0], &mut []).check();
        assert_eq!(c.sks, Some([0xc0, 0, 8]));
        // Long form: object and file numbers.
        let mut b = [0u8; 32];
        t.run(&[0x2b, 0, 0, 0, 0, 0, 8, 0, 0, 0], &mut []).ok();
        let r = t.run(&[0x34, 6, 0, 0, 0, 0, 0, 0, 32, 0], &mut b);
        r.ok();
        assert_eq!(u64::from_be_bytes(b[8..16].try_into().unwrap()), 8);
        assert_eq!(u64::from_be_bytes(b[16..24].try_into().unwrap()), 2);
        let c = t.run(&[0x34, 8, 0, 0, 0, 0, 0, 0, 32, 0], &mut b).check();
        assert_eq!(c.asc, 0x24);
    }

    #[test]
    fn fixed_block_mode() {
        let mut t = T::new(16384);
        // Fixed mode needs a block length.
        let c = t.run(&[0x0a, 1, 0, 0, 1, 0], &mut [0u8; 512]).check();
        assert_eq!(c.sks, Some([0xc8, 0, 1]));
        t.set_block_len(512);
        assert_eq!(t.t.block_len(), 512);
        let data: Vec<u8> = (0..2048).map(|i| (i / 512) as u8).collect();
        t.run(&[0x0a, 1, 0, 0, 4, 0], &mut data.clone()).ok();
        t.fm(1).ok();
        assert_eq!(t.pos().2, 5);
        t.rewind();
        // Read 6 blocks: 4 come, then the filemark with residue 2.
        let mut b = vec![0u8; 6 * 512];
        let r = t.run(&[0x08, 1, 0, 0, 6, 0], &mut b);
        let c = r.check();
        assert!(c.filemark);
        assert_eq!(c.info, Some(2));
        assert_eq!(r.resid, 1024);
        assert_eq!(&b[..2048], &data[..]);
        // A variable record of another length read in fixed mode: ILI,
        // residue counts the bad block as not read.
        t.write_var(&[1u8; 100]).ok();
        t.run(&[0x11, 0, 0xff, 0xff, 0xff, 0], &mut []).ok();
        let r = t.run(&[0x08, 1, 0, 0, 2, 0], &mut vec![0u8; 1024]);
        let c = r.check();
        assert!(c.ili);
        assert_eq!(c.info, Some(2));
        // SILI with FIXED is invalid.
        let c = t.run(&[0x08, 3, 0, 0, 1, 0], &mut b).check();
        assert_eq!(c.sks, Some([0xc9, 0, 1]));
        // Mode sense reports the block length.
        let mut ms = [0u8; 12];
        t.run(&[0x1a, 0, 0, 0, 12, 0], &mut ms).ok();
        assert_eq!(ms[3], 8);
        assert_eq!(&ms[9..12], &[0, 2, 0]);
        assert_eq!(ms[2], 0x10);
    }

    #[test]
    fn write_truncates_and_erase() {
        let mut t = T::new(8192);
        three_files(&mut t);
        t.rewind();
        t.space(0, 1).ok();
        t.write_var(b"new").ok();
        let (r, _) = t.read_var(10, true);
        assert_eq!(r.check().key, SenseKey::BlankCheck);
        t.rewind();
        t.space(0, 1).ok();
        let (r, b) = t.read_var(10, true);
        r.ok();
        assert_eq!(&b[..3], b"new");
        // Short erase at BOT: blank tape.
        t.rewind();
        t.run(&[0x19, 0, 0, 0, 0, 0], &mut []).ok();
        let (r, _) = t.read_var(10, false);
        assert_eq!(r.check().key, SenseKey::BlankCheck);
        // Long erase zeroes the rest.
        three_files(&mut t);
        t.rewind();
        t.space(1, 1).ok();
        t.run(&[0x19, 1, 0, 0, 0, 0], &mut []).ok();
        let p = t.t.position().offset;
        assert!(t.m[p..].iter().all(|&b| b == 0));
        t.space(3, 0).ok();
        assert_eq!(t.pos().2, 3);
    }

    #[test]
    fn early_warning_and_overflow() {
        let mut t = T::new(1600);
        // Early warning at 1500.
        assert_eq!(early_warning(1600), 1500);
        let mut n = 0;
        loop {
            let r = t.write_var(&[7u8; 92]);
            n += 1;
            match r.r {
                Ok(()) => {}
                Err(c) => {
                    assert_eq!((c.key, c.asc, c.ascq), (SenseKey::NoSense, 0, 2));
                    assert!(c.eom);
                    assert_eq!(c.info, Some(0));
                    break;
                }
            }
        }
        assert_eq!(n, 15);
        assert_eq!(t.pos(), (false, true, 15));
        // Filemarks in the zone also report early warning.
        let c = t.fm(1).check();
        assert!(c.eom && c.key == SenseKey::NoSense);
        // Full: volume overflow, nothing written, residue the length.
        let c = t.write_var(&[7u8; 92]).check();
        assert_eq!((c.key, c.asc, c.ascq), (SenseKey::VolumeOverflow, 0, 2));
        assert_eq!(c.info, Some(92));
        assert_eq!(t.pos().2, 16);
        // Fixed mode fills what fits, residue in blocks.
        t.set_block_len(4);
        let c = t.run(&[0x0a, 1, 0, 0, 10, 0], &mut [1u8; 40]).check();
        assert_eq!(c.key, SenseKey::VolumeOverflow);
        let written = 10 - c.info.unwrap();
        assert_eq!(t.pos().2, 16 + written);
        let c = t.fm(3).check();
        assert_eq!(c.key, SenseKey::VolumeOverflow);
        // Reading at the end: blank check with EOM.
        let c = t.read_var(4, false).0.check();
        assert!(c.eom && c.key == SenseKey::BlankCheck);
    }

    #[test]
    fn load_unload_prevent_and_protect() {
        let mut t = T::new(4096);
        t.write_var(b"x").ok();
        t.prevent = true;
        let c = t.run(&[0x1b, 0, 0, 0, 0, 0], &mut []).check();
        assert_eq!((c.key, c.asc, c.ascq), (SenseKey::IllegalRequest, 0x53, 2));
        t.prevent = false;
        t.run(&[0x1b, 0, 0, 0, 0, 0], &mut []).ok();
        assert!(!t.t.loaded());
        assert_eq!(t.t.ready(4096), Err(Check::not_ready((0x3a, 0))));
        let c = t.read_var(10, false).0.check();
        assert_eq!((c.key, c.asc), (SenseKey::NotReady, 0x3a));
        t.run(&[0x1b, 0, 0, 0, 1, 0], &mut []).ok();
        assert_eq!(t.pos(), (true, false, 0));
        let c = t.run(&[0x1b, 0, 0, 0, 5, 0], &mut []).check();
        assert_eq!(c.asc, 0x24);
        // Retension (with load) rewinds too.
        t.space(3, 0).ok();
        t.run(&[0x1b, 0, 0, 0, 3, 0], &mut []).ok();
        assert_eq!(t.pos().2, 0);
        t.t.set_write_protect(true);
        for c in [
            t.write_var(b"y").check(),
            t.fm(1).check(),
            t.run(&[0x19, 1, 0, 0, 0, 0], &mut []).check(),
        ] {
            assert_eq!((c.key, c.asc), (SenseKey::DataProtect, 0x27));
        }
        // Write filemarks with count 0 is a flush, even write protected? No:
        // the check comes first.
        assert_eq!(t.t.mode_device_specific(), 0x90);
        // A short data buffer writes nothing.
        t.t.set_write_protect(false);
        let c = t.run(&[0x0a, 0, 0, 0, 10, 0], &mut [0u8; 4]).check();
        assert_eq!(c.asc, 0x24);
        assert_eq!(t.m[0], tapefmt::TYPE_RECORD);
        assert_eq!(t.m[4], b'x');
    }

    #[test]
    fn block_limits_and_pages() {
        let mut t = T::new(4096);
        let mut b = [0u8; 6];
        let r = t.run(&[0x05, 0, 0, 0, 0, 0], &mut b);
        r.ok();
        assert_eq!(b, [0, 0xff, 0xff, 0xff, 0, 1]);
        assert_eq!(t.run(&[0x05, 1, 0, 0, 0, 0], &mut b).check().asc, 0x24);
        let mut p = [0u8; 64];
        assert_eq!(t.t.mode_page(0x0f, PageControl::Current, &mut p), 16);
        assert_eq!(p[2], 0);
        assert_eq!(t.t.mode_page(0x10, PageControl::Current, &mut p), 16);
        assert_eq!(p[10], 0x18);
        assert_eq!(t.t.mode_page(0x11, PageControl::Current, &mut p), 0);
        // Buffered mode through MODE SELECT; an invalid one refused.
        assert!(t.t.mode_select_device_specific(0x30, true).is_err());
        t.t.mode_select_device_specific(0x00, false).unwrap();
        assert_eq!(t.t.mode_device_specific(), 0);
        // Density code.
        let mut s = [0, 0, 0, 8, 0x42, 0, 0, 0, 0, 0, 0, 0];
        t.run(&[0x15, 0, 0, 0, 12, 0], &mut s).ok();
        assert_eq!(t.t.density(), 0x42);
        // Turning compression on is refused.
        let mut s = [0u8; 20];
        s[4] = 0x0f;
        s[5] = 0x0e;
        s[6] = 0x80;
        let c = t.run(&[0x15, 0x10, 0, 0, 20, 0], &mut s).check();
        assert_eq!((c.asc, c.sks), (0x26, Some([0x8f, 0, 6])));
    }

    #[test]
    fn medium_too_small_or_shrunk() {
        let mut t = T::new(8);
        assert_eq!(t.run(&[0x01, 0, 0, 0, 0, 0], &mut []).check().asc, 0x3a);
        let c = t.run(&[0x1b, 0, 0, 0, 1, 0], &mut []).check();
        assert_eq!(c.key, SenseKey::NotReady);
        let mut t = T::new(4096);
        three_files(&mut t);
        t.m.truncate(100);
        t.pos();
        assert_eq!(t.pos().2, 0);
    }
}
