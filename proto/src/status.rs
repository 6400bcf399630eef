// SPDX-License-Identifier: GPL-2.0

//! SAM status codes.
//!
//! The status byte a logical unit returns at the end of every command
//! (SAM-5, "Status"). Obsolete codes (INTERMEDIATE, INTERMEDIATE-CONDITION
//! MET, COMMAND TERMINATED) and reserved values are not represented:
//! [`Status::from_u8`] returns `None` for them.

/// A SAM status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Status {
    /// GOOD: the command completed successfully.
    Good = 0x00,
    /// CHECK CONDITION: sense data describes an error or exception.
    CheckCondition = 0x02,
    /// CONDITION MET: a PRE-FETCH found the requested resources available.
    ConditionMet = 0x04,
    /// BUSY: the logical unit cannot accept the command now.
    Busy = 0x08,
    /// RESERVATION CONFLICT: another initiator holds a conflicting
    /// reservation.
    ReservationConflict = 0x18,
    /// TASK SET FULL: the task set has no room for another command.
    TaskSetFull = 0x28,
    /// ACA ACTIVE: an auto contingent allegiance condition exists.
    AcaActive = 0x30,
    /// TASK ABORTED: the command was aborted by another initiator's action.
    TaskAborted = 0x40,
}

impl Status {
    /// Decodes a status byte; `None` for obsolete or reserved values.
    pub const fn from_u8(v: u8) -> Option<Status> {
        match v {
            0x00 => Some(Status::Good),
            0x02 => Some(Status::CheckCondition),
            0x04 => Some(Status::ConditionMet),
            0x08 => Some(Status::Busy),
            0x18 => Some(Status::ReservationConflict),
            0x28 => Some(Status::TaskSetFull),
            0x30 => Some(Status::AcaActive),
            0x40 => Some(Status::TaskAborted),
            _ => None,
        }
    }

    /// Returns the status byte.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// Returns `true` for GOOD and CONDITION MET, the two successful statuses.
    pub const fn is_success(self) -> bool {
        matches!(self, Status::Good | Status::ConditionMet)
    }

    /// Returns the upper-case name used by the standards (e.g. `"CHECK CONDITION"`).
    pub const fn name(self) -> &'static str {
        match self {
            Status::Good => "GOOD",
            Status::CheckCondition => "CHECK CONDITION",
            Status::ConditionMet => "CONDITION MET",
            Status::Busy => "BUSY",
            Status::ReservationConflict => "RESERVATION CONFLICT",
            Status::TaskSetFull => "TASK SET FULL",
            Status::AcaActive => "ACA ACTIVE",
            Status::TaskAborted => "TASK ABORTED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_codes() {
        let codes = [0x00u8, 0x02, 0x04, 0x08, 0x18, 0x28, 0x30, 0x40];
        for c in codes {
            let s = Status::from_u8(c).expect("known status");
            assert_eq!(s.as_u8(), c);
        }
    }

    #[test]
    fn unknown_and_obsolete_codes() {
        // 0x10 INTERMEDIATE, 0x14 INTERMEDIATE-CONDITION MET and 0x22
        // COMMAND TERMINATED are obsolete.
        for c in [0x01u8, 0x10, 0x14, 0x22, 0x7f, 0xff] {
            assert_eq!(Status::from_u8(c), None);
        }
        let known = (0u8..=255)
            .filter(|&c| Status::from_u8(c).is_some())
            .count();
        assert_eq!(known, 8);
    }

    #[test]
    fn success_and_names() {
        assert!(Status::Good.is_success());
        assert!(Status::ConditionMet.is_success());
        assert!(!Status::CheckCondition.is_success());
        assert!(!Status::Busy.is_success());
        assert_eq!(Status::ReservationConflict.name(), "RESERVATION CONFLICT");
        assert_eq!(Status::TaskSetFull.as_u8(), 0x28);
    }
}
