// SPDX-License-Identifier: GPL-2.0

//! Command descriptor block (CDB) builders.
//!
//! Each builder returns the complete CDB as a fixed-size array with the
//! CONTROL byte set to zero, ready to be copied into a command. Field layouts
//! follow SPC-4 (common commands), SBC-3 (block commands), MMC-6 and SSC-4.
//! Values that do not fit their field are never silently widened: callers
//! pick the builder whose field widths match, or use [`rw`] which chooses
//! between the 10- and 16-byte READ/WRITE forms.
//!
//! Bit fields narrower than their argument type (page codes, power
//! conditions) are masked to their width; this is documented per builder.

use super::bytes::{put, u8_at};
use super::error::Error;

/// TEST UNIT READY (SPC-4).
pub const TEST_UNIT_READY: u8 = 0x00;
/// REWIND (SSC-4).
pub const REWIND: u8 = 0x01;
/// REQUEST SENSE (SPC-4).
pub const REQUEST_SENSE: u8 = 0x03;
/// FORMAT UNIT (SBC-3).
pub const FORMAT_UNIT: u8 = 0x04;
/// READ BLOCK LIMITS (SSC-4).
pub const READ_BLOCK_LIMITS: u8 = 0x05;
/// READ(6) (SBC-3, SSC-4).
pub const READ_6: u8 = 0x08;
/// WRITE(6) (SBC-3, SSC-4).
pub const WRITE_6: u8 = 0x0a;
/// WRITE FILEMARKS(6) (SSC-4).
pub const WRITE_FILEMARKS_6: u8 = 0x10;
/// SPACE(6) (SSC-4).
pub const SPACE_6: u8 = 0x11;
/// INQUIRY (SPC-4).
pub const INQUIRY: u8 = 0x12;
/// MODE SELECT(6) (SPC-4).
pub const MODE_SELECT_6: u8 = 0x15;
/// ERASE(6) (SSC-4).
pub const ERASE_6: u8 = 0x19;
/// MODE SENSE(6) (SPC-4).
pub const MODE_SENSE_6: u8 = 0x1a;
/// START STOP UNIT (SBC-3, MMC-6); LOAD UNLOAD in SSC-4.
pub const START_STOP_UNIT: u8 = 0x1b;
/// LOAD UNLOAD (SSC-4), same opcode as START STOP UNIT.
pub const LOAD_UNLOAD: u8 = 0x1b;
/// RECEIVE DIAGNOSTIC RESULTS (SPC-4).
pub const RECEIVE_DIAGNOSTIC_RESULTS: u8 = 0x1c;
/// SEND DIAGNOSTIC (SPC-4).
pub const SEND_DIAGNOSTIC: u8 = 0x1d;
/// PREVENT ALLOW MEDIUM REMOVAL (SPC-4).
pub const PREVENT_ALLOW_MEDIUM_REMOVAL: u8 = 0x1e;
/// READ CAPACITY(10) (SBC-3, MMC-6).
pub const READ_CAPACITY_10: u8 = 0x25;
/// READ(10) (SBC-3, MMC-6).
pub const READ_10: u8 = 0x28;
/// WRITE(10) (SBC-3, MMC-6).
pub const WRITE_10: u8 = 0x2a;
/// LOCATE(10) (SSC-4).
pub const LOCATE_10: u8 = 0x2b;
/// VERIFY(10) (SBC-3).
pub const VERIFY_10: u8 = 0x2f;
/// READ POSITION (SSC-4).
pub const READ_POSITION: u8 = 0x34;
/// SYNCHRONIZE CACHE(10) (SBC-3, MMC-6).
pub const SYNCHRONIZE_CACHE_10: u8 = 0x35;
/// WRITE BUFFER (SPC-4).
pub const WRITE_BUFFER: u8 = 0x3b;
/// READ BUFFER (SPC-4).
pub const READ_BUFFER: u8 = 0x3c;
/// WRITE SAME(10) (SBC-3).
pub const WRITE_SAME_10: u8 = 0x41;
/// UNMAP (SBC-3).
pub const UNMAP: u8 = 0x42;
/// READ TOC/PMA/ATIP (MMC-6).
pub const READ_TOC_PMA_ATIP: u8 = 0x43;
/// GET CONFIGURATION (MMC-6).
pub const GET_CONFIGURATION: u8 = 0x46;
/// GET EVENT STATUS NOTIFICATION (MMC-6).
pub const GET_EVENT_STATUS_NOTIFICATION: u8 = 0x4a;
/// LOG SELECT (SPC-4).
pub const LOG_SELECT: u8 = 0x4c;
/// LOG SENSE (SPC-4).
pub const LOG_SENSE: u8 = 0x4d;
/// READ DISC INFORMATION (MMC-6).
pub const READ_DISC_INFORMATION: u8 = 0x51;
/// MODE SELECT(10) (SPC-4).
pub const MODE_SELECT_10: u8 = 0x55;
/// MODE SENSE(10) (SPC-4).
pub const MODE_SENSE_10: u8 = 0x5a;
/// PERSISTENT RESERVE IN (SPC-4).
pub const PERSISTENT_RESERVE_IN: u8 = 0x5e;
/// PERSISTENT RESERVE OUT (SPC-4).
pub const PERSISTENT_RESERVE_OUT: u8 = 0x5f;
/// Variable-length CDB (SPC-4); length in byte 7.
pub const VARIABLE_LENGTH_CDB: u8 = 0x7f;
/// ATA PASS-THROUGH(16) (SAT).
pub const ATA_PASS_THROUGH_16: u8 = 0x85;
/// READ(16) (SBC-3).
pub const READ_16: u8 = 0x88;
/// WRITE(16) (SBC-3).
pub const WRITE_16: u8 = 0x8a;
/// VERIFY(16) (SBC-3).
pub const VERIFY_16: u8 = 0x8f;
/// SYNCHRONIZE CACHE(16) (SBC-3).
pub const SYNCHRONIZE_CACHE_16: u8 = 0x91;
/// WRITE SAME(16) (SBC-3).
pub const WRITE_SAME_16: u8 = 0x93;
/// SERVICE ACTION IN(16) (SPC-4); READ CAPACITY(16) is one of its actions.
pub const SERVICE_ACTION_IN_16: u8 = 0x9e;
/// REPORT LUNS (SPC-4).
pub const REPORT_LUNS: u8 = 0xa0;
/// ATA PASS-THROUGH(12) (SAT).
pub const ATA_PASS_THROUGH_12: u8 = 0xa1;
/// SECURITY PROTOCOL IN (SPC-4).
pub const SECURITY_PROTOCOL_IN: u8 = 0xa2;
/// MAINTENANCE IN (SPC-4); REPORT SUPPORTED OPERATION CODES is one action.
pub const MAINTENANCE_IN: u8 = 0xa3;
/// READ(12) (SBC-3, MMC-6).
pub const READ_12: u8 = 0xa8;
/// WRITE(12) (SBC-3, MMC-6).
pub const WRITE_12: u8 = 0xaa;
/// SECURITY PROTOCOL OUT (SPC-4).
pub const SECURITY_PROTOCOL_OUT: u8 = 0xb5;

/// SERVICE ACTION IN(16) service action: READ CAPACITY(16).
pub const SAI_READ_CAPACITY_16: u8 = 0x10;
/// MAINTENANCE IN service action: REPORT SUPPORTED OPERATION CODES.
pub const MI_REPORT_SUPPORTED_OPERATION_CODES: u8 = 0x0c;

/// REPORT LUNS select report: logical units with addresses, no well-known LUs.
pub const SELECT_REPORT_STANDARD: u8 = 0x00;
/// REPORT LUNS select report: well-known logical units only.
pub const SELECT_REPORT_WELL_KNOWN: u8 = 0x01;
/// REPORT LUNS select report: all logical units.
pub const SELECT_REPORT_ALL: u8 = 0x02;

/// Length of a READ CAPACITY(16) response as defined by SBC-3.
pub const READ_CAPACITY_16_LEN: u32 = 32;

/// Length in bytes of a CDB, from the group code (top three bits) of its
/// operation code.
///
/// Group 0 is 6 bytes, groups 1 and 2 are 10, group 4 is 16 and group 5 is
/// 12. Group 3 (reserved, and the variable-length CDB 0x7f) and the
/// vendor-specific groups 6 and 7 return `None`; see [`cdb_len`] for 0x7f.
pub const fn cdb_len_for_opcode(op: u8) -> Option<usize> {
    match op >> 5 {
        0 => Some(6),
        1 | 2 => Some(10),
        4 => Some(16),
        5 => Some(12),
        _ => None,
    }
}

/// Length in bytes of the CDB starting at `cdb[0]`.
///
/// Like [`cdb_len_for_opcode`], but also handles the variable-length CDB
/// (0x7f), whose byte 7 holds the additional CDB length (total = 8 + it).
/// Returns `None` if the length cannot be determined or `cdb` is empty.
pub fn cdb_len(cdb: &[u8]) -> Option<usize> {
    let op = u8_at(cdb, 0)?;
    if op == VARIABLE_LENGTH_CDB {
        let add = u8_at(cdb, 7)?;
        return Some(8 + add as usize);
    }
    cdb_len_for_opcode(op)
}

const fn flag(b: bool, mask: u8) -> u8 {
    if b {
        mask
    } else {
        0
    }
}

/// TEST UNIT READY.
pub const fn test_unit_ready() -> [u8; 6] {
    [TEST_UNIT_READY, 0, 0, 0, 0, 0]
}

/// Standard INQUIRY (EVPD=0) with a 16-bit allocation length.
///
/// Request at least 36 bytes to receive vendor, product and revision.
pub const fn inquiry(alloc_len: u16) -> [u8; 6] {
    let a = alloc_len.to_be_bytes();
    [INQUIRY, 0, 0, a[0], a[1], 0]
}

/// INQUIRY for vital product data page `page` (EVPD=1).
pub const fn inquiry_vpd(page: u8, alloc_len: u16) -> [u8; 6] {
    let a = alloc_len.to_be_bytes();
    [INQUIRY, 0x01, page, a[0], a[1], 0]
}

/// REQUEST SENSE; `desc` asks for descriptor-format sense data.
///
/// 252 is the largest useful allocation length (SPC-4); 18 returns the
/// whole fixed-format header.
pub const fn request_sense(alloc_len: u8, desc: bool) -> [u8; 6] {
    [REQUEST_SENSE, flag(desc, 0x01), 0, 0, alloc_len, 0]
}

/// READ CAPACITY(10) (logical block address and PMI zero).
pub const fn read_capacity_10() -> [u8; 10] {
    [READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0]
}

/// READ CAPACITY(16): SERVICE ACTION IN(16) with service action 0x10.
///
/// Use [`READ_CAPACITY_16_LEN`] (32) as the allocation length.
pub const fn read_capacity_16(alloc_len: u32) -> [u8; 16] {
    let a = alloc_len.to_be_bytes();
    [
        SERVICE_ACTION_IN_16,
        SAI_READ_CAPACITY_16,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        a[0],
        a[1],
        a[2],
        a[3],
        0,
        0,
    ]
}

/// REPORT LUNS with a SELECT REPORT code (see `SELECT_REPORT_*`).
///
/// SPC-4 requires an allocation length of at least 16.
pub const fn report_luns(select_report: u8, alloc_len: u32) -> [u8; 12] {
    let a = alloc_len.to_be_bytes();
    [
        REPORT_LUNS,
        0,
        select_report,
        0,
        0,
        0,
        a[0],
        a[1],
        a[2],
        a[3],
        0,
        0,
    ]
}

/// Transfer direction of a READ or WRITE command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// READ: data flows from the device.
    Read,
    /// WRITE: data flows to the device.
    Write,
}

const fn rw10(op: u8, lba: u32, blocks: u16, fua: bool) -> [u8; 10] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    [
        op,
        flag(fua, 0x08),
        l[0],
        l[1],
        l[2],
        l[3],
        0,
        n[0],
        n[1],
        0,
    ]
}

const fn rw16(op: u8, lba: u64, blocks: u32, fua: bool) -> [u8; 16] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    [
        op,
        flag(fua, 0x08),
        l[0],
        l[1],
        l[2],
        l[3],
        l[4],
        l[5],
        l[6],
        l[7],
        n[0],
        n[1],
        n[2],
        n[3],
        0,
        0,
    ]
}

/// READ(10). `fua` sets Force Unit Access (byte 1 bit 3).
///
/// A transfer length of zero transfers no data (SBC-3).
pub const fn read_10(lba: u32, blocks: u16, fua: bool) -> [u8; 10] {
    rw10(READ_10, lba, blocks, fua)
}

/// WRITE(10). `fua` sets Force Unit Access (byte 1 bit 3).
pub const fn write_10(lba: u32, blocks: u16, fua: bool) -> [u8; 10] {
    rw10(WRITE_10, lba, blocks, fua)
}

/// READ(16). `fua` sets Force Unit Access (byte 1 bit 3).
pub const fn read_16(lba: u64, blocks: u32, fua: bool) -> [u8; 16] {
    rw16(READ_16, lba, blocks, fua)
}

/// WRITE(16). `fua` sets Force Unit Access (byte 1 bit 3).
pub const fn write_16(lba: u64, blocks: u32, fua: bool) -> [u8; 16] {
    rw16(WRITE_16, lba, blocks, fua)
}

/// A READ or WRITE CDB of either size, as chosen by [`rw`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RwCdb {
    /// READ(10) or WRITE(10).
    Ten([u8; 10]),
    /// READ(16) or WRITE(16).
    Sixteen([u8; 16]),
}

impl RwCdb {
    /// The CDB bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            RwCdb::Ten(c) => c,
            RwCdb::Sixteen(c) => c,
        }
    }

    /// The CDB length: 10 or 16.
    pub const fn len(&self) -> usize {
        match self {
            RwCdb::Ten(_) => 10,
            RwCdb::Sixteen(_) => 16,
        }
    }

    /// Always `false`: a CDB is never empty. Present for API symmetry.
    pub const fn is_empty(&self) -> bool {
        false
    }
}

/// Builds a READ or WRITE CDB, choosing the 10- or 16-byte form.
///
/// The 10-byte form is used when `lba` fits in 32 bits and `blocks` in 16
/// bits and `force_16` is false; otherwise the 16-byte form. Set `force_16`
/// for devices larger than 2^32 blocks (whose tail a 10-byte CDB cannot
/// reach anyway) or that are known to require it.
pub fn rw(dir: Direction, lba: u64, blocks: u32, fua: bool, force_16: bool) -> RwCdb {
    let op10 = match dir {
        Direction::Read => READ_10,
        Direction::Write => WRITE_10,
    };
    let op16 = match dir {
        Direction::Read => READ_16,
        Direction::Write => WRITE_16,
    };
    match (u32::try_from(lba), u16::try_from(blocks)) {
        (Ok(l), Ok(n)) if !force_16 => RwCdb::Ten(rw10(op10, l, n, fua)),
        _ => RwCdb::Sixteen(rw16(op16, lba, blocks, fua)),
    }
}

/// SYNCHRONIZE CACHE(10); zero `lba` and `blocks` flush the whole medium.
pub const fn synchronize_cache_10(lba: u32, blocks: u16, immed: bool) -> [u8; 10] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    [
        SYNCHRONIZE_CACHE_10,
        flag(immed, 0x02),
        l[0],
        l[1],
        l[2],
        l[3],
        0,
        n[0],
        n[1],
        0,
    ]
}

/// SYNCHRONIZE CACHE(16); zero `lba` and `blocks` flush the whole medium.
pub const fn synchronize_cache_16(lba: u64, blocks: u32, immed: bool) -> [u8; 16] {
    let mut c = rw16(SYNCHRONIZE_CACHE_16, lba, blocks, false);
    c[1] = flag(immed, 0x02);
    c
}

/// PAGE CONTROL field of MODE SENSE: which values of a mode page to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PageControl {
    /// Current values.
    Current = 0,
    /// Changeable values (a mask of the bits MODE SELECT may change).
    Changeable = 1,
    /// Default values.
    Default = 2,
    /// Saved values.
    Saved = 3,
}

/// Page code requesting all mode pages.
pub const MODE_PAGE_ALL: u8 = 0x3f;
/// Subpage code requesting all subpages.
pub const MODE_SUBPAGE_ALL: u8 = 0xff;

/// MODE SENSE(6).
///
/// `dbd` disables block descriptors. `page` is masked to its six bits.
pub const fn mode_sense_6(
    dbd: bool,
    pc: PageControl,
    page: u8,
    subpage: u8,
    alloc_len: u8,
) -> [u8; 6] {
    [
        MODE_SENSE_6,
        flag(dbd, 0x08),
        ((pc as u8) << 6) | (page & 0x3f),
        subpage,
        alloc_len,
        0,
    ]
}

/// MODE SENSE(10).
///
/// `dbd` disables block descriptors; LLBAA (long LBA block descriptors
/// accepted) is set so that large disks can report 16-byte descriptors.
/// `page` is masked to its six bits.
pub const fn mode_sense_10(
    dbd: bool,
    pc: PageControl,
    page: u8,
    subpage: u8,
    alloc_len: u16,
) -> [u8; 10] {
    let a = alloc_len.to_be_bytes();
    [
        MODE_SENSE_10,
        0x10 | flag(dbd, 0x08),
        ((pc as u8) << 6) | (page & 0x3f),
        subpage,
        0,
        0,
        0,
        a[0],
        a[1],
        0,
    ]
}

/// MODE SELECT(6) with PF set (pages follow the SPC page format).
///
/// `save` sets SP, asking the device to also save the pages.
pub const fn mode_select_6(save: bool, param_len: u8) -> [u8; 6] {
    [MODE_SELECT_6, 0x10 | flag(save, 0x01), 0, 0, param_len, 0]
}

/// MODE SELECT(10) with PF set (pages follow the SPC page format).
///
/// `save` sets SP, asking the device to also save the pages.
pub const fn mode_select_10(save: bool, param_len: u16) -> [u8; 10] {
    let a = param_len.to_be_bytes();
    [
        MODE_SELECT_10,
        0x10 | flag(save, 0x01),
        0,
        0,
        0,
        0,
        0,
        a[0],
        a[1],
        0,
    ]
}

/// START STOP UNIT with POWER CONDITION 0 (START_VALID).
///
/// `start` spins up (or loads, with `loej`); `!start` spins down (or ejects,
/// with `loej`); `immed` returns status before the operation completes.
pub const fn start_stop_unit(start: bool, loej: bool, immed: bool) -> [u8; 6] {
    [
        START_STOP_UNIT,
        flag(immed, 0x01),
        0,
        0,
        flag(loej, 0x02) | flag(start, 0x01),
        0,
    ]
}

/// START STOP UNIT with a POWER CONDITION (bits 7:4 of byte 4; masked).
///
/// With a non-zero power condition the START and LOEJ bits are ignored by
/// the device and are left zero here.
pub const fn start_stop_unit_power(power_condition: u8, immed: bool) -> [u8; 6] {
    [
        START_STOP_UNIT,
        flag(immed, 0x01),
        0,
        0,
        (power_condition & 0x0f) << 4,
        0,
    ]
}

/// PREVENT ALLOW MEDIUM REMOVAL: `prevent` locks the medium in the drive.
pub const fn prevent_allow_medium_removal(prevent: bool) -> [u8; 6] {
    [
        PREVENT_ALLOW_MEDIUM_REMOVAL,
        0,
        0,
        0,
        flag(prevent, 0x01),
        0,
    ]
}

/// UNMAP CDB for a parameter list of `param_len` bytes (see
/// [`unmap_params`]).
pub const fn unmap(param_len: u16) -> [u8; 10] {
    let a = param_len.to_be_bytes();
    [UNMAP, 0, 0, 0, 0, 0, 0, a[0], a[1], 0]
}

/// Length of the UNMAP parameter list header.
pub const UNMAP_HEADER_LEN: usize = 8;
/// Length of one UNMAP block descriptor.
pub const UNMAP_DESCRIPTOR_LEN: usize = 16;

/// Builds an UNMAP parameter list with one block descriptor per
/// `(lba, blocks)` pair into `out`.
///
/// Returns the parameter list length (8 + 16 per descriptor), the value for
/// [`unmap`]. Fails with [`Error::NoSpace`] if `out` is too small and
/// [`Error::OutOfRange`] if the list would exceed the 16-bit parameter list
/// length.
pub fn unmap_params(ranges: &[(u64, u32)], out: &mut [u8]) -> Result<usize, Error> {
    let desc_len = ranges
        .len()
        .checked_mul(UNMAP_DESCRIPTOR_LEN)
        .ok_or(Error::OutOfRange)?;
    let total = desc_len
        .checked_add(UNMAP_HEADER_LEN)
        .ok_or(Error::OutOfRange)?;
    let total16 = u16::try_from(total).map_err(|_| Error::OutOfRange)?;
    if out.len() < total {
        return Err(Error::NoSpace);
    }
    // UNMAP DATA LENGTH excludes itself; BLOCK DESCRIPTOR DATA LENGTH is the
    // descriptors alone. Both fit since total fits in 16 bits.
    let data_len = total16.saturating_sub(2).to_be_bytes();
    let bd_len = total16.saturating_sub(8).to_be_bytes();
    put(
        out,
        0,
        &[data_len[0], data_len[1], bd_len[0], bd_len[1], 0, 0, 0, 0],
    )?;
    let mut off = UNMAP_HEADER_LEN;
    for &(lba, blocks) in ranges {
        put(out, off, &lba.to_be_bytes())?;
        put(out, off + 8, &blocks.to_be_bytes())?;
        put(out, off + 12, &[0; 4])?;
        off += UNMAP_DESCRIPTOR_LEN;
    }
    Ok(total)
}

/// Builds a one-descriptor UNMAP parameter list (24 bytes).
pub const fn unmap_param_single(lba: u64, blocks: u32) -> [u8; 24] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    [
        0, 22, 0, 16, 0, 0, 0, 0, l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], n[0], n[1], n[2],
        n[3], 0, 0, 0, 0,
    ]
}

/// WRITE SAME(10); `unmap` requests deallocation (LBPWS10 devices).
pub const fn write_same_10(lba: u32, blocks: u16, unmap: bool) -> [u8; 10] {
    let mut c = rw10(WRITE_SAME_10, lba, blocks, false);
    c[1] = flag(unmap, 0x08);
    c
}

/// WRITE SAME(16); `unmap` requests deallocation (LBPWS devices).
pub const fn write_same_16(lba: u64, blocks: u32, unmap: bool) -> [u8; 16] {
    let mut c = rw16(WRITE_SAME_16, lba, blocks, false);
    c[1] = flag(unmap, 0x08);
    c
}

/// REPORT SUPPORTED OPERATION CODES asking about one operation code
/// without service action (REPORTING OPTIONS 001b), `alloc` bytes.
pub const fn report_supported_opcode(op: u8, alloc: u32) -> [u8; 12] {
    let a = alloc.to_be_bytes();
    [
        MAINTENANCE_IN,
        MI_REPORT_SUPPORTED_OPERATION_CODES,
        0x01,
        op,
        0,
        0,
        a[0],
        a[1],
        a[2],
        a[3],
        0,
        0,
    ]
}

/// Whether a one-command answer of REPORT SUPPORTED OPERATION CODES says
/// the command is supported (SUPPORT field, byte 1 bits 1:0 both set:
/// "supported as the standard defines it", as the C stack reads it).
pub fn opcode_supported(answer: &[u8]) -> bool {
    answer.get(1).is_some_and(|b| b & 0x03 == 0x03)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tur_and_inquiry() {
        assert_eq!(test_unit_ready(), [0; 6]);
        assert_eq!(inquiry(36), [0x12, 0, 0, 0, 36, 0]);
        assert_eq!(inquiry(0x1234), [0x12, 0, 0, 0x12, 0x34, 0]);
        assert_eq!(inquiry_vpd(0x83, 255), [0x12, 1, 0x83, 0, 0xff, 0]);
        assert_eq!(inquiry_vpd(0xb0, 0x100), [0x12, 1, 0xb0, 1, 0, 0]);
    }

    #[test]
    fn request_sense_cdb() {
        assert_eq!(request_sense(18, false), [0x03, 0, 0, 0, 18, 0]);
        assert_eq!(request_sense(252, true), [0x03, 1, 0, 0, 252, 0]);
    }

    #[test]
    fn read_capacity_cdbs() {
        assert_eq!(read_capacity_10(), [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let c = read_capacity_16(32);
        assert_eq!(c, [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0]);
    }

    #[test]
    fn report_luns_cdb() {
        let c = report_luns(SELECT_REPORT_ALL, 0x0001_0008);
        assert_eq!(c, [0xa0, 0, 2, 0, 0, 0, 0, 1, 0, 8, 0, 0]);
    }

    #[test]
    fn rw10_layout() {
        let c = read_10(0x1234_5678, 0x0102, false);
        assert_eq!(c, [0x28, 0, 0x12, 0x34, 0x56, 0x78, 0, 0x01, 0x02, 0]);
        let c = write_10(7, 8, true);
        assert_eq!(c, [0x2a, 0x08, 0, 0, 0, 7, 0, 0, 8, 0]);
    }

    #[test]
    fn rw16_layout() {
        let c = read_16(0x0102_0304_0506_0708, 0x0a0b_0c0d, true);
        assert_eq!(
            c,
            [0x88, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0]
        );
        let c = write_16(u64::MAX, u32::MAX, false);
        assert_eq!(c[0], 0x8a);
        assert_eq!(c[1], 0);
        assert!(c[2..14].iter().all(|&b| b == 0xff));
        assert_eq!(&c[14..], &[0, 0]);
    }

    #[test]
    fn rw_chooses_size() {
        // Fits: 10-byte form.
        let c = rw(Direction::Read, 0xffff_ffff, 0xffff, false, false);
        assert_eq!(c.len(), 10);
        assert_eq!(c.as_bytes()[0], READ_10);
        assert!(!c.is_empty());
        // LBA too large.
        let c = rw(Direction::Write, 0x1_0000_0000, 1, true, false);
        assert_eq!(c.len(), 16);
        assert_eq!(c.as_bytes(), &write_16(0x1_0000_0000, 1, true)[..]);
        // Count too large.
        let c = rw(Direction::Read, 0, 0x1_0000, false, false);
        assert_eq!(c, RwCdb::Sixteen(read_16(0, 0x1_0000, false)));
        // Forced.
        let c = rw(Direction::Write, 5, 5, false, true);
        assert_eq!(c, RwCdb::Sixteen(write_16(5, 5, false)));
        let c = rw(Direction::Write, 5, 5, true, false);
        assert_eq!(c, RwCdb::Ten(write_10(5, 5, true)));
    }

    #[test]
    fn sync_cache() {
        assert_eq!(
            synchronize_cache_10(0, 0, false),
            [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            synchronize_cache_10(0x10, 2, true),
            [0x35, 2, 0, 0, 0, 0x10, 0, 0, 2, 0]
        );
        let c = synchronize_cache_16(0x1_0000_0000, 3, true);
        assert_eq!(c, [0x91, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0]);
    }

    #[test]
    fn mode_sense_select() {
        assert_eq!(
            mode_sense_6(true, PageControl::Current, 0x08, 0, 0xff),
            [0x1a, 0x08, 0x08, 0, 0xff, 0]
        );
        assert_eq!(
            mode_sense_6(
                false,
                PageControl::Changeable,
                MODE_PAGE_ALL,
                MODE_SUBPAGE_ALL,
                192
            ),
            [0x1a, 0, 0x7f, 0xff, 192, 0]
        );
        // Page code masked to six bits.
        assert_eq!(
            mode_sense_6(false, PageControl::Current, 0xc8, 0, 4)[2],
            0x08
        );
        assert_eq!(mode_sense_6(false, PageControl::Saved, 0x08, 0, 4)[2], 0xc8);
        assert_eq!(
            mode_sense_10(false, PageControl::Default, 0x2a, 0, 0x0200),
            [0x5a, 0x10, 0xaa, 0, 0, 0, 0, 2, 0, 0]
        );
        assert_eq!(
            mode_sense_10(true, PageControl::Current, 0x3f, 0, 8)[1],
            0x18
        );
        assert_eq!(mode_select_6(false, 24), [0x15, 0x10, 0, 0, 24, 0]);
        assert_eq!(mode_select_6(true, 24)[1], 0x11);
        assert_eq!(
            mode_select_10(true, 0x0120),
            [0x55, 0x11, 0, 0, 0, 0, 0, 1, 0x20, 0]
        );
    }

    #[test]
    fn start_stop_and_prevent() {
        assert_eq!(start_stop_unit(true, false, false), [0x1b, 0, 0, 0, 1, 0]);
        assert_eq!(start_stop_unit(false, true, true), [0x1b, 1, 0, 0, 2, 0]);
        assert_eq!(start_stop_unit(true, true, false), [0x1b, 0, 0, 0, 3, 0]);
        assert_eq!(start_stop_unit_power(0x3, false), [0x1b, 0, 0, 0, 0x30, 0]);
        assert_eq!(start_stop_unit_power(0xff, true), [0x1b, 1, 0, 0, 0xf0, 0]);
        assert_eq!(prevent_allow_medium_removal(true), [0x1e, 0, 0, 0, 1, 0]);
        assert_eq!(prevent_allow_medium_removal(false), [0x1e, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn unmap_cdb_and_params() {
        assert_eq!(unmap(24), [0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0]);
        let single = unmap_param_single(0x1000, 8);
        let mut buf = [0xeeu8; 40];
        let n = unmap_params(&[(0x1000, 8)], &mut buf).unwrap();
        assert_eq!(n, 24);
        assert_eq!(&buf[..24], &single[..]);
        assert_eq!(&single[..8], &[0, 22, 0, 16, 0, 0, 0, 0]);
        assert_eq!(&single[8..16], &[0, 0, 0, 0, 0, 0, 0x10, 0]);
        assert_eq!(&single[16..20], &[0, 0, 0, 8]);
        assert_eq!(buf[24], 0xee, "no write past the list");

        let n = unmap_params(&[(1, 2), (3, 4)], &mut buf).unwrap();
        assert_eq!(n, 40);
        assert_eq!(&buf[..4], &[0, 38, 0, 32]);
        assert_eq!(&buf[24..32], &[0, 0, 0, 0, 0, 0, 0, 3]);

        let mut small = [0u8; 23];
        assert_eq!(unmap_params(&[(1, 2)], &mut small), Err(Error::NoSpace));
        let n = unmap_params(&[], &mut small).unwrap();
        assert_eq!(n, 8);
        assert_eq!(&small[..4], &[0, 6, 0, 0]);
    }

    #[test]
    fn unmap_params_too_long() {
        let ranges = [(0u64, 0u32); 4096];
        let mut big = [0u8; 16];
        assert_eq!(unmap_params(&ranges, &mut big), Err(Error::OutOfRange));
    }

    #[test]
    fn write_same() {
        assert_eq!(
            write_same_10(1, 2, true),
            [0x41, 0x08, 0, 0, 0, 1, 0, 0, 2, 0]
        );
        let c = write_same_16(1, 2, false);
        assert_eq!(c, [0x93, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0]);
    }

    #[test]
    fn cdb_lengths() {
        assert_eq!(cdb_len_for_opcode(TEST_UNIT_READY), Some(6));
        assert_eq!(cdb_len_for_opcode(INQUIRY), Some(6));
        assert_eq!(cdb_len_for_opcode(READ_10), Some(10));
        assert_eq!(cdb_len_for_opcode(MODE_SENSE_10), Some(10));
        assert_eq!(cdb_len_for_opcode(READ_16), Some(16));
        assert_eq!(cdb_len_for_opcode(SERVICE_ACTION_IN_16), Some(16));
        assert_eq!(cdb_len_for_opcode(REPORT_LUNS), Some(12));
        assert_eq!(cdb_len_for_opcode(READ_12), Some(12));
        assert_eq!(cdb_len_for_opcode(0x60), None);
        assert_eq!(cdb_len_for_opcode(VARIABLE_LENGTH_CDB), None);
        assert_eq!(cdb_len_for_opcode(0xc0), None);
        assert_eq!(cdb_len_for_opcode(0xff), None);
        // Every builder's length agrees with its group code.
        assert_eq!(cdb_len(&read_capacity_16(32)), Some(16));
        assert_eq!(cdb_len(&report_luns(0, 16)), Some(12));
        assert_eq!(
            cdb_len(&mode_sense_10(false, PageControl::Current, 8, 0, 8)),
            Some(10)
        );
        assert_eq!(cdb_len(&start_stop_unit(true, false, false)), Some(6));
        assert_eq!(cdb_len(&[0x7f, 0, 0, 0, 0, 0, 0, 0x18]), Some(32));
        assert_eq!(cdb_len(&[0x7f, 0, 0]), None);
        assert_eq!(cdb_len(&[]), None);
    }

    #[test]
    fn write_same_cdbs() {
        let c = write_same_10(0x0102_0304, 0x0506, true);
        assert_eq!(c, [0x41, 0x08, 1, 2, 3, 4, 0, 5, 6, 0]);
        assert_eq!(cdb_len(&c), Some(10));
        let c = write_same_16(0x1122_3344_5566_7788, 0x0a0b_0c0d, false);
        assert_eq!(c[0], 0x93);
        assert_eq!(c[1], 0);
        assert_eq!(&c[2..10], &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
        assert_eq!(&c[10..14], &[0x0a, 0x0b, 0x0c, 0x0d]);
        assert_eq!(write_same_16(0, 1, true)[1], 0x08);
    }

    #[test]
    fn report_one_opcode() {
        let c = report_supported_opcode(WRITE_SAME_16, 512);
        assert_eq!(c, [0xa3, 0x0c, 0x01, 0x93, 0, 0, 0, 0, 2, 0, 0, 0]);
        assert!(opcode_supported(&[0, 0x03, 0, 16]));
        assert!(!opcode_supported(&[0, 0x01]));
        assert!(!opcode_supported(&[0]));
    }
}
