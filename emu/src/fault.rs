// SPDX-License-Identifier: GPL-2.0

//! Fault injection, configured at run time by the front end (from module
//! parameters, sysfs or debugfs).
//!
//! Each rule counts the commands that reach it, from the moment it is set:
//!
//! - drop: the Nth command is never completed ([`Action::Drop`]), so that
//!   the initiator's timeout and error handler run;
//! - busy: the next K commands end with BUSY or TASK SET FULL, no sense;
//! - fail: the Nth command (or every Nth, optionally only those with a
//!   given operation code) ends with CHECK CONDITION and the configured
//!   sense key, ASC and ASCQ, without being executed;
//! - delay: every completion is deferred by D milliseconds
//!   ([`Action::Delay`]).
//!
//! The rules are checked in that order before the command is executed; a
//! command stopped by one rule does not advance the counters of the later
//! ones. Injected failures happen before unit attention processing, so
//! they do not consume a pending unit attention.
//!
//! [`Action::Drop`]: super::outcome::Action::Drop
//! [`Action::Delay`]: super::outcome::Action::Delay

use super::outcome::Check;
use super::sense::SenseKey;
use super::status::Status;

/// An injected CHECK CONDITION rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FailRule {
    nth: u32,
    every: bool,
    opcode: Option<u8>,
    check: Check,
    seen: u32,
}

/// What the fault rules decided for a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Execute the command normally.
    Run,
    /// Do not execute it and never complete it.
    Drop,
    /// Do not execute it; end it with this status and no sense.
    Status(Status),
    /// Do not execute it; end it with CHECK CONDITION.
    Fail(Check),
}

/// The fault injection state of one logical unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Faults {
    commands: u64,
    drop_nth: u32,
    drop_seen: u32,
    busy_left: u32,
    busy_status: Option<Status>,
    fail: Option<FailRule>,
    delay_ms: u32,
    injected: u64,
}

impl Faults {
    /// No faults.
    pub const fn new() -> Faults {
        Faults {
            commands: 0,
            drop_nth: 0,
            drop_seen: 0,
            busy_left: 0,
            busy_status: None,
            fail: None,
            delay_ms: 0,
            injected: 0,
        }
    }

    /// Removes every rule (the counters of commands and injected faults
    /// are kept).
    pub fn clear(&mut self) {
        *self = Faults {
            commands: self.commands,
            injected: self.injected,
            ..Faults::new()
        };
    }

    /// The `n`th command from now (1 = the next one) is never completed.
    /// `n == 0` disables the rule. The rule fires once.
    pub fn drop_nth(&mut self, n: u32) {
        self.drop_nth = n;
        self.drop_seen = 0;
    }

    /// The next `k` commands end with BUSY status.
    pub fn busy(&mut self, k: u32) {
        self.busy_left = k;
        self.busy_status = Some(Status::Busy);
    }

    /// The next `k` commands end with TASK SET FULL status.
    pub fn task_set_full(&mut self, k: u32) {
        self.busy_left = k;
        self.busy_status = Some(Status::TaskSetFull);
    }

    /// The `n`th command from now (counting only commands with operation
    /// code `opcode`, when given) ends with CHECK CONDITION and sense
    /// `key`/`asc`/`ascq` instead of being executed. Fires once; `n == 0`
    /// disables the rule.
    pub fn fail_nth(&mut self, n: u32, opcode: Option<u8>, key: SenseKey, asc: u8, ascq: u8) {
        self.set_fail(n, false, opcode, key, asc, ascq);
    }

    /// Like [`Faults::fail_nth`], but fails every `n`th matching command.
    pub fn fail_every(&mut self, n: u32, opcode: Option<u8>, key: SenseKey, asc: u8, ascq: u8) {
        self.set_fail(n, true, opcode, key, asc, ascq);
    }

    fn set_fail(
        &mut self,
        n: u32,
        every: bool,
        opcode: Option<u8>,
        key: SenseKey,
        asc: u8,
        ascq: u8,
    ) {
        self.fail = if n == 0 {
            None
        } else {
            Some(FailRule {
                nth: n,
                every,
                opcode,
                check: Check::new(key, (asc, ascq)),
                seen: 0,
            })
        };
    }

    /// Delays every completion by `ms` milliseconds (0: no delay).
    pub fn delay(&mut self, ms: u32) {
        self.delay_ms = ms;
    }

    /// The configured completion delay in milliseconds.
    pub fn delay_ms(&self) -> u32 {
        self.delay_ms
    }

    /// Commands seen by this logical unit.
    pub fn commands(&self) -> u64 {
        self.commands
    }

    /// Faults injected so far (drops, busy statuses and failures).
    pub fn injected(&self) -> u64 {
        self.injected
    }

    /// `true` if any rule is armed (delay included).
    pub fn armed(&self) -> bool {
        self.drop_nth != 0 || self.busy_left != 0 || self.fail.is_some() || self.delay_ms != 0
    }

    /// Counts a command with operation code `opcode` and decides its fate.
    pub fn verdict(&mut self, opcode: u8) -> Verdict {
        self.commands = self.commands.wrapping_add(1);
        let v = self.decide(opcode);
        if v != Verdict::Run {
            self.injected = self.injected.wrapping_add(1);
        }
        v
    }

    fn decide(&mut self, opcode: u8) -> Verdict {
        if self.drop_nth != 0 {
            self.drop_seen = self.drop_seen.saturating_add(1);
            if self.drop_seen >= self.drop_nth {
                self.drop_nth = 0;
                self.drop_seen = 0;
                return Verdict::Drop;
            }
        }
        if self.busy_left != 0 {
            self.busy_left -= 1;
            return Verdict::Status(self.busy_status.unwrap_or(Status::Busy));
        }
        if let Some(rule) = self.fail.as_mut() {
            if rule.opcode.is_none_or(|op| op == opcode) {
                rule.seen = rule.seen.saturating_add(1);
                if rule.seen >= rule.nth {
                    let check = rule.check;
                    if rule.every {
                        rule.seen = 0;
                    } else {
                        self.fail = None;
                    }
                    return Verdict::Fail(check);
                }
            }
        }
        Verdict::Run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_armed() {
        let mut f = Faults::new();
        assert!(!f.armed());
        for _ in 0..5 {
            assert_eq!(f.verdict(0x28), Verdict::Run);
        }
        assert_eq!(f.commands(), 5);
        assert_eq!(f.injected(), 0);
    }

    #[test]
    fn fail_nth_once_with_opcode() {
        let mut f = Faults::new();
        f.fail_nth(2, Some(0x2a), SenseKey::MediumError, 0x0c, 0x00);
        assert_eq!(f.verdict(0x28), Verdict::Run);
        assert_eq!(f.verdict(0x2a), Verdict::Run);
        assert_eq!(f.verdict(0x28), Verdict::Run);
        match f.verdict(0x2a) {
            Verdict::Fail(c) => assert!(c.is(SenseKey::MediumError, (0x0c, 0))),
            v => panic!("{v:?}"),
        }
        assert_eq!(f.verdict(0x2a), Verdict::Run);
        assert_eq!(f.injected(), 1);
    }

    #[test]
    fn fail_every() {
        let mut f = Faults::new();
        f.fail_every(3, None, SenseKey::AbortedCommand, 0x47, 0);
        let pattern: std::vec::Vec<bool> = (0..9)
            .map(|_| matches!(f.verdict(0), Verdict::Fail(_)))
            .collect();
        assert_eq!(
            pattern,
            [false, false, true, false, false, true, false, false, true]
        );
        f.fail_every(0, None, SenseKey::AbortedCommand, 0x47, 0);
        assert_eq!(f.verdict(0), Verdict::Run);
    }

    #[test]
    fn busy_then_task_set_full() {
        let mut f = Faults::new();
        f.busy(2);
        assert_eq!(f.verdict(0), Verdict::Status(Status::Busy));
        assert_eq!(f.verdict(0), Verdict::Status(Status::Busy));
        assert_eq!(f.verdict(0), Verdict::Run);
        f.task_set_full(1);
        assert_eq!(f.verdict(0), Verdict::Status(Status::TaskSetFull));
        assert_eq!(f.verdict(0), Verdict::Run);
    }

    #[test]
    fn drop_precedes_busy_and_fail() {
        let mut f = Faults::new();
        f.drop_nth(2);
        f.busy(1);
        f.fail_nth(1, None, SenseKey::HardwareError, 0x44, 0);
        // Command 1: not dropped, busy (fail not reached).
        assert_eq!(f.verdict(0), Verdict::Status(Status::Busy));
        // Command 2: dropped.
        assert_eq!(f.verdict(0), Verdict::Drop);
        // Command 3: fail rule sees its first command.
        assert!(matches!(f.verdict(0), Verdict::Fail(_)));
        assert_eq!(f.verdict(0), Verdict::Run);
        assert_eq!(f.injected(), 3);
        f.delay(5);
        assert!(f.armed());
        assert_eq!(f.delay_ms(), 5);
        f.clear();
        assert!(!f.armed());
        assert_eq!(f.commands(), 4);
    }
}
