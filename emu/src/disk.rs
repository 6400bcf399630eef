// SPDX-License-Identifier: GPL-2.0

//! A direct-access block device (SBC-3) over the caller's backing slice.
//!
//! The capacity is the slice length divided by the logical block size
//! (512 to 4096 bytes), so resizing the slice resizes the disk (the front
//! end then queues CAPACITY DATA HAS CHANGED). Reads and writes copy
//! straight between the slice and the command's data buffer.
//!
//! Commands: READ and WRITE (6), (10), (12), (16); VERIFY (10), (12), (16)
//! (BYTCHK 0 and 1); SYNCHRONIZE CACHE (10), (16); WRITE SAME (10), (16)
//! with UNMAP and NDOB; UNMAP; READ CAPACITY (10) and (16); FORMAT UNIT
//! without parameter data; START STOP UNIT (spin down / up, and eject /
//! load for a removable disk). VPD pages 0xb0 (block limits), 0xb1
//! (non-rotating medium) and, when thin provisioned, 0xb2; mode pages 0x01
//! (read-write error recovery), 0x08 (caching, WCE and RCD changeable) and 0x0a
//! (control).
//!
//! Thin provisioning is reported (LBPME, LBPRZ, LBPU, LBPWS, LBPWS10) but
//! not tracked: unmapped blocks are zeroed, so they read as zeros exactly
//! as LBPRZ promises.

use super::bytes::{be32_at, be64_at, put};
use super::capacity::{ReadCapacity10, ReadCapacity16, READ_CAPACITY_10_LEN, READ_CAPACITY_16_LEN};
use super::cdb::{self, PageControl, SAI_READ_CAPACITY_16};
use super::databuf::Xfer;
use super::inquiry::DeviceType;
use super::lun::Config;
use super::mode::{
    BlockDescriptor, DSP_DPOFUA, DSP_WP, MODE_PAGE_CACHING, MODE_PAGE_CONTROL,
    MODE_PAGE_RW_ERROR_RECOVERY,
};
use super::outcome::{Check, CmdResult};
use super::sense::asc;
use super::spc::{cdb_be16, cdb_be32, cdb_be64, cdb_u8, copy_bytes, emit, reserved, Device};
use super::vpd::{VPD_BLOCK_CHARACTERISTICS, VPD_BLOCK_LIMITS, VPD_LOGICAL_BLOCK_PROVISIONING};

/// MAXIMUM TRANSFER LENGTH reported in VPD page 0xb0, in blocks.
pub const MAX_XFER_BLOCKS: u32 = 0xffff;
/// MAXIMUM UNMAP LBA COUNT (also the limit of one WRITE SAME), in blocks.
pub const MAX_UNMAP_BLOCKS: u32 = 0x40_0000;
/// MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT.
pub const MAX_UNMAP_DESCRIPTORS: u32 = 256;
/// MAXIMUM WRITE SAME LENGTH, in blocks.
pub const MAX_WRITE_SAME_BLOCKS: u32 = 0x40_0000;

/// State of an emulated disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disk {
    block_size: u32,
    write_protect: bool,
    removable: bool,
    thin: bool,
    wce: bool,
    rcd: bool,
    started: bool,
    loaded: bool,
}

/// Where a READ, WRITE or VERIFY CDB keeps its fields.
struct Rw {
    lba: u64,
    blocks: u32,
    /// Byte holding RDPROTECT/WRPROTECT, DPO, FUA (none for 6-byte CDBs).
    flags: Option<usize>,
    /// Byte of the transfer length (for the field pointer).
    len_byte: u16,
}

fn decode_rw(cdb: &[u8]) -> Rw {
    match cdb_u8(cdb, 0) >> 5 {
        // 6-byte: 21-bit LBA, 0 blocks means 256.
        0 => {
            let n = u32::from(cdb_u8(cdb, 4));
            Rw {
                lba: u64::from(cdb_be32(cdb, 0) & 0x1f_ffff),
                blocks: if n == 0 { 256 } else { n },
                flags: None,
                len_byte: 4,
            }
        }
        // 10-byte.
        1 | 2 => Rw {
            lba: u64::from(cdb_be32(cdb, 2)),
            blocks: u32::from(cdb_be16(cdb, 7)),
            flags: Some(1),
            len_byte: 7,
        },
        // 12-byte.
        5 => Rw {
            lba: u64::from(cdb_be32(cdb, 2)),
            blocks: cdb_be32(cdb, 6),
            flags: Some(1),
            len_byte: 6,
        },
        // 16-byte.
        _ => Rw {
            lba: cdb_be64(cdb, 2),
            blocks: cdb_be32(cdb, 10),
            flags: Some(1),
            len_byte: 10,
        },
    }
}

impl Disk {
    /// A disk as `cfg` describes it: started, write cache enabled. A block
    /// size other than 512, 1024, 2048 or 4096 is taken as 512 (the
    /// [`super::lun::Lun`] constructor refuses it).
    pub fn new(cfg: &Config<'_>) -> Disk {
        let block_size = match cfg.block_size {
            512 | 1024 | 2048 | 4096 => cfg.block_size,
            _ => 512,
        };
        Disk {
            block_size,
            write_protect: cfg.write_protect,
            removable: cfg.removable,
            thin: cfg.thin,
            wce: true,
            rcd: false,
            started: true,
            loaded: true,
        }
    }

    /// Logical block size in bytes.
    pub fn block_size(&self) -> u32 {
        self.block_size
    }

    /// Number of logical blocks in `medium`.
    pub fn blocks(&self, medium_len: usize) -> u64 {
        (medium_len / self.block_size.max(1) as usize) as u64
    }

    /// `true` if the write cache is enabled (caching mode page WCE).
    pub fn write_cache(&self) -> bool {
        self.wce
    }

    /// `true` if the disk is thin provisioned.
    pub fn thin(&self) -> bool {
        self.thin
    }

    /// `true` if the medium is in (a removable disk can be ejected).
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// `true` if the read cache is disabled (caching mode page RCD; it
    /// changes nothing else: there is no read cache to disable).
    pub fn read_cache_disabled(&self) -> bool {
        self.rcd
    }

    /// `true` if the disk is spun up (START STOP UNIT).
    pub fn started(&self) -> bool {
        self.started
    }

    /// Sets or clears the write protection.
    pub fn set_write_protect(&mut self, wp: bool) {
        self.write_protect = wp;
    }

    /// Back to power-on state: started, medium loaded, default mode pages.
    pub fn power_on(&mut self) {
        self.started = true;
        self.loaded = true;
        self.wce = true;
        self.rcd = false;
    }

    /// TEST UNIT READY: NOT READY when ejected (3A/00) or stopped (04/02,
    /// INITIALIZING COMMAND REQUIRED: sd then sends START STOP UNIT).
    pub fn ready(&self) -> CmdResult {
        if !self.loaded {
            return Err(Check::not_ready(asc::MEDIUM_NOT_PRESENT));
        }
        if !self.started {
            return Err(Check::not_ready(asc::NOT_READY_INIT_REQUIRED));
        }
        Ok(())
    }

    /// Executes a block command; `None` if `cdb` is not one.
    pub fn execute(
        &mut self,
        cdb: &[u8],
        x: &mut Xfer<'_>,
        medium: &mut [u8],
        prevent: bool,
    ) -> Option<CmdResult> {
        let r = match cdb_u8(cdb, 0) {
            cdb::READ_6 | cdb::READ_10 | cdb::READ_12 | cdb::READ_16 => self.read(cdb, x, medium),
            cdb::WRITE_6 | cdb::WRITE_10 | cdb::WRITE_12 | cdb::WRITE_16 => {
                self.write(cdb, x, medium)
            }
            cdb::VERIFY_10 | 0xaf | cdb::VERIFY_16 => self.verify(cdb, x, medium),
            cdb::SYNCHRONIZE_CACHE_10 | cdb::SYNCHRONIZE_CACHE_16 => self.sync_cache(cdb, medium),
            cdb::WRITE_SAME_10 | cdb::WRITE_SAME_16 => self.write_same(cdb, x, medium),
            cdb::UNMAP if self.thin => self.unmap(cdb, x, medium),
            cdb::READ_CAPACITY_10 => self.read_capacity_10(cdb, x, medium),
            cdb::SERVICE_ACTION_IN_16 => self.service_action_in(cdb, x, medium),
            cdb::FORMAT_UNIT => self.format_unit(cdb),
            cdb::START_STOP_UNIT => self.start_stop(cdb, prevent),
            _ => return None,
        };
        Some(r)
    }

    /// Checks the LBA range; returns the byte range in the medium.
    fn range(&self, lba: u64, blocks: u32, medium_len: usize) -> Result<(usize, usize), Check> {
        let end = lba
            .checked_add(u64::from(blocks))
            .ok_or(Check::lba_out_of_range())?;
        if end > self.blocks(medium_len) {
            return Err(Check::lba_out_of_range());
        }
        let bs = u64::from(self.block_size);
        // Both fit: end * bs <= medium_len.
        let start = usize::try_from(lba.saturating_mul(bs)).unwrap_or(usize::MAX);
        let len = usize::try_from(u64::from(blocks).saturating_mul(bs)).unwrap_or(usize::MAX);
        Ok((start, len))
    }

    fn check_protect(cdb: &[u8], rw: &Rw) -> CmdResult {
        if let Some(b) = rw.flags {
            // RDPROTECT/WRPROTECT: no protection information.
            reserved(cdb, b, 0xe0)?;
        }
        Ok(())
    }

    fn read(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &mut [u8]) -> CmdResult {
        let rw = decode_rw(cdb);
        Self::check_protect(cdb, &rw)?;
        self.ready()?;
        let (start, len) = self.range(rw.lba, rw.blocks, medium.len())?;
        let end = start.saturating_add(len);
        let src = medium.get(start..end).ok_or(Check::lba_out_of_range())?;
        x.send_at(0, src);
        Ok(())
    }

    fn write(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &mut [u8]) -> CmdResult {
        let rw = decode_rw(cdb);
        Self::check_protect(cdb, &rw)?;
        self.ready()?;
        if self.write_protect {
            return Err(Check::write_protected());
        }
        let (start, len) = self.range(rw.lba, rw.blocks, medium.len())?;
        if x.len() < len {
            // The initiator supplies less data than the CDB asks to write.
            return Err(Check::invalid_cdb(rw.len_byte, None));
        }
        let end = start.saturating_add(len);
        let dst = medium
            .get_mut(start..end)
            .ok_or(Check::lba_out_of_range())?;
        x.fetch(0, dst);
        Ok(())
    }

    fn verify(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &mut [u8]) -> CmdResult {
        let rw = decode_rw(cdb);
        Self::check_protect(cdb, &rw)?;
        let bytchk = (cdb_u8(cdb, 1) >> 1) & 0x03;
        if bytchk > 1 {
            return Err(Check::invalid_cdb(1, Some(2)));
        }
        self.ready()?;
        let (start, len) = self.range(rw.lba, rw.blocks, medium.len())?;
        if bytchk == 0 {
            // Medium verification always succeeds.
            return Ok(());
        }
        if x.len() < len {
            return Err(Check::invalid_cdb(rw.len_byte, None));
        }
        let end = start.saturating_add(len);
        let disk = medium.get(start..end).ok_or(Check::lba_out_of_range())?;
        let mut chunk = [0u8; 512];
        let mut off = 0;
        while off < len {
            let n = chunk.len().min(len - off);
            let c = chunk.get_mut(..n).unwrap_or(&mut []);
            x.fetch(off, c);
            let d = disk.get(off..off + n).unwrap_or(&[]);
            if let Some(i) = c.iter().zip(d).position(|(a, b)| a != b) {
                // MISCOMPARE DURING VERIFY OPERATION; INFORMATION is the
                // offset of the first miscompare.
                let at = u32::try_from(off + i).unwrap_or(u32::MAX);
                return Err(Check::new(super::sense::SenseKey::Miscompare, (0x1d, 0x00)).info(at));
            }
            off += n;
        }
        Ok(())
    }

    fn sync_cache(&mut self, cdb: &[u8], medium: &mut [u8]) -> CmdResult {
        // IMMED (bit 1) and the obsolete SYNC_NV (bit 2) are accepted.
        reserved(cdb, 1, 0xf9)?;
        let (lba, blocks) = if cdb_u8(cdb, 0) == cdb::SYNCHRONIZE_CACHE_10 {
            (u64::from(cdb_be32(cdb, 2)), u32::from(cdb_be16(cdb, 7)))
        } else {
            (cdb_be64(cdb, 2), cdb_be32(cdb, 10))
        };
        self.ready()?;
        if lba > self.blocks(medium.len()) {
            return Err(Check::lba_out_of_range());
        }
        // Zero blocks: from the LBA to the end of the medium.
        if blocks != 0 {
            self.range(lba, blocks, medium.len())?;
        }
        Ok(())
    }

    fn write_same(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &mut [u8]) -> CmdResult {
        let sixteen = cdb_u8(cdb, 0) == cdb::WRITE_SAME_16;
        // WRPROTECT, ANCHOR (bit 4) are not supported; UNMAP is bit 3,
        // NDOB bit 0 in WRITE SAME(16) only.
        reserved(cdb, 1, if sixteen { 0xf6 } else { 0xf7 })?;
        let ndob = sixteen && cdb_u8(cdb, 1) & 0x01 != 0;
        let (lba, blocks) = if sixteen {
            (cdb_be64(cdb, 2), cdb_be32(cdb, 10))
        } else {
            (u64::from(cdb_be32(cdb, 2)), u32::from(cdb_be16(cdb, 7)))
        };
        let len_byte = if sixteen { 10 } else { 7 };
        // WSNZ: a zero block count is not supported.
        if blocks == 0 || blocks > MAX_WRITE_SAME_BLOCKS {
            return Err(Check::invalid_cdb(len_byte, None));
        }
        self.ready()?;
        if self.write_protect {
            return Err(Check::write_protected());
        }
        let (start, len) = self.range(lba, blocks, medium.len())?;
        let bs = self.block_size as usize;
        if !ndob && x.len() < bs {
            return Err(Check::invalid_cdb(len_byte, None));
        }
        let end = start.saturating_add(len);
        let region = medium
            .get_mut(start..end)
            .ok_or(Check::lba_out_of_range())?;
        let Some((first, rest)) = region.split_at_mut_checked(bs) else {
            return Err(Check::lba_out_of_range());
        };
        if ndob {
            first.fill(0);
        } else {
            x.fetch(0, first);
        }
        for blk in rest.chunks_mut(bs) {
            copy_bytes(blk, first);
        }
        Ok(())
    }

    fn unmap(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &mut [u8]) -> CmdResult {
        // ANCHOR is not supported.
        reserved(cdb, 1, 0xff)?;
        let plen = usize::from(cdb_be16(cdb, 7));
        self.ready()?;
        if self.write_protect {
            return Err(Check::write_protected());
        }
        if plen == 0 {
            return Ok(());
        }
        if plen < 8 || x.len() < plen {
            return Err(Check::param_list_length());
        }
        let mut hdr = [0u8; 8];
        x.fetch(0, &mut hdr);
        let bdl = usize::from(u16::from_be_bytes([hdr[2], hdr[3]]));
        let count = bdl.min(plen - 8) / 16;
        if count > MAX_UNMAP_DESCRIPTORS as usize {
            return Err(Check::invalid_param(2, None));
        }
        let mut total = 0u64;
        for pass in 0..2 {
            for i in 0..count {
                let off = 8 + 16 * i;
                let mut d = [0u8; 16];
                x.fetch(off, &mut d);
                let lba = be64_at(&d, 0).unwrap_or(0);
                let n = be32_at(&d, 8).unwrap_or(0);
                let (start, len) = self.range(lba, n, medium.len())?;
                if pass == 0 {
                    total = total.saturating_add(u64::from(n));
                    if total > u64::from(MAX_UNMAP_BLOCKS) {
                        return Err(Check::invalid_param((off + 8) as u16, None));
                    }
                } else if let Some(r) = medium.get_mut(start..start.saturating_add(len)) {
                    r.fill(0);
                }
            }
        }
        x.mark_done(plen);
        Ok(())
    }

    fn read_capacity_10(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &[u8]) -> CmdResult {
        reserved(cdb, 1, 0xff)?;
        reserved(cdb, 8, 0xfe)?;
        let pmi = cdb_u8(cdb, 8) & 0x01 != 0;
        if !pmi && cdb_be32(cdb, 2) != 0 {
            return Err(Check::invalid_cdb(2, None));
        }
        self.ready()?;
        let mut out = [0u8; READ_CAPACITY_10_LEN];
        ReadCapacity10::build(self.blocks(medium.len()), self.block_size, &mut out);
        x.send(&out, out.len());
        Ok(())
    }

    fn service_action_in(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &[u8]) -> CmdResult {
        if cdb_u8(cdb, 1) & 0x1f != SAI_READ_CAPACITY_16 {
            return Err(Check::invalid_cdb(1, Some(4)));
        }
        reserved(cdb, 1, 0xe0)?;
        reserved(cdb, 14, 0xfe)?;
        let pmi = cdb_u8(cdb, 14) & 0x01 != 0;
        if !pmi && cdb_be64(cdb, 2) != 0 {
            return Err(Check::invalid_cdb(2, None));
        }
        self.ready()?;
        let alloc = cdb_be32(cdb, 10) as usize;
        let mut out = [0u8; READ_CAPACITY_16_LEN];
        ReadCapacity16::build(
            self.blocks(medium.len()),
            self.block_size,
            0,
            self.thin,
            self.thin,
            &mut out,
        );
        x.send(&out, alloc);
        Ok(())
    }

    fn format_unit(&mut self, cdb: &[u8]) -> CmdResult {
        // FMTPINFO, LONGLIST, FMTDATA, CMPLST: no parameter list and no
        // protection information are supported.
        reserved(cdb, 1, 0xf8)?;
        self.ready()?;
        if self.write_protect {
            return Err(Check::write_protected());
        }
        Ok(())
    }

    fn start_stop(&mut self, cdb: &[u8], prevent: bool) -> CmdResult {
        reserved(cdb, 1, 0xfe)?;
        reserved(cdb, 4, 0x08)?;
        let b4 = cdb_u8(cdb, 4);
        if b4 >> 4 != 0 {
            // A power condition: accepted, no state to change.
            return Ok(());
        }
        let start = b4 & 0x01 != 0;
        let loej = b4 & 0x02 != 0 && self.removable;
        if loej {
            if start {
                self.loaded = true;
                self.started = true;
            } else {
                if prevent {
                    return Err(Check::illegal(asc::MEDIUM_REMOVAL_PREVENTED));
                }
                self.loaded = false;
                self.started = false;
            }
            return Ok(());
        }
        if start && !self.loaded {
            return Err(Check::not_ready(asc::MEDIUM_NOT_PRESENT));
        }
        self.started = start;
        Ok(())
    }
}

impl Device for Disk {
    fn device_type(&self) -> DeviceType {
        DeviceType::Disk
    }

    fn vpd_pages(&self) -> &'static [u8] {
        if self.thin {
            &[
                VPD_BLOCK_LIMITS,
                VPD_BLOCK_CHARACTERISTICS,
                VPD_LOGICAL_BLOCK_PROVISIONING,
            ]
        } else {
            &[VPD_BLOCK_LIMITS, VPD_BLOCK_CHARACTERISTICS]
        }
    }

    fn vpd_page(&self, code: u8, _medium_len: usize, out: &mut [u8]) -> usize {
        match code {
            VPD_BLOCK_LIMITS => {
                // Payload bytes 0..60 (page bytes 4..64).
                let mut p = [0u8; 60];
                p[0] = 0x01; // WSNZ
                let _ = put(&mut p, 4, &MAX_XFER_BLOCKS.to_be_bytes());
                if self.thin {
                    let _ = put(&mut p, 16, &MAX_UNMAP_BLOCKS.to_be_bytes());
                    let _ = put(&mut p, 20, &MAX_UNMAP_DESCRIPTORS.to_be_bytes());
                    let _ = put(&mut p, 24, &1u32.to_be_bytes());
                }
                let _ = put(&mut p, 32, &u64::from(MAX_WRITE_SAME_BLOCKS).to_be_bytes());
                emit(out, &p)
            }
            VPD_BLOCK_CHARACTERISTICS => {
                // MEDIUM ROTATION RATE 1: non-rotating medium.
                let mut p = [0u8; 60];
                p[1] = 0x01;
                emit(out, &p)
            }
            VPD_LOGICAL_BLOCK_PROVISIONING if self.thin => {
                // LBPU, LBPWS, LBPWS10, LBPRZ; provisioning type thin.
                emit(out, &[0, 0xe4, 0x02, 0])
            }
            _ => 0,
        }
    }

    fn mode_pages(&self) -> &'static [u8] {
        &[
            MODE_PAGE_RW_ERROR_RECOVERY,
            MODE_PAGE_CACHING,
            MODE_PAGE_CONTROL,
        ]
    }

    fn mode_page(&self, code: u8, pc: PageControl, out: &mut [u8]) -> usize {
        let chg = pc == PageControl::Changeable;
        match code {
            MODE_PAGE_RW_ERROR_RECOVERY => {
                // AWRE and ARRE set; nothing changeable.
                let b2 = if chg { 0 } else { 0xc0 };
                emit(out, &[0x01, 0x0a, b2, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            }
            MODE_PAGE_CACHING => {
                // WCE (bit 2) and RCD (bit 0) are changeable.
                let (wce, rcd) = match pc {
                    PageControl::Changeable => (true, true),
                    PageControl::Default => (true, false),
                    _ => (self.wce, self.rcd),
                };
                let mut p = [0u8; 20];
                p[0] = MODE_PAGE_CACHING;
                p[1] = 0x12;
                p[2] = (u8::from(wce) << 2) | u8::from(rcd);
                emit(out, &p)
            }
            MODE_PAGE_CONTROL => {
                // GLTSD; queue algorithm modifier 1 (unrestricted).
                let (b2, b3) = if chg { (0, 0) } else { (0x02, 0x10) };
                emit(out, &[0x0a, 0x0a, b2, b3, 0, 0, 0, 0, 0, 0, 0, 0])
            }
            _ => 0,
        }
    }

    fn mode_device_specific(&self) -> u8 {
        let mut d = DSP_DPOFUA;
        if self.write_protect {
            d |= DSP_WP;
        }
        d
    }

    fn mode_block_descriptor(&self, medium_len: usize, long: bool, out: &mut [u8; 16]) -> usize {
        let blocks = self.blocks(medium_len);
        *out = [0; 16];
        if long {
            let _ = put(out, 0, &blocks.to_be_bytes());
            let _ = put(out, 12, &self.block_size.to_be_bytes());
            16
        } else {
            let mut s = [0u8; 8];
            BlockDescriptor::write_short_disk(blocks, self.block_size, &mut s);
            let _ = put(out, 0, &s);
            8
        }
    }

    fn mode_select_block_descriptor(
        &mut self,
        bd: &[u8],
        offset: usize,
        _medium_len: usize,
        _dry_run: bool,
    ) -> CmdResult {
        // The block length can only be kept (no reformatting); zero means
        // "unchanged". The block count is ignored.
        let (len, at) = if bd.len() == 16 {
            (be32_at(bd, 12).unwrap_or(0), 12)
        } else {
            (be32_at(bd, 4).unwrap_or(0) & 0xff_ffff, 5)
        };
        if len != 0 && len != self.block_size {
            return Err(Check::invalid_param((offset + at) as u16, None));
        }
        Ok(())
    }

    fn mode_select_page(&mut self, code: u8, page: &[u8]) {
        if code == MODE_PAGE_CACHING {
            let b2 = page.get(2).copied().unwrap_or(0);
            self.wce = b2 & 0x04 != 0;
            self.rcd = b2 & 0x01 != 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::databuf::SliceBuf;
    use super::super::lun::Kind;
    use super::super::sense::SenseKey;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn disk(bs: u32, thin: bool) -> Disk {
        let mut c = Config::new(Kind::Disk);
        c.block_size = bs;
        c.thin = thin;
        Disk::new(&c)
    }

    fn exec(d: &mut Disk, cdb: &[u8], buf: &mut [u8], m: &mut [u8]) -> (CmdResult, u32) {
        let mut s = SliceBuf::new(buf);
        let mut x = Xfer::new(&mut s);
        let r = d.execute(cdb, &mut x, m, false).expect("disk command");
        (r, x.resid())
    }

    fn code(r: CmdResult) -> (SenseKey, u8, u8) {
        let c = r.unwrap_err();
        (c.key, c.asc, c.ascq)
    }

    #[test]
    fn read_write_all_sizes() {
        let mut d = disk(512, false);
        let mut m = vec![0u8; 64 * 512];
        let data: Vec<u8> = (0..1024).map(|i| (i % 251) as u8).collect();
        for (w, r) in [
            (
                cdb::write_10(3, 2, false).to_vec(),
                cdb::read_10(3, 2, true).to_vec(),
            ),
            (
                cdb::write_16(10, 2, true).to_vec(),
                cdb::read_16(10, 2, false).to_vec(),
            ),
            (
                vec![0xaa, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0],
                vec![0xa8, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0],
            ),
            (vec![0x0a, 0, 0, 30, 2, 0], vec![0x08, 0, 0, 30, 2, 0]),
        ] {
            let (res, resid) = exec(&mut d, &w, &mut data.clone(), &mut m);
            assert_eq!((res, resid), (Ok(()), 0));
            let mut back = vec![0u8; 1024 + 100];
            let (res, resid) = exec(&mut d, &r, &mut back, &mut m);
            assert_eq!((res, resid), (Ok(()), 100));
            assert_eq!(&back[..1024], &data[..]);
        }
        assert_eq!(&m[3 * 512..5 * 512], &data[..]);
    }

    #[test]
    fn read_6_zero_means_256() {
        let mut d = disk(512, false);
        let mut m = vec![0u8; 300 * 512];
        let mut buf = vec![0u8; 256 * 512];
        let (r, resid) = exec(&mut d, &[0x08, 0, 0, 0, 0, 0], &mut buf, &mut m);
        assert_eq!((r, resid), (Ok(()), 0));
        let mut m = vec![0u8; 100 * 512];
        let (r, _) = exec(&mut d, &[0x08, 0, 0, 0, 0, 0], &mut buf, &mut m);
        assert_eq!(code(r), (SenseKey::IllegalRequest, 0x21, 0));
    }

    #[test]
    fn lba_range_and_protection() {
        let mut d = disk(4096, false);
        let mut m = vec![0u8; 8 * 4096];
        let mut buf = vec![0u8; 4096];
        let (r, resid) = exec(&mut d, &cdb::read_10(8, 1, false), &mut buf, &mut m);
        assert_eq!(code(r), (SenseKey::IllegalRequest, 0x21, 0));
        assert_eq!(resid, 4096);
        let (r, _) = exec(&mut d, &cdb::read_16(u64::MAX, 2, false), &mut buf, &mut m);
        assert_eq!(code(r), (SenseKey::IllegalRequest, 0x21, 0));
        let (r, _) = exec(&mut d, &cdb::read_10(7, 1, false), &mut buf, &mut m);
        assert_eq!(r, Ok(()));
        // Zero-length transfers move nothing.
        let (r, resid) = exec(&mut d, &cdb::read_10(8, 0, false), &mut buf, &mut m);
        assert_eq!((r, resid), (Ok(()), 4096));
        // RDPROTECT.
        let mut c = cdb::read_10(0, 1, false);
        c[1] = 0x20;
        let (r, _) = exec(&mut d, &c, &mut buf, &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(5))));
        // Write protect.
        d.set_write_protect(true);
        let (r, _) = exec(&mut d, &cdb::write_10(0, 1, false), &mut buf, &mut m);
        assert_eq!(code(r), (SenseKey::DataProtect, 0x27, 0));
        let (r, _) = exec(&mut d, &cdb::write_same_16(0, 1, true), &mut buf, &mut m);
        assert_eq!(code(r), (SenseKey::DataProtect, 0x27, 0));
        d.set_write_protect(false);
        // Short data-out buffer: nothing written.
        m[0] = 0x55;
        let (r, _) = exec(&mut d, &cdb::write_10(0, 2, false), &mut buf, &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(7, None)));
        assert_eq!(m[0], 0x55);
    }

    #[test]
    fn verify_bytchk() {
        let mut d = disk(512, false);
        let mut m = vec![7u8; 16 * 512];
        let mut buf = vec![7u8; 1024];
        let mut c = [0x2f, 0, 0, 0, 0, 2, 0, 0, 2, 0];
        let (r, _) = exec(&mut d, &c, &mut [], &mut m);
        assert_eq!(r, Ok(()));
        c[1] = 0x02;
        let (r, resid) = exec(&mut d, &c, &mut buf, &mut m);
        assert_eq!((r, resid), (Ok(()), 0));
        buf[700] = 8;
        let (r, _) = exec(&mut d, &c, &mut buf, &mut m);
        let e = r.unwrap_err();
        assert_eq!(
            (e.key, e.asc, e.info),
            (SenseKey::Miscompare, 0x1d, Some(700))
        );
        c[1] = 0x04;
        let (r, _) = exec(&mut d, &c, &mut buf, &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(2))));
        let c16 = [0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0, 2, 0, 0];
        let (r, _) = exec(&mut d, &c16, &mut [], &mut m);
        assert_eq!(code(r), (SenseKey::IllegalRequest, 0x21, 0));
    }

    #[test]
    fn sync_cache_ranges() {
        let mut d = disk(512, false);
        let mut m = vec![0u8; 16 * 512];
        for (c, ok) in [
            (cdb::synchronize_cache_10(0, 0, false).to_vec(), true),
            (cdb::synchronize_cache_10(15, 1, true).to_vec(), true),
            (cdb::synchronize_cache_10(15, 2, false).to_vec(), false),
            (cdb::synchronize_cache_16(17, 0, false).to_vec(), false),
            (cdb::synchronize_cache_16(16, 0, false).to_vec(), true),
        ] {
            let (r, _) = exec(&mut d, &c, &mut [], &mut m);
            assert_eq!(r.is_ok(), ok, "{c:?}");
        }
    }

    #[test]
    fn write_same_and_unmap() {
        let mut d = disk(512, true);
        let mut m = vec![0u8; 32 * 512];
        let mut pat = vec![0xa5u8; 512];
        pat[0] = 1;
        let (r, resid) = exec(&mut d, &cdb::write_same_10(4, 8, false), &mut pat, &mut m);
        assert_eq!((r, resid), (Ok(()), 0));
        assert!(m[4 * 512..12 * 512]
            .chunks(512)
            .all(|b| b[0] == 1 && b[1..].iter().all(|&x| x == 0xa5)));
        assert_eq!(m[12 * 512], 0);
        // UNMAP two ranges: zeroes them.
        let mut p = [0u8; 40];
        let n = cdb::unmap_params(&[(4, 2), (10, 1)], &mut p).unwrap();
        let (r, resid) = exec(&mut d, &cdb::unmap(n as u16), &mut p[..n], &mut m);
        assert_eq!((r, resid), (Ok(()), 0));
        assert!(m[4 * 512..6 * 512].iter().all(|&b| b == 0));
        assert_eq!(m[6 * 512], 1);
        assert!(m[10 * 512..11 * 512].iter().all(|&b| b == 0));
        // Out of range descriptor: nothing unmapped.
        let n = cdb::unmap_params(&[(6, 1), (31, 2)], &mut p).unwrap();
        let (r, _) = exec(&mut d, &cdb::unmap(n as u16), &mut p[..n], &mut m);
        assert_eq!(code(r), (SenseKey::IllegalRequest, 0x21, 0));
        assert_eq!(m[6 * 512], 1);
        // Parameter list errors.
        let (r, _) = exec(&mut d, &cdb::unmap(4), &mut p[..4], &mut m);
        assert_eq!(r, Err(Check::param_list_length()));
        let (r, _) = exec(&mut d, &cdb::unmap(24), &mut p[..10], &mut m);
        assert_eq!(r, Err(Check::param_list_length()));
        let (r, _) = exec(&mut d, &cdb::unmap(0), &mut [], &mut m);
        assert_eq!(r, Ok(()));
        let mut c = cdb::unmap(24);
        c[1] = 1;
        let (r, _) = exec(&mut d, &c, &mut p[..24], &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(0))));
        // WRITE SAME(16) with UNMAP and zero data, NDOB.
        let (r, _) = exec(
            &mut d,
            &cdb::write_same_16(6, 2, true),
            &mut [0u8; 512],
            &mut m,
        );
        assert_eq!(r, Ok(()));
        assert!(m[6 * 512..8 * 512].iter().all(|&b| b == 0));
        m[8 * 512] = 9;
        let mut c = cdb::write_same_16(8, 1, true);
        c[1] |= 1;
        let (r, _) = exec(&mut d, &c, &mut [], &mut m);
        assert_eq!(r, Ok(()));
        assert_eq!(m[8 * 512], 0);
        // Zero blocks, anchor, too long.
        let (r, _) = exec(&mut d, &cdb::write_same_10(0, 0, false), &mut pat, &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(7, None)));
        let mut c = cdb::write_same_10(0, 1, false);
        c[1] = 0x10;
        let (r, _) = exec(&mut d, &c, &mut pat, &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(4))));
        let (r, _) = exec(
            &mut d,
            &cdb::write_same_16(0, MAX_WRITE_SAME_BLOCKS + 1, false),
            &mut pat,
            &mut m,
        );
        assert_eq!(r, Err(Check::invalid_cdb(10, None)));
        let (r, _) = exec(&mut d, &cdb::write_same_10(31, 2, false), &mut pat, &mut m);
        assert_eq!(code(r), (SenseKey::IllegalRequest, 0x21, 0));
    }

    #[test]
    fn unmap_needs_thin() {
        let mut d = disk(512, false);
        let mut m = vec![0u8; 4 * 512];
        let mut s = SliceBuf::new(&mut []);
        let mut x = Xfer::new(&mut s);
        assert!(d.execute(&cdb::unmap(0), &mut x, &mut m, false).is_none());
        assert_eq!(d.vpd_pages(), &[0xb0, 0xb1]);
    }

    #[test]
    fn read_capacity() {
        let mut d = disk(512, true);
        let mut m = vec![0u8; 100 * 512 + 100];
        let mut b = [0u8; 32];
        let (r, resid) = exec(&mut d, &cdb::read_capacity_10(), &mut b, &mut m);
        assert_eq!((r, resid), (Ok(()), 24));
        let rc = ReadCapacity10::parse(&b).unwrap();
        assert_eq!((rc.last_lba, rc.block_len), (99, 512));
        let (r, resid) = exec(&mut d, &cdb::read_capacity_16(32), &mut b, &mut m);
        assert_eq!((r, resid), (Ok(()), 0));
        let rc = ReadCapacity16::parse(&b).unwrap();
        assert_eq!(rc.total_blocks(), Some(100));
        assert!(rc.lbpme && rc.lbprz);
        let (r, resid) = exec(&mut d, &cdb::read_capacity_16(12), &mut b, &mut m);
        assert_eq!((r, resid), (Ok(()), 20));
        let mut c = cdb::read_capacity_16(32);
        c[1] = 0x12;
        let (r, _) = exec(&mut d, &c, &mut b, &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(4))));
        let (r, _) = exec(&mut d, &[0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0], &mut b, &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(2, None)));
        let (r, _) = exec(&mut d, &[0x25, 0, 0, 0, 0, 1, 0, 0, 1, 0], &mut b, &mut m);
        assert_eq!(r, Ok(()));
        // Over 2^32 blocks: READ CAPACITY(10) saturates (checked on the
        // encoder; a slice that large is not allocated here).
        let mut big = [0u8; 8];
        ReadCapacity10::build(1 << 33, 512, &mut big);
        assert_eq!(&big[..4], &[0xff; 4]);
    }

    #[test]
    fn start_stop_states() {
        let mut d = disk(512, false);
        let mut m = vec![0u8; 4 * 512];
        let mut b = [0u8; 512];
        let (r, _) = exec(
            &mut d,
            &cdb::start_stop_unit(false, false, false),
            &mut [],
            &mut m,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(d.ready(), Err(Check::not_ready((0x04, 0x02))));
        let (r, _) = exec(&mut d, &cdb::read_10(0, 1, false), &mut b, &mut m);
        assert_eq!(code(r), (SenseKey::NotReady, 0x04, 0x02));
        let (r, _) = exec(
            &mut d,
            &cdb::start_stop_unit(true, false, true),
            &mut [],
            &mut m,
        );
        assert_eq!(r, Ok(()));
        assert!(d.started());
        // LOEJ on a fixed disk only starts/stops.
        let (r, _) = exec(
            &mut d,
            &cdb::start_stop_unit(false, true, false),
            &mut [],
            &mut m,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(d.ready(), Err(Check::not_ready((0x04, 0x02))));
        // Removable: eject, prevented eject, load.
        let mut c = Config::new(Kind::Disk);
        c.removable = true;
        let mut d = Disk::new(&c);
        let mut s = SliceBuf::new(&mut []);
        let mut x = Xfer::new(&mut s);
        let r = d.execute(
            &cdb::start_stop_unit(false, true, false),
            &mut x,
            &mut m,
            true,
        );
        assert_eq!(r, Some(Err(Check::illegal((0x53, 0x02)))));
        let (r, _) = exec(
            &mut d,
            &cdb::start_stop_unit(false, true, false),
            &mut [],
            &mut m,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(d.ready(), Err(Check::not_ready((0x3a, 0x00))));
        let (r, _) = exec(
            &mut d,
            &cdb::start_stop_unit(true, false, false),
            &mut [],
            &mut m,
        );
        assert_eq!(code(r), (SenseKey::NotReady, 0x3a, 0));
        let (r, _) = exec(
            &mut d,
            &cdb::start_stop_unit(true, true, false),
            &mut [],
            &mut m,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(d.ready(), Ok(()));
        // Power conditions are accepted.
        let (r, _) = exec(
            &mut d,
            &cdb::start_stop_unit_power(3, false),
            &mut [],
            &mut m,
        );
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn format_unit() {
        let mut d = disk(512, false);
        let mut m = vec![0u8; 4 * 512];
        let (r, _) = exec(&mut d, &[0x04, 0, 0, 0, 0, 0], &mut [], &mut m);
        assert_eq!(r, Ok(()));
        let (r, _) = exec(&mut d, &[0x04, 0x10, 0, 0, 0, 0], &mut [], &mut m);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(4))));
    }

    #[test]
    fn mode_pages_and_vpd() {
        let mut d = disk(512, true);
        let mut p = [0u8; 64];
        assert_eq!(d.mode_page(0x08, PageControl::Current, &mut p), 20);
        assert_eq!(p[2], 0x04);
        assert_eq!(d.mode_page(0x08, PageControl::Changeable, &mut p), 20);
        assert_eq!(p[2], 0x05);
        assert_eq!(d.mode_page(0x0a, PageControl::Current, &mut p), 12);
        assert_eq!(d.mode_page(0x01, PageControl::Default, &mut p), 12);
        assert_eq!(d.mode_page(0x1c, PageControl::Current, &mut p), 0);
        let mut cp = [0u8; 20];
        cp[0] = 8;
        cp[1] = 0x12;
        cp[2] = 0x01;
        d.mode_select_page(0x08, &cp);
        assert!(!d.write_cache());
        assert!(d.read_cache_disabled());
        assert_eq!(d.mode_page(0x08, PageControl::Current, &mut p), 20);
        assert_eq!(p[2], 0x01);
        assert_eq!(d.mode_device_specific(), 0x10);
        d.set_write_protect(true);
        assert_eq!(d.mode_device_specific(), 0x90);
        let bl = [0u8, 0, 0, 0, 0, 0, 0x10, 0];
        assert!(d.mode_select_block_descriptor(&bl, 4, 0, true).is_err());
        let bl = [0u8, 0, 0, 0, 0, 0, 0x02, 0];
        assert!(d.mode_select_block_descriptor(&bl, 4, 0, true).is_ok());
        let mut v = [0u8; 96];
        assert_eq!(d.vpd_page(0xb0, 0, &mut v), 60);
        let mut page = [0u8; 64];
        page[1] = 0xb0;
        page[3] = 60;
        page[4..].copy_from_slice(&v[..60]);
        let bl = super::super::vpd::BlockLimits::parse(&page).unwrap();
        assert!(bl.wsnz);
        assert_eq!(bl.max_xfer_len, MAX_XFER_BLOCKS);
        assert_eq!(bl.max_unmap_lba_count, MAX_UNMAP_BLOCKS);
        assert_eq!(bl.max_write_same_len, u64::from(MAX_WRITE_SAME_BLOCKS));
        assert_eq!(d.vpd_page(0xb2, 0, &mut v), 4);
        page[1] = 0xb2;
        page[3] = 4;
        page[4..8].copy_from_slice(&v[..4]);
        let lbp = super::super::vpd::Provisioning::parse(&page[..8]).unwrap();
        assert!(lbp.lbpu && lbp.lbpws && lbp.lbpws10);
        assert_eq!((lbp.lbprz, lbp.provisioning_type), (1, 2));
        assert_eq!(d.vpd_page(0xb1, 0, &mut v), 60);
        assert_eq!(&v[..2], &[0, 1]);
    }
}
