// SPDX-License-Identifier: GPL-2.0

//! Sense data decoding and building (SPC-4, "Sense data").
//!
//! [`Sense::parse`] decodes both formats into one [`Sense`]:
//!
//! - fixed format, response codes 0x70 (current) and 0x71 (deferred);
//! - descriptor format, response codes 0x72 (current) and 0x73 (deferred),
//!   with the information, command-specific information, sense-key
//!   specific, field replaceable unit, stream commands and block commands
//!   descriptors folded into the same fields.
//!
//! The usable length is the buffer length, further limited by the
//! ADDITIONAL SENSE LENGTH (byte 7) when the buffer reaches byte 7. Fields
//! beyond the usable length read as zero / `None`; the only hard
//! requirements are 3 bytes for fixed format (response code and sense key)
//! and 4 bytes for descriptor format (sense key, ASC, ASCQ).
//!
//! [`disposition`] is a small, documented suggestion table from status and
//! sense to what a mid layer should do next. [`build_fixed`] and
//! [`build_descriptor`] produce sense data for an emulated target.

use super::bytes::{array_at, be32_at, be64_at, prefix, suffix, u8_at, u8_or_zero};
use super::error::Error;
use super::status::Status;

/// Length of fixed-format sense data with all standard fields (8 + 10).
pub const FIXED_SENSE_LEN: usize = 18;
/// Length of the descriptor-format sense data header.
pub const DESCRIPTOR_SENSE_HEADER_LEN: usize = 8;
/// Largest sense data SPC-4 allows (8 + 244 bytes of additional sense).
pub const MAX_SENSE_LEN: usize = 252;
/// Size of the sense buffer Linux keeps per command (`SCSI_SENSE_BUFFERSIZE`).
pub const SENSE_BUFFER_SIZE: usize = 96;

/// Response code: fixed format, current error.
pub const RESPONSE_FIXED_CURRENT: u8 = 0x70;
/// Response code: fixed format, deferred error.
pub const RESPONSE_FIXED_DEFERRED: u8 = 0x71;
/// Response code: descriptor format, current error.
pub const RESPONSE_DESC_CURRENT: u8 = 0x72;
/// Response code: descriptor format, deferred error.
pub const RESPONSE_DESC_DEFERRED: u8 = 0x73;
/// Response code: vendor-specific sense data format.
pub const RESPONSE_VENDOR: u8 = 0x7f;

/// Sense descriptor type: information.
pub const DESC_INFORMATION: u8 = 0x00;
/// Sense descriptor type: command-specific information.
pub const DESC_COMMAND_SPECIFIC: u8 = 0x01;
/// Sense descriptor type: sense key specific.
pub const DESC_SENSE_KEY_SPECIFIC: u8 = 0x02;
/// Sense descriptor type: field replaceable unit.
pub const DESC_FRU: u8 = 0x03;
/// Sense descriptor type: stream commands (FILEMARK, EOM, ILI).
pub const DESC_STREAM_COMMANDS: u8 = 0x04;
/// Sense descriptor type: block commands (ILI).
pub const DESC_BLOCK_COMMANDS: u8 = 0x05;
/// Sense descriptor type: ATA status return (SAT).
pub const DESC_ATA_STATUS_RETURN: u8 = 0x09;

/// Common additional sense code / qualifier pairs, as `(ASC, ASCQ)`.
pub mod asc {
    /// NO ADDITIONAL SENSE INFORMATION.
    pub const NO_ADDITIONAL_SENSE: (u8, u8) = (0x00, 0x00);
    /// FILEMARK DETECTED.
    pub const FILEMARK_DETECTED: (u8, u8) = (0x00, 0x01);
    /// END-OF-PARTITION/MEDIUM DETECTED.
    pub const END_OF_MEDIUM_DETECTED: (u8, u8) = (0x00, 0x02);
    /// BEGINNING-OF-PARTITION/MEDIUM DETECTED.
    pub const BEGINNING_OF_MEDIUM_DETECTED: (u8, u8) = (0x00, 0x04);
    /// END-OF-DATA DETECTED.
    pub const END_OF_DATA_DETECTED: (u8, u8) = (0x00, 0x05);
    /// LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE.
    pub const NOT_READY_CAUSE_NOT_REPORTABLE: (u8, u8) = (0x04, 0x00);
    /// LOGICAL UNIT IS IN PROCESS OF BECOMING READY.
    pub const NOT_READY_BECOMING_READY: (u8, u8) = (0x04, 0x01);
    /// LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED.
    pub const NOT_READY_INIT_REQUIRED: (u8, u8) = (0x04, 0x02);
    /// LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED.
    pub const NOT_READY_MANUAL_INTERVENTION: (u8, u8) = (0x04, 0x03);
    /// LOGICAL UNIT NOT READY, FORMAT IN PROGRESS.
    pub const NOT_READY_FORMAT_IN_PROGRESS: (u8, u8) = (0x04, 0x04);
    /// WRITE ERROR.
    pub const WRITE_ERROR: (u8, u8) = (0x0c, 0x00);
    /// UNRECOVERED READ ERROR.
    pub const UNRECOVERED_READ_ERROR: (u8, u8) = (0x11, 0x00);
    /// PARAMETER LIST LENGTH ERROR.
    pub const PARAMETER_LIST_LENGTH_ERROR: (u8, u8) = (0x1a, 0x00);
    /// INVALID COMMAND OPERATION CODE.
    pub const INVALID_OPCODE: (u8, u8) = (0x20, 0x00);
    /// LOGICAL BLOCK ADDRESS OUT OF RANGE.
    pub const LBA_OUT_OF_RANGE: (u8, u8) = (0x21, 0x00);
    /// INVALID FIELD IN CDB.
    pub const INVALID_FIELD_IN_CDB: (u8, u8) = (0x24, 0x00);
    /// LOGICAL UNIT NOT SUPPORTED.
    pub const LUN_NOT_SUPPORTED: (u8, u8) = (0x25, 0x00);
    /// INVALID FIELD IN PARAMETER LIST.
    pub const INVALID_FIELD_IN_PARAMETER_LIST: (u8, u8) = (0x26, 0x00);
    /// WRITE PROTECTED.
    pub const WRITE_PROTECTED: (u8, u8) = (0x27, 0x00);
    /// NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED.
    pub const MEDIUM_MAY_HAVE_CHANGED: (u8, u8) = (0x28, 0x00);
    /// POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
    pub const POWER_ON_RESET: (u8, u8) = (0x29, 0x00);
    /// MODE PARAMETERS CHANGED.
    pub const MODE_PARAMETERS_CHANGED: (u8, u8) = (0x2a, 0x01);
    /// CAPACITY DATA HAS CHANGED.
    pub const CAPACITY_DATA_CHANGED: (u8, u8) = (0x2a, 0x09);
    /// SAVING PARAMETERS NOT SUPPORTED.
    pub const SAVING_PARAMETERS_NOT_SUPPORTED: (u8, u8) = (0x39, 0x00);
    /// MEDIUM NOT PRESENT.
    pub const MEDIUM_NOT_PRESENT: (u8, u8) = (0x3a, 0x00);
    /// REPORTED LUNS DATA HAS CHANGED.
    pub const REPORTED_LUNS_DATA_CHANGED: (u8, u8) = (0x3f, 0x0e);
    /// INTERNAL TARGET FAILURE.
    pub const INTERNAL_TARGET_FAILURE: (u8, u8) = (0x44, 0x00);
    /// MEDIUM REMOVAL PREVENTED.
    pub const MEDIUM_REMOVAL_PREVENTED: (u8, u8) = (0x53, 0x02);
}

/// Sense key (SPC-4, "Sense key descriptions").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SenseKey {
    /// NO SENSE: no specific error; see FILEMARK/EOM/ILI and ASC.
    NoSense = 0x0,
    /// RECOVERED ERROR: the command succeeded after recovery.
    RecoveredError = 0x1,
    /// NOT READY: the logical unit is not accessible.
    NotReady = 0x2,
    /// MEDIUM ERROR: unrecovered error probably caused by the medium.
    MediumError = 0x3,
    /// HARDWARE ERROR: non-recoverable hardware failure.
    HardwareError = 0x4,
    /// ILLEGAL REQUEST: bad CDB or parameter data.
    IllegalRequest = 0x5,
    /// UNIT ATTENTION: reset, medium change, parameter change and the like.
    UnitAttention = 0x6,
    /// DATA PROTECT: the medium or block is protected against the access.
    DataProtect = 0x7,
    /// BLANK CHECK: blank medium or end of data encountered.
    BlankCheck = 0x8,
    /// VENDOR SPECIFIC.
    VendorSpecific = 0x9,
    /// COPY ABORTED: a copy command was aborted.
    CopyAborted = 0xa,
    /// ABORTED COMMAND: the device aborted the command; a retry may work.
    AbortedCommand = 0xb,
    /// 0xc: obsolete (formerly EQUAL), reserved.
    Reserved = 0xc,
    /// VOLUME OVERFLOW: a buffered device reached the end of the partition.
    VolumeOverflow = 0xd,
    /// MISCOMPARE: source data did not match medium data.
    Miscompare = 0xe,
    /// COMPLETED: the command completed; sense carries extra information.
    Completed = 0xf,
}

impl SenseKey {
    /// Decodes the low four bits of `v` (upper bits are ignored).
    pub const fn from_u8(v: u8) -> SenseKey {
        match v & 0x0f {
            0x0 => SenseKey::NoSense,
            0x1 => SenseKey::RecoveredError,
            0x2 => SenseKey::NotReady,
            0x3 => SenseKey::MediumError,
            0x4 => SenseKey::HardwareError,
            0x5 => SenseKey::IllegalRequest,
            0x6 => SenseKey::UnitAttention,
            0x7 => SenseKey::DataProtect,
            0x8 => SenseKey::BlankCheck,
            0x9 => SenseKey::VendorSpecific,
            0xa => SenseKey::CopyAborted,
            0xb => SenseKey::AbortedCommand,
            0xc => SenseKey::Reserved,
            0xd => SenseKey::VolumeOverflow,
            0xe => SenseKey::Miscompare,
            _ => SenseKey::Completed,
        }
    }

    /// Returns the four-bit sense key value.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// Returns the upper-case name used by SPC-4 (e.g. `"UNIT ATTENTION"`).
    pub const fn name(self) -> &'static str {
        match self {
            SenseKey::NoSense => "NO SENSE",
            SenseKey::RecoveredError => "RECOVERED ERROR",
            SenseKey::NotReady => "NOT READY",
            SenseKey::MediumError => "MEDIUM ERROR",
            SenseKey::HardwareError => "HARDWARE ERROR",
            SenseKey::IllegalRequest => "ILLEGAL REQUEST",
            SenseKey::UnitAttention => "UNIT ATTENTION",
            SenseKey::DataProtect => "DATA PROTECT",
            SenseKey::BlankCheck => "BLANK CHECK",
            SenseKey::VendorSpecific => "VENDOR SPECIFIC",
            SenseKey::CopyAborted => "COPY ABORTED",
            SenseKey::AbortedCommand => "ABORTED COMMAND",
            SenseKey::Reserved => "RESERVED",
            SenseKey::VolumeOverflow => "VOLUME OVERFLOW",
            SenseKey::Miscompare => "MISCOMPARE",
            SenseKey::Completed => "COMPLETED",
        }
    }
}

/// Whether the sense data reports an error of this command or an earlier one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Response {
    /// Current error: about the command that returned CHECK CONDITION.
    Current,
    /// Deferred error: about an earlier command (for example a buffered
    /// write); the command that received it was not processed.
    Deferred,
}

/// The sense data format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Fixed format (0x70/0x71).
    Fixed,
    /// Descriptor format (0x72/0x73).
    Descriptor,
}

/// The FIELD POINTER sense-key specific data of an ILLEGAL REQUEST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldPointer {
    /// `true` if the bad field is in the CDB, `false` if in parameter data.
    pub in_cdb: bool,
    /// Bit (0..=7) within the byte, when the device reported it (BPV).
    pub bit: Option<u8>,
    /// Index of the byte in the CDB or parameter list.
    pub byte: u16,
}

/// Decoded sense data, fixed or descriptor format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sense {
    /// Current or deferred error.
    pub response: Response,
    /// Fixed or descriptor format.
    pub format: Format,
    /// Sense key.
    pub key: SenseKey,
    /// Additional sense code (0 when not present).
    pub asc: u8,
    /// Additional sense code qualifier (0 when not present).
    pub ascq: u8,
    /// INFORMATION field, when valid (fixed: VALID bit and 4 bytes;
    /// descriptor: information descriptor with VALID set). For direct access
    /// devices usually the first failing LBA; for tape the residue.
    pub info: Option<u64>,
    /// COMMAND-SPECIFIC INFORMATION field, when present.
    pub command_info: Option<u64>,
    /// FILEMARK: a filemark or setmark was reached (sequential access).
    pub filemark: bool,
    /// EOM: end (or beginning) of medium or partition was reached.
    pub eom: bool,
    /// ILI: incorrect length indicator.
    pub ili: bool,
    /// FIELD REPLACEABLE UNIT CODE (0 when not reported).
    pub fru: u8,
    /// The three SENSE KEY SPECIFIC bytes, only when SKSV is set (SKSV is
    /// bit 7 of the first byte and is left in place).
    pub sense_key_specific: Option<[u8; 3]>,
}

/// Restricts `buf` to the length announced by ADDITIONAL SENSE LENGTH.
fn usable(buf: &[u8]) -> &[u8] {
    match u8_at(buf, 7) {
        Some(add) => prefix(buf, 8 + add as usize),
        None => buf,
    }
}

fn sks_from(bytes: Option<[u8; 3]>) -> Option<[u8; 3]> {
    match bytes {
        Some(b) if b[0] & 0x80 != 0 => Some(b),
        _ => None,
    }
}

impl Sense {
    /// Decodes sense data as returned with CHECK CONDITION or by REQUEST
    /// SENSE. Pass only the bytes actually transferred.
    ///
    /// Errors: [`Error::Truncated`] if the buffer is too short for the sense
    /// key, [`Error::Unsupported`] for vendor-specific format (0x7f) and
    /// [`Error::Invalid`] for any other response code.
    pub fn parse(buf: &[u8]) -> Result<Sense, Error> {
        let rc = u8_at(buf, 0).ok_or(Error::Truncated)? & 0x7f;
        let b = usable(buf);
        match rc {
            RESPONSE_FIXED_CURRENT => Self::parse_fixed(b, Response::Current),
            RESPONSE_FIXED_DEFERRED => Self::parse_fixed(b, Response::Deferred),
            RESPONSE_DESC_CURRENT => Self::parse_descriptor(b, Response::Current),
            RESPONSE_DESC_DEFERRED => Self::parse_descriptor(b, Response::Deferred),
            RESPONSE_VENDOR => Err(Error::Unsupported),
            _ => Err(Error::Invalid),
        }
    }

    fn parse_fixed(b: &[u8], response: Response) -> Result<Sense, Error> {
        let b2 = u8_at(b, 2).ok_or(Error::Truncated)?;
        let valid = u8_or_zero(b, 0) & 0x80 != 0;
        Ok(Sense {
            response,
            format: Format::Fixed,
            key: SenseKey::from_u8(b2),
            asc: u8_or_zero(b, 12),
            ascq: u8_or_zero(b, 13),
            info: if valid {
                be32_at(b, 3).map(u64::from)
            } else {
                None
            },
            command_info: be32_at(b, 8).map(u64::from),
            filemark: b2 & 0x80 != 0,
            eom: b2 & 0x40 != 0,
            ili: b2 & 0x20 != 0,
            fru: u8_or_zero(b, 14),
            sense_key_specific: sks_from(array_at::<3>(b, 15)),
        })
    }

    fn parse_descriptor(b: &[u8], response: Response) -> Result<Sense, Error> {
        if b.len() < 4 {
            return Err(Error::Truncated);
        }
        let mut s = Sense {
            response,
            format: Format::Descriptor,
            key: SenseKey::from_u8(u8_or_zero(b, 1)),
            asc: u8_or_zero(b, 2),
            ascq: u8_or_zero(b, 3),
            info: None,
            command_info: None,
            filemark: false,
            eom: false,
            ili: false,
            fru: 0,
            sense_key_specific: None,
        };
        for d in Descriptors::new(suffix(b, DESCRIPTOR_SENSE_HEADER_LEN)) {
            match d.code {
                // Information is only meaningful with VALID set.
                DESC_INFORMATION if u8_or_zero(d.data, 0) & 0x80 != 0 => {
                    s.info = be64_at(d.data, 2);
                }
                DESC_COMMAND_SPECIFIC => s.command_info = be64_at(d.data, 2),
                DESC_SENSE_KEY_SPECIFIC => {
                    s.sense_key_specific = sks_from(array_at::<3>(d.data, 0))
                }
                DESC_FRU => s.fru = u8_or_zero(d.data, 1),
                DESC_STREAM_COMMANDS => {
                    let f = u8_or_zero(d.data, 1);
                    s.filemark = f & 0x80 != 0;
                    s.eom = f & 0x40 != 0;
                    s.ili |= f & 0x20 != 0;
                }
                DESC_BLOCK_COMMANDS => s.ili |= u8_or_zero(d.data, 1) & 0x20 != 0,
                _ => {}
            }
        }
        Ok(s)
    }

    /// ASC and ASCQ as one value, `(asc << 8) | ascq`.
    pub const fn asc_ascq(&self) -> u16 {
        ((self.asc as u16) << 8) | self.ascq as u16
    }

    /// `true` if the key, ASC and ASCQ equal `key` and `pair` (see [`asc`]).
    pub fn is(&self, key: SenseKey, pair: (u8, u8)) -> bool {
        self.key == key && self.asc == pair.0 && self.ascq == pair.1
    }

    /// `true` for a deferred error.
    pub fn is_deferred(&self) -> bool {
        self.response == Response::Deferred
    }

    /// `true` if the sense key is UNIT ATTENTION.
    pub fn is_unit_attention(&self) -> bool {
        self.key == SenseKey::UnitAttention
    }

    /// NOT READY, MEDIUM NOT PRESENT (02/3A/xx, any qualifier: tray open,
    /// tray closed, loadable, auxiliary memory accessible).
    pub fn is_medium_not_present(&self) -> bool {
        self.key == SenseKey::NotReady && self.asc == 0x3a
    }

    /// UNIT ATTENTION, CAPACITY DATA HAS CHANGED (06/2A/09).
    pub fn is_capacity_changed(&self) -> bool {
        self.is(SenseKey::UnitAttention, asc::CAPACITY_DATA_CHANGED)
    }

    /// UNIT ATTENTION, MODE PARAMETERS CHANGED (06/2A/01).
    pub fn is_mode_parameters_changed(&self) -> bool {
        self.is(SenseKey::UnitAttention, asc::MODE_PARAMETERS_CHANGED)
    }

    /// UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED (06/3F/0E).
    pub fn is_luns_changed(&self) -> bool {
        self.is(SenseKey::UnitAttention, asc::REPORTED_LUNS_DATA_CHANGED)
    }

    /// UNIT ATTENTION, POWER ON, RESET, OR BUS DEVICE RESET OCCURRED
    /// (06/29/xx, any qualifier).
    pub fn is_power_on_reset(&self) -> bool {
        self.key == SenseKey::UnitAttention && self.asc == 0x29
    }

    /// UNIT ATTENTION, NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED
    /// (06/28/xx).
    pub fn is_medium_may_have_changed(&self) -> bool {
        self.key == SenseKey::UnitAttention && self.asc == 0x28
    }

    /// NOT READY, LOGICAL UNIT IS IN PROCESS OF BECOMING READY (02/04/01).
    pub fn is_becoming_ready(&self) -> bool {
        self.is(SenseKey::NotReady, asc::NOT_READY_BECOMING_READY)
    }

    /// NOT READY, INITIALIZING COMMAND REQUIRED (02/04/02): send START UNIT.
    pub fn is_start_unit_required(&self) -> bool {
        self.is(SenseKey::NotReady, asc::NOT_READY_INIT_REQUIRED)
    }

    /// The field pointer of an ILLEGAL REQUEST, when SKSV is set.
    pub fn field_pointer(&self) -> Option<FieldPointer> {
        let s = self.sense_key_specific?;
        if self.key != SenseKey::IllegalRequest {
            return None;
        }
        Some(FieldPointer {
            in_cdb: s[0] & 0x40 != 0,
            bit: if s[0] & 0x08 != 0 {
                Some(s[0] & 0x07)
            } else {
                None
            },
            byte: u16::from_be_bytes([s[1], s[2]]),
        })
    }

    /// PROGRESS INDICATION of a NOT READY or NO SENSE (fraction of 65536
    /// completed), when SKSV is set.
    pub fn progress(&self) -> Option<u16> {
        let s = self.sense_key_specific?;
        match self.key {
            SenseKey::NotReady | SenseKey::NoSense => Some(u16::from_be_bytes([s[1], s[2]])),
            _ => None,
        }
    }

    /// ACTUAL RETRY COUNT of a RECOVERED, MEDIUM or HARDWARE ERROR, when
    /// SKSV is set.
    pub fn retry_count(&self) -> Option<u16> {
        let s = self.sense_key_specific?;
        match self.key {
            SenseKey::RecoveredError | SenseKey::MediumError | SenseKey::HardwareError => {
                Some(u16::from_be_bytes([s[1], s[2]]))
            }
            _ => None,
        }
    }
}

/// One sense data descriptor: its type and the bytes after its 2-byte header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SenseDescriptor<'a> {
    /// DESCRIPTOR TYPE (see the `DESC_*` constants).
    pub code: u8,
    /// The ADDITIONAL LENGTH bytes following the two header bytes.
    pub data: &'a [u8],
}

/// Iterator over the descriptors of descriptor-format sense data.
///
/// Iteration stops at the first descriptor that does not fit in the data.
#[derive(Clone, Debug)]
pub struct Descriptors<'a> {
    rest: &'a [u8],
}

impl<'a> Descriptors<'a> {
    fn new(rest: &'a [u8]) -> Self {
        Descriptors { rest }
    }
}

impl<'a> Iterator for Descriptors<'a> {
    type Item = SenseDescriptor<'a>;

    fn next(&mut self) -> Option<SenseDescriptor<'a>> {
        let code = u8_at(self.rest, 0)?;
        let len = u8_at(self.rest, 1)? as usize;
        let end = 2 + len;
        let data = match self.rest.get(2..end) {
            Some(d) => d,
            None => {
                self.rest = &[];
                return None;
            }
        };
        self.rest = suffix(self.rest, end);
        Some(SenseDescriptor { code, data })
    }
}

/// Returns the descriptors of descriptor-format sense data in `buf`.
///
/// The iterator is empty for fixed-format or malformed sense data.
pub fn descriptors(buf: &[u8]) -> Descriptors<'_> {
    match u8_at(buf, 0).map(|b| b & 0x7f) {
        Some(RESPONSE_DESC_CURRENT) | Some(RESPONSE_DESC_DEFERRED) => {
            Descriptors::new(suffix(usable(buf), DESCRIPTOR_SENSE_HEADER_LEN))
        }
        _ => Descriptors::new(&[]),
    }
}

/// What to do with a completed command, as suggested by [`disposition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// The command succeeded (possibly with informational sense).
    Success,
    /// Retry the command now.
    Retry,
    /// Retry the command after a delay (device busy or becoming ready).
    RetryAfterDelay,
    /// CHECK CONDITION without usable sense data: fetch it with REQUEST
    /// SENSE, or fail the command.
    NeedsSense,
    /// Do not retry; complete the command with an error.
    Fail,
}

/// Suggests what to do after a command completed with `status` and,
/// for CHECK CONDITION, the decoded `sense`.
///
/// The table, kept deliberately simple (retry budgets and device quirks are
/// the caller's business):
///
/// | status                              | suggestion          |
/// |-------------------------------------|---------------------|
/// | GOOD, CONDITION MET                 | `Success`           |
/// | BUSY, TASK SET FULL, ACA ACTIVE     | `RetryAfterDelay`   |
/// | TASK ABORTED                        | `Retry`             |
/// | RESERVATION CONFLICT                | `Fail`              |
/// | CHECK CONDITION, no sense           | `NeedsSense`        |
/// | CHECK CONDITION, deferred error     | `Retry` (the command was not processed; log the error) |
/// | CHECK CONDITION, by sense key:      |                     |
/// | NO SENSE, RECOVERED ERROR, COMPLETED| `Success`           |
/// | NOT READY 04/01, 04/07, 04/08, 04/0A| `RetryAfterDelay` (becoming ready, operation / long write in progress, ALUA transition) |
/// | other NOT READY                     | `Fail` (includes no medium and START UNIT required: check the helpers) |
/// | UNIT ATTENTION                      | `Retry` (inspect the helpers first, e.g. medium or capacity change) |
/// | ABORTED COMMAND, ASC 0x10           | `Fail` (protection information error) |
/// | other ABORTED COMMAND               | `Retry`             |
/// | any other key                       | `Fail`              |
pub fn disposition(status: Status, sense: Option<&Sense>) -> Disposition {
    match status {
        Status::Good | Status::ConditionMet => Disposition::Success,
        Status::Busy | Status::TaskSetFull | Status::AcaActive => Disposition::RetryAfterDelay,
        Status::TaskAborted => Disposition::Retry,
        Status::ReservationConflict => Disposition::Fail,
        Status::CheckCondition => match sense {
            None => Disposition::NeedsSense,
            Some(s) => sense_disposition(s),
        },
    }
}

fn sense_disposition(s: &Sense) -> Disposition {
    if s.is_deferred() {
        return Disposition::Retry;
    }
    match s.key {
        SenseKey::NoSense | SenseKey::RecoveredError | SenseKey::Completed => Disposition::Success,
        SenseKey::NotReady => match (s.asc, s.ascq) {
            (0x04, 0x01) | (0x04, 0x07) | (0x04, 0x08) | (0x04, 0x0a) => {
                Disposition::RetryAfterDelay
            }
            _ => Disposition::Fail,
        },
        SenseKey::UnitAttention => Disposition::Retry,
        SenseKey::AbortedCommand => {
            if s.asc == 0x10 {
                Disposition::Fail
            } else {
                Disposition::Retry
            }
        }
        _ => Disposition::Fail,
    }
}

/// Builds current, fixed-format sense data (18 bytes, response code 0x70,
/// ADDITIONAL SENSE LENGTH 10) with the given key, ASC and ASCQ.
///
/// All other fields are zero; see [`set_fixed_info`], [`set_fixed_flags`]
/// and [`set_fixed_sense_key_specific`].
pub fn build_fixed(key: SenseKey, asc: u8, ascq: u8, out: &mut [u8; FIXED_SENSE_LEN]) {
    *out = [
        RESPONSE_FIXED_CURRENT,
        0,
        key.as_u8(),
        0,
        0,
        0,
        0,
        (FIXED_SENSE_LEN - 8) as u8,
        0,
        0,
        0,
        0,
        asc,
        ascq,
        0,
        0,
        0,
        0,
    ];
}

/// Sets the INFORMATION field and the VALID bit of fixed-format sense data.
pub fn set_fixed_info(out: &mut [u8; FIXED_SENSE_LEN], info: u32) {
    let i = info.to_be_bytes();
    out[0] |= 0x80;
    out[3] = i[0];
    out[4] = i[1];
    out[5] = i[2];
    out[6] = i[3];
}

/// Sets FILEMARK, EOM and ILI in fixed-format sense data, keeping the key.
pub fn set_fixed_flags(out: &mut [u8; FIXED_SENSE_LEN], filemark: bool, eom: bool, ili: bool) {
    let mut f = out[2] & 0x0f;
    if filemark {
        f |= 0x80;
    }
    if eom {
        f |= 0x40;
    }
    if ili {
        f |= 0x20;
    }
    out[2] = f;
}

/// Sets the SENSE KEY SPECIFIC bytes of fixed-format sense data, with SKSV.
pub fn set_fixed_sense_key_specific(out: &mut [u8; FIXED_SENSE_LEN], sks: [u8; 3]) {
    out[15] = sks[0] | 0x80;
    out[16] = sks[1];
    out[17] = sks[2];
}

/// Encodes a field pointer (for ILLEGAL REQUEST) as sense-key specific
/// bytes with SKSV set. A `bit` above 7 is treated as not reported.
pub const fn field_pointer_bytes(in_cdb: bool, byte: u16, bit: Option<u8>) -> [u8; 3] {
    let mut b0 = 0x80;
    if in_cdb {
        b0 |= 0x40;
    }
    if let Some(bit) = bit {
        if bit < 8 {
            b0 |= 0x08 | bit;
        }
    }
    let f = byte.to_be_bytes();
    [b0, f[0], f[1]]
}

/// Builds current, descriptor-format sense data without descriptors
/// (8 bytes, response code 0x72, ADDITIONAL SENSE LENGTH 0).
pub fn build_descriptor(
    key: SenseKey,
    asc: u8,
    ascq: u8,
    out: &mut [u8; DESCRIPTOR_SENSE_HEADER_LEN],
) {
    *out = [RESPONSE_DESC_CURRENT, key.as_u8(), asc, ascq, 0, 0, 0, 0];
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fixed format, current, UNIT ATTENTION, POWER ON RESET (06/29/00).
    const UA_POR: [u8; 18] = [
        0x70, 0, 0x06, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x29, 0x00, 0, 0, 0, 0,
    ];

    #[test]
    fn fixed_unit_attention() {
        let s = Sense::parse(&UA_POR).unwrap();
        assert_eq!(s.response, Response::Current);
        assert_eq!(s.format, Format::Fixed);
        assert_eq!(s.key, SenseKey::UnitAttention);
        assert_eq!((s.asc, s.ascq), (0x29, 0x00));
        assert_eq!(s.asc_ascq(), 0x2900);
        assert!(s.is_unit_attention());
        assert!(s.is_power_on_reset());
        assert!(!s.is_capacity_changed());
        assert!(!s.is_luns_changed());
        assert_eq!(s.info, None);
        assert_eq!(s.command_info, Some(0));
        assert_eq!(s.sense_key_specific, None);
        assert_eq!(
            disposition(Status::CheckCondition, Some(&s)),
            Disposition::Retry
        );
    }

    #[test]
    fn fixed_medium_error_with_info() {
        // VALID, MEDIUM ERROR, info = failing LBA 0x00123456, 11/00,
        // SKSV with retry count 3.
        let buf = [
            0xf0, 0, 0x03, 0x00, 0x12, 0x34, 0x56, 0x0a, 0, 0, 0, 0, 0x11, 0x00, 0x00, 0x80, 0x00,
            0x03,
        ];
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(s.key, SenseKey::MediumError);
        assert_eq!(s.info, Some(0x123456));
        assert_eq!(s.retry_count(), Some(3));
        assert_eq!(s.field_pointer(), None);
        assert_eq!(s.progress(), None);
        assert_eq!(
            disposition(Status::CheckCondition, Some(&s)),
            Disposition::Fail
        );
    }

    #[test]
    fn fixed_deferred() {
        let mut buf = UA_POR;
        buf[0] = 0x71;
        buf[2] = 0x03;
        let s = Sense::parse(&buf).unwrap();
        assert!(s.is_deferred());
        assert_eq!(
            disposition(Status::CheckCondition, Some(&s)),
            Disposition::Retry
        );
    }

    #[test]
    fn fixed_illegal_request_field_pointer() {
        // 05/24/00 INVALID FIELD IN CDB, SKSV, C/D, BPV bit 3, byte 2.
        let mut buf = [0u8; 18];
        build_fixed(SenseKey::IllegalRequest, 0x24, 0x00, &mut buf);
        set_fixed_sense_key_specific(&mut buf, field_pointer_bytes(true, 2, Some(3)));
        assert_eq!(&buf[15..], &[0xcb, 0x00, 0x02]);
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(
            s.field_pointer(),
            Some(FieldPointer {
                in_cdb: true,
                bit: Some(3),
                byte: 2
            })
        );
        assert!(s.is(SenseKey::IllegalRequest, asc::INVALID_FIELD_IN_CDB));
        assert_eq!(
            disposition(Status::CheckCondition, Some(&s)),
            Disposition::Fail
        );
        // No bit pointer, parameter list.
        assert_eq!(field_pointer_bytes(false, 0x0102, None), [0x80, 1, 2]);
        assert_eq!(field_pointer_bytes(false, 0, Some(9)), [0x80, 0, 0]);
    }

    #[test]
    fn fixed_tape_flags() {
        // FILEMARK + ILI, NO SENSE 00/01, residue 0x200 in INFORMATION.
        let mut buf = [0u8; 18];
        build_fixed(SenseKey::NoSense, 0x00, 0x01, &mut buf);
        set_fixed_flags(&mut buf, true, false, true);
        set_fixed_info(&mut buf, 0x200);
        assert_eq!(buf[0], 0xf0);
        assert_eq!(buf[2], 0xa0);
        let s = Sense::parse(&buf).unwrap();
        assert!(s.filemark && s.ili && !s.eom);
        assert_eq!(s.key, SenseKey::NoSense);
        assert_eq!(s.info, Some(0x200));
        assert!(s.is(SenseKey::NoSense, asc::FILEMARK_DETECTED));
        assert_eq!(
            disposition(Status::CheckCondition, Some(&s)),
            Disposition::Success
        );
        set_fixed_flags(&mut buf, false, true, false);
        assert_eq!(buf[2], 0x40);
    }

    #[test]
    fn fixed_short_buffers() {
        assert_eq!(Sense::parse(&[]), Err(Error::Truncated));
        assert_eq!(Sense::parse(&[0x70]), Err(Error::Truncated));
        assert_eq!(Sense::parse(&[0x70, 0]), Err(Error::Truncated));
        // Three bytes: key only.
        let s = Sense::parse(&[0x70, 0, 0x02]).unwrap();
        assert_eq!(s.key, SenseKey::NotReady);
        assert_eq!((s.asc, s.ascq, s.command_info), (0, 0, None));
        // VALID set but info truncated.
        let s = Sense::parse(&[0xf0, 0, 0x02, 1, 2]).unwrap();
        assert_eq!(s.info, None);
    }

    #[test]
    fn fixed_additional_length_limits() {
        // Additional length 0: ASC beyond the usable length reads as zero.
        let mut buf = UA_POR;
        buf[7] = 0;
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(s.key, SenseKey::UnitAttention);
        assert_eq!(s.asc, 0);
        assert_eq!(s.command_info, None);
        // Additional length larger than the buffer: the buffer wins.
        let mut buf = UA_POR;
        buf[7] = 0xf4;
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(s.asc, 0x29);
    }

    #[test]
    fn response_codes() {
        let mut buf = UA_POR;
        buf[0] = 0x7f;
        assert_eq!(Sense::parse(&buf), Err(Error::Unsupported));
        for rc in [0x00u8, 0x01, 0x6f, 0x74, 0x7e, 0x0f] {
            buf[0] = rc;
            assert_eq!(Sense::parse(&buf), Err(Error::Invalid), "rc {rc:#x}");
        }
        // The VALID bit does not change the response code.
        buf[0] = 0xf0;
        assert!(Sense::parse(&buf).is_ok());
        buf[0] = 0xf2;
        assert!(Sense::parse(&buf).is_ok());
    }

    #[test]
    fn descriptor_capacity_changed() {
        let buf = [0x72, 0x06, 0x2a, 0x09, 0, 0, 0, 0];
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(s.format, Format::Descriptor);
        assert!(s.is_capacity_changed());
        assert!(!s.is_mode_parameters_changed());
        assert_eq!(s.info, None);
        assert_eq!(descriptors(&buf).count(), 0);
    }

    #[test]
    fn descriptor_with_descriptors() {
        let buf = [
            0x72, 0x03, 0x11, 0x00, 0, 0, 0, 0x20, // header, 32 bytes follow
            0x00, 0x0a, 0x80, 0x00, 0, 0, 0, 1, 0x23, 0x45, 0x67, 0x89, // information
            0x02, 0x06, 0x80, 0x00, 0x05, 0, 0, 0, // sense key specific
            0x03, 0x02, 0x00, 0x42, // FRU
            0x05, 0x02, 0x00, 0x20, // block commands: ILI
            0x80, 0x02, 0xaa, 0xbb, // vendor-specific descriptor
        ];
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(s.key, SenseKey::MediumError);
        assert_eq!(s.info, Some(0x1_2345_6789));
        assert_eq!(s.sense_key_specific, Some([0x80, 0x00, 0x05]));
        assert_eq!(s.retry_count(), Some(5));
        assert_eq!(s.fru, 0x42);
        assert!(s.ili);
        let codes: std::vec::Vec<u8> = descriptors(&buf).map(|d| d.code).collect();
        assert_eq!(codes, [0x00, 0x02, 0x03, 0x05, 0x80]);
        let last = descriptors(&buf).last().unwrap();
        assert_eq!(last.data, &[0xaa, 0xbb]);
    }

    #[test]
    fn descriptor_stream_and_command_info() {
        let buf = [
            0x73, 0x00, 0x00, 0x02, 0, 0, 0, 0x1c, //
            0x04, 0x02, 0x00, 0xc0, // FILEMARK + EOM
            0x01, 0x0a, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0x10, 0x00, // cmd info
            0x00, 0x0a, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 9, // info, VALID clear
        ];
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(s.response, Response::Deferred);
        assert!(s.filemark && s.eom && !s.ili);
        assert_eq!(s.command_info, Some(0x1000));
        assert_eq!(s.info, None);
    }

    #[test]
    fn descriptor_truncated_and_overlong() {
        assert_eq!(Sense::parse(&[0x72, 0x02, 0x3a]), Err(Error::Truncated));
        let s = Sense::parse(&[0x72, 0x02, 0x3a, 0x00]).unwrap();
        assert!(s.is_medium_not_present());
        // Descriptor claims more bytes than present: ignored, no panic.
        let buf = [
            0x72, 0x02, 0x3a, 0x01, 0, 0, 0, 0x10, 0x00, 0x0a, 0x80, 0, 0, 0,
        ];
        let s = Sense::parse(&buf).unwrap();
        assert_eq!(s.info, None);
        assert!(s.is_medium_not_present());
        assert_eq!(descriptors(&buf).count(), 0);
        // Additional length cuts a descriptor short.
        let buf = [
            0x72, 0x05, 0x24, 0, 0, 0, 0, 0x03, 0x02, 0x06, 0x80, 0, 0, 0, 0, 0,
        ];
        assert_eq!(Sense::parse(&buf).unwrap().sense_key_specific, None);
        // Header only, odd trailing byte.
        let buf = [0x72, 0x05, 0x24, 0, 0, 0, 0, 0x01, 0x00];
        assert_eq!(descriptors(&buf).count(), 0);
        // Fixed-format data has no descriptors.
        assert_eq!(descriptors(&UA_POR).count(), 0);
        assert_eq!(descriptors(&[]).count(), 0);
    }

    #[test]
    fn helpers() {
        let mk = |k: SenseKey, a: u8, q: u8| {
            let mut b = [0u8; 18];
            build_fixed(k, a, q, &mut b);
            Sense::parse(&b).unwrap()
        };
        assert!(mk(SenseKey::NotReady, 0x3a, 0x00).is_medium_not_present());
        assert!(mk(SenseKey::NotReady, 0x3a, 0x02).is_medium_not_present());
        assert!(!mk(SenseKey::UnitAttention, 0x3a, 0x00).is_medium_not_present());
        assert!(mk(SenseKey::UnitAttention, 0x2a, 0x09).is_capacity_changed());
        assert!(!mk(SenseKey::UnitAttention, 0x2a, 0x01).is_capacity_changed());
        assert!(mk(SenseKey::UnitAttention, 0x2a, 0x01).is_mode_parameters_changed());
        assert!(mk(SenseKey::UnitAttention, 0x3f, 0x0e).is_luns_changed());
        assert!(!mk(SenseKey::UnitAttention, 0x3f, 0x03).is_luns_changed());
        assert!(mk(SenseKey::UnitAttention, 0x29, 0x02).is_power_on_reset());
        assert!(!mk(SenseKey::NotReady, 0x29, 0x00).is_power_on_reset());
        assert!(mk(SenseKey::UnitAttention, 0x28, 0x00).is_medium_may_have_changed());
        assert!(mk(SenseKey::NotReady, 0x04, 0x01).is_becoming_ready());
        assert!(mk(SenseKey::NotReady, 0x04, 0x02).is_start_unit_required());
        let p = mk(SenseKey::NotReady, 0x04, 0x04);
        assert_eq!(p.progress(), None);
        let mut b = [0u8; 18];
        build_fixed(SenseKey::NotReady, 0x04, 0x04, &mut b);
        set_fixed_sense_key_specific(&mut b, [0, 0x80, 0x00]);
        assert_eq!(Sense::parse(&b).unwrap().progress(), Some(0x8000));
    }

    #[test]
    fn disposition_table() {
        let mk = |k: SenseKey, a: u8, q: u8| {
            let mut b = [0u8; 18];
            build_fixed(k, a, q, &mut b);
            Sense::parse(&b).unwrap()
        };
        let cc = Status::CheckCondition;
        assert_eq!(disposition(Status::Good, None), Disposition::Success);
        assert_eq!(
            disposition(Status::ConditionMet, None),
            Disposition::Success
        );
        assert_eq!(
            disposition(Status::Busy, None),
            Disposition::RetryAfterDelay
        );
        assert_eq!(
            disposition(Status::TaskSetFull, None),
            Disposition::RetryAfterDelay
        );
        assert_eq!(
            disposition(Status::AcaActive, None),
            Disposition::RetryAfterDelay
        );
        assert_eq!(disposition(Status::TaskAborted, None), Disposition::Retry);
        assert_eq!(
            disposition(Status::ReservationConflict, None),
            Disposition::Fail
        );
        assert_eq!(disposition(cc, None), Disposition::NeedsSense);
        let d = |k, a, q| disposition(cc, Some(&mk(k, a, q)));
        assert_eq!(
            d(SenseKey::RecoveredError, 0x17, 0x01),
            Disposition::Success
        );
        assert_eq!(d(SenseKey::Completed, 0, 0), Disposition::Success);
        assert_eq!(
            d(SenseKey::NotReady, 0x04, 0x01),
            Disposition::RetryAfterDelay
        );
        assert_eq!(
            d(SenseKey::NotReady, 0x04, 0x0a),
            Disposition::RetryAfterDelay
        );
        assert_eq!(d(SenseKey::NotReady, 0x04, 0x02), Disposition::Fail);
        assert_eq!(d(SenseKey::NotReady, 0x3a, 0x00), Disposition::Fail);
        assert_eq!(d(SenseKey::UnitAttention, 0x2a, 0x09), Disposition::Retry);
        assert_eq!(d(SenseKey::AbortedCommand, 0x47, 0x00), Disposition::Retry);
        assert_eq!(d(SenseKey::AbortedCommand, 0x10, 0x01), Disposition::Fail);
        assert_eq!(d(SenseKey::HardwareError, 0x44, 0x00), Disposition::Fail);
        assert_eq!(d(SenseKey::DataProtect, 0x27, 0x00), Disposition::Fail);
        assert_eq!(d(SenseKey::IllegalRequest, 0x20, 0x00), Disposition::Fail);
    }

    #[test]
    fn builders() {
        let mut b = [0xffu8; 18];
        build_fixed(SenseKey::IllegalRequest, 0x20, 0x00, &mut b);
        assert_eq!(
            b,
            [0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0]
        );
        let mut d = [0xffu8; 8];
        build_descriptor(SenseKey::UnitAttention, 0x3f, 0x0e, &mut d);
        assert_eq!(d, [0x72, 6, 0x3f, 0x0e, 0, 0, 0, 0]);
        assert!(Sense::parse(&d).unwrap().is_luns_changed());
    }

    #[test]
    fn sense_key_names_and_values() {
        for v in 0u8..16 {
            let k = SenseKey::from_u8(v);
            assert_eq!(k.as_u8(), v);
            assert_eq!(SenseKey::from_u8(v | 0xf0), k);
            assert!(!k.name().is_empty());
        }
        assert_eq!(SenseKey::UnitAttention.name(), "UNIT ATTENTION");
    }
}
