// SPDX-License-Identifier: GPL-2.0

//! A logical unit: configuration, the command entry point and the state
//! every kind shares (SAM-5 task handling as far as one LU goes, SPC-4).
//!
//! [`Lun::execute`] runs one command to completion. In order:
//!
//! 1. fault injection ([`super::fault`]) may drop the command, end it with
//!    BUSY / TASK SET FULL, or fail it with the configured sense;
//! 2. the CDB must be as long as its operation code says, and the CONTROL
//!    byte may not ask for NACA or linked commands;
//! 3. a pending unit attention ends the command with CHECK CONDITION,
//!    except for INQUIRY, REPORT LUNS and REQUEST SENSE (SPC-4) and, on a
//!    CD-ROM, GET CONFIGURATION and GET EVENT STATUS NOTIFICATION (MMC-6);
//! 4. the command runs: TEST UNIT READY, INQUIRY, REQUEST SENSE, REPORT
//!    LUNS, MODE SENSE/SELECT, PREVENT ALLOW MEDIUM REMOVAL, SEND DIAGNOSTIC
//!    and REPORT SUPPORTED OPERATION CODES here, everything else in the device kind; an unknown
//!    operation code is INVALID COMMAND OPERATION CODE.
//!
//! Sense data is fixed format, returned with the CHECK CONDITION
//! (autosense); nothing is kept for a later REQUEST SENSE, which reports a
//! pending unit attention (and clears it), the not-ready condition, or NO
//! SENSE.

use super::cdb;
use super::cdrom::{CdRom, CdRomModes};
use super::databuf::{DataBuf, Xfer};
use super::disk::Disk;
use super::error::Error;
use super::fault::{Faults, Verdict};
use super::opcodes;
use super::outcome::{Action, Check, CmdResult, Outcome, DESCRIPTOR_SENSE_MAX};
use super::sense::{asc, SenseKey};
use super::spc::{self, cdb_u8, reserved, Device, Identity};
use super::tape::Tape;
use super::target::{self, Target};
use super::ua::UnitAttentions;

/// The kind of device a logical unit emulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Direct-access block device (SBC-3).
    Disk,
    /// CD-ROM drive (MMC-6).
    CdRom,
    /// Tape drive (SSC-4).
    Tape,
}

/// How to build a logical unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config<'s> {
    /// Device kind.
    pub kind: Kind,
    /// Logical block size of a disk: 512, 1024, 2048 or 4096 (ignored for
    /// the other kinds: a CD-ROM has 2048-byte blocks, a tape records).
    pub block_size: u32,
    /// T10 vendor identification (8 characters used).
    pub vendor: &'s str,
    /// Product identification (16 characters used).
    pub product: &'s str,
    /// Product revision level (4 characters used).
    pub revision: &'s str,
    /// Unit serial number (20 characters used); empty: `unit_id` in hex.
    pub serial: &'s str,
    /// Unique identifier of the unit, for the NAA designator of VPD page
    /// 0x83 (60 bits used).
    pub unit_id: u64,
    /// The medium is write protected (disk, tape).
    pub write_protect: bool,
    /// The disk is removable (RMB; START STOP UNIT with LOEJ ejects).
    /// CD-ROM and tape units are always removable.
    pub removable: bool,
    /// The disk is thin provisioned (UNMAP, WRITE SAME with UNMAP).
    pub thin: bool,
    /// CD-ROM and tape: a medium is loaded at power on.
    pub loaded: bool,
}

impl Config<'static> {
    /// Defaults for `kind`: 512-byte blocks, identification strings naming
    /// the kind, writable, not removable, fully provisioned, loaded.
    pub const fn new(kind: Kind) -> Config<'static> {
        Config {
            kind,
            block_size: 512,
            vendor: "Linux",
            product: match kind {
                Kind::Disk => "scsi_rs disk",
                Kind::CdRom => "scsi_rs cdrom",
                Kind::Tape => "scsi_rs tape",
            },
            revision: "0001",
            serial: "",
            unit_id: 0x0052_5553_5400_0000,
            write_protect: false,
            removable: false,
            thin: false,
            loaded: true,
        }
    }
}

/// The state of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dev {
    Disk(Disk),
    Cd(CdRom),
    Tape(Tape),
}

/// One emulated logical unit.
///
/// The backing storage is not part of it: the front end passes it to every
/// call that may touch the medium (`medium`), so that it can own both side
/// by side. Pass the same slice every time; resize it only together with
/// [`Lun::capacity_changed`] (disk) or a medium change (CD-ROM, tape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lun {
    kind: Kind,
    id: Identity,
    rmb: bool,
    dev: Dev,
    ua: UnitAttentions,
    faults: Faults,
    prevent: bool,
    luns_gen: Option<u32>,
    aborts: u64,
}

/// Operation codes that do not report (nor clear) a unit attention.
fn ua_exempt(kind: Kind, op: u8) -> bool {
    match op {
        cdb::INQUIRY | cdb::REPORT_LUNS | cdb::REQUEST_SENSE => true,
        cdb::GET_CONFIGURATION | cdb::GET_EVENT_STATUS_NOTIFICATION => kind == Kind::CdRom,
        _ => false,
    }
}

impl Lun {
    /// Builds a logical unit with a pending POWER ON, RESET, OR BUS DEVICE
    /// RESET OCCURRED unit attention. [`Error::Invalid`] for an unsupported
    /// disk block size.
    pub fn new(cfg: &Config<'_>) -> Result<Lun, Error> {
        let dev = match cfg.kind {
            Kind::Disk => {
                if !matches!(cfg.block_size, 512 | 1024 | 2048 | 4096) {
                    return Err(Error::Invalid);
                }
                Dev::Disk(Disk::new(cfg))
            }
            Kind::CdRom => Dev::Cd(CdRom::new(cfg.loaded)),
            Kind::Tape => Dev::Tape(Tape::new(cfg.loaded, cfg.write_protect)),
        };
        let mut ua = UnitAttentions::new();
        ua.push(asc::POWER_ON_RESET);
        Ok(Lun {
            kind: cfg.kind,
            id: Identity::new(
                cfg.vendor,
                cfg.product,
                cfg.revision,
                cfg.serial,
                cfg.unit_id,
            ),
            rmb: cfg.kind != Kind::Disk || cfg.removable,
            dev,
            ua,
            faults: Faults::new(),
            prevent: false,
            luns_gen: None,
            aborts: 0,
        })
    }

    /// The device kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The disk state, for a disk.
    pub fn disk(&self) -> Option<&Disk> {
        match &self.dev {
            Dev::Disk(d) => Some(d),
            _ => None,
        }
    }

    /// The drive state, for a CD-ROM.
    pub fn cdrom(&self) -> Option<&CdRom> {
        match &self.dev {
            Dev::Cd(c) => Some(c),
            _ => None,
        }
    }

    /// The drive state, for a tape.
    pub fn tape(&self) -> Option<&Tape> {
        match &self.dev {
            Dev::Tape(t) => Some(t),
            _ => None,
        }
    }

    /// Fault injection settings and counters.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Fault injection settings, to change them.
    pub fn faults_mut(&mut self) -> &mut Faults {
        &mut self.faults
    }

    /// The pending unit attention conditions, `(ASC, ASCQ)`, oldest first.
    pub fn pending_unit_attentions(&self) -> &[(u8, u8)] {
        self.ua.as_slice()
    }

    /// Queues a unit attention condition with `asc`/`ascq`.
    pub fn queue_unit_attention(&mut self, asc: u8, ascq: u8) {
        self.ua.push((asc, ascq));
    }

    /// Queues CAPACITY DATA HAS CHANGED (after resizing a disk's storage).
    pub fn capacity_changed(&mut self) {
        self.ua.push(asc::CAPACITY_DATA_CHANGED);
    }

    /// `true` if PREVENT ALLOW MEDIUM REMOVAL prevents removal.
    pub fn removal_prevented(&self) -> bool {
        self.prevent
    }

    /// Sets or clears write protection (disk, tape).
    pub fn set_write_protect(&mut self, wp: bool) {
        match &mut self.dev {
            Dev::Disk(d) => d.set_write_protect(wp),
            Dev::Tape(t) => t.set_write_protect(wp),
            Dev::Cd(_) => {}
        }
    }

    /// A new medium was put in (CD-ROM: disc inserted and tray closed;
    /// tape: cartridge loaded at BOP). Queues MEDIUM MAY HAVE CHANGED.
    /// For a disk it only queues the unit attention.
    pub fn insert_medium(&mut self) {
        match &mut self.dev {
            Dev::Cd(c) => c.insert(&mut self.ua),
            Dev::Tape(t) => t.load(&mut self.ua),
            Dev::Disk(_) => self.ua.push(asc::MEDIUM_MAY_HAVE_CHANGED),
        }
    }

    /// The medium was taken out by the operator (CD-ROM, tape), whatever
    /// PREVENT ALLOW MEDIUM REMOVAL says (a forced eject). After this the
    /// front end may drop or replace its slice.
    pub fn remove_medium(&mut self) {
        match &mut self.dev {
            Dev::Cd(c) => c.remove(),
            Dev::Tape(t) => t.unload(),
            Dev::Disk(_) => {}
        }
    }

    /// The operator pressed the CD-ROM eject button: the tray opens unless
    /// removal is prevented, which only raises an eject request event.
    /// Returns `true` if the tray opened; always `false` for other kinds.
    pub fn eject_button(&mut self) -> bool {
        match &mut self.dev {
            Dev::Cd(c) => c.eject_button(self.prevent),
            _ => false,
        }
    }

    /// The operator closes the CD-ROM tray (loading the disc on it).
    pub fn close_tray(&mut self) {
        if let Dev::Cd(c) = &mut self.dev {
            c.close_tray(&mut self.ua);
        }
    }

    /// `true` if the medium can be accessed: a disk that is loaded, a
    /// CD-ROM with a disc and the tray closed, a loaded tape.
    pub fn medium_present(&self) -> bool {
        match &self.dev {
            Dev::Disk(d) => d.loaded(),
            Dev::Cd(c) => c.medium_ready(),
            Dev::Tape(t) => t.loaded(),
        }
    }

    /// Task management ABORT TASK for `tag`. Commands run to completion in
    /// [`Lun::execute`], so a task the front end still holds (delayed, or
    /// dropped by fault injection) has no device state left to undo: the
    /// front end just never completes it. Returns `true` (function
    /// complete); counted in [`Lun::aborts`].
    pub fn abort(&mut self, _tag: u64) -> bool {
        self.aborts = self.aborts.saturating_add(1);
        true
    }

    /// Task management aborts seen.
    pub fn aborts(&self) -> u64 {
        self.aborts
    }

    /// A hard reset (power on, bus or target reset): queues POWER ON,
    /// RESET, OR BUS DEVICE RESET OCCURRED (29/00) in place of every other
    /// unit attention, releases the medium lock and spins a disk up. The
    /// tape position and the mode parameters are kept.
    pub fn reset(&mut self) {
        self.reset_common(asc::POWER_ON_RESET);
        if let Dev::Disk(d) = &mut self.dev {
            d.power_on();
        }
    }

    /// LOGICAL UNIT RESET: queues 29/03 in place of every other unit
    /// attention and releases the medium lock.
    pub fn lun_reset(&mut self) {
        self.reset_common((0x29, 0x03));
    }

    fn reset_common(&mut self, code: (u8, u8)) {
        self.prevent = false;
        self.ua.push(code);
    }

    /// Catches up with the target's REPORT LUNS generation: a LUN added or
    /// removed since this LU last looked queues REPORTED LUNS DATA HAS
    /// CHANGED. The first look only records the generation.
    pub(crate) fn sync_luns_generation(&mut self, gen: u32) {
        match self.luns_gen {
            Some(g) if g == gen => {}
            Some(_) => {
                self.ua.push(asc::REPORTED_LUNS_DATA_CHANGED);
                self.luns_gen = Some(gen);
            }
            None => self.luns_gen = Some(gen),
        }
    }

    /// Executes one command as a single-LU target (REPORT LUNS lists LUN 0
    /// only). See [`Target::execute`] for a target with several LUs.
    pub fn execute(&mut self, medium: &mut [u8], cdb: &[u8], data: &mut dyn DataBuf) -> Outcome {
        self.execute_in(None, medium, cdb, data)
    }

    /// Executes one command; `target` answers REPORT LUNS.
    pub(crate) fn execute_in(
        &mut self,
        target: Option<&Target>,
        medium: &mut [u8],
        cdb: &[u8],
        data: &mut dyn DataBuf,
    ) -> Outcome {
        let op = cdb_u8(cdb, 0);
        let mut x = Xfer::new(data);
        let mut out = match self.faults.verdict(op) {
            Verdict::Drop => {
                let mut o = Outcome::good();
                o.resid = x.resid();
                o.action = Action::Drop;
                return o;
            }
            Verdict::Status(s) => Outcome::with_status(s),
            Verdict::Fail(c) => Outcome::check(&c),
            Verdict::Run => match self.dispatch(target, medium, cdb, &mut x) {
                Ok(()) => Outcome::good(),
                Err(c) => Outcome::check(&c),
            },
        };
        out.resid = x.resid();
        let d = self.faults.delay_ms();
        if d != 0 {
            out.action = Action::Delay(d);
        }
        out
    }

    fn dispatch(
        &mut self,
        target: Option<&Target>,
        medium: &mut [u8],
        cdb: &[u8],
        x: &mut Xfer<'_>,
    ) -> CmdResult {
        let op = cdb_u8(cdb, 0);
        check_cdb(cdb)?;
        if !ua_exempt(self.kind, op) {
            if let Some(code) = self.ua.pop() {
                return Err(Check::unit_attention(code));
            }
        }
        match op {
            cdb::TEST_UNIT_READY => {
                for i in 1..5 {
                    reserved(cdb, i, 0xff)?;
                }
                self.ready(medium.len())
            }
            cdb::INQUIRY => {
                let (id, rmb, len) = (self.id, self.rmb, medium.len());
                self.with_device(|d| spc::inquiry(cdb, x, &id, rmb, d, len))
            }
            cdb::REQUEST_SENSE => self.request_sense(cdb, x, medium.len()),
            cdb::REPORT_LUNS => {
                target::report_luns(cdb, x, target)?;
                self.ua.remove(asc::REPORTED_LUNS_DATA_CHANGED);
                Ok(())
            }
            cdb::MODE_SENSE_6 | cdb::MODE_SENSE_10 => {
                let ten = op == cdb::MODE_SENSE_10;
                let len = medium.len();
                self.with_device(|d| spc::mode_sense(cdb, ten, x, d, len))
            }
            cdb::MODE_SELECT_6 | cdb::MODE_SELECT_10 => {
                let ten = op == cdb::MODE_SELECT_10;
                let len = medium.len();
                self.with_device(|d| spc::mode_select(cdb, ten, x, d, len))
            }
            cdb::PREVENT_ALLOW_MEDIUM_REMOVAL => {
                for i in 1..4 {
                    reserved(cdb, i, 0xff)?;
                }
                reserved(cdb, 4, 0xfe)?;
                self.prevent = cdb_u8(cdb, 4) & 0x01 != 0;
                Ok(())
            }
            cdb::SEND_DIAGNOSTIC => spc::send_diagnostic(cdb),
            cdb::MAINTENANCE_IN => {
                if cdb_u8(cdb, 1) & 0x1f != cdb::MI_REPORT_SUPPORTED_OPERATION_CODES {
                    return Err(Check::invalid_cdb(1, Some(4)));
                }
                let thin = self.disk().is_some_and(|d| d.thin());
                opcodes::report_supported(cdb, x, self.kind, thin)
            }
            _ => {
                let prevent = self.prevent;
                let r = match &mut self.dev {
                    Dev::Disk(d) => d.execute(cdb, x, medium, prevent),
                    Dev::Cd(c) => c.execute(cdb, x, medium, prevent, &mut self.ua),
                    Dev::Tape(t) => t.execute(cdb, x, medium, prevent),
                };
                r.unwrap_or(Err(Check::invalid_opcode()))
            }
        }
    }

    /// Runs `f` with the kind as a [`Device`].
    fn with_device<R>(&mut self, f: impl FnOnce(&mut dyn Device) -> R) -> R {
        let prevent = self.prevent;
        match &mut self.dev {
            Dev::Disk(d) => f(d),
            Dev::Cd(c) => f(&mut CdRomModes { cd: c, prevent }),
            Dev::Tape(t) => f(t),
        }
    }

    /// The not-ready condition of the kind, if any.
    fn ready(&self, medium_len: usize) -> CmdResult {
        match &self.dev {
            Dev::Disk(d) => d.ready(),
            Dev::Cd(c) => c.ready(),
            Dev::Tape(t) => t.ready(medium_len),
        }
    }

    /// REQUEST SENSE (SPC-4): the pending unit attention (cleared), else
    /// the not-ready condition, else NO SENSE; fixed or (DESC) descriptor
    /// format, always GOOD status.
    fn request_sense(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium_len: usize) -> CmdResult {
        reserved(cdb, 1, 0xfe)?;
        let desc = cdb_u8(cdb, 1) & 0x01 != 0;
        let alloc = usize::from(cdb_u8(cdb, 4));
        let c = if let Some(code) = self.ua.pop() {
            Check::unit_attention(code)
        } else if let Err(c) = self.ready(medium_len) {
            c
        } else {
            Check::new(SenseKey::NoSense, asc::NO_ADDITIONAL_SENSE)
        };
        send_sense(&c, desc, alloc, x);
        Ok(())
    }
}

/// Sends sense data as REQUEST SENSE parameter data.
pub(crate) fn send_sense(c: &Check, desc: bool, alloc: usize, x: &mut Xfer<'_>) {
    if desc {
        let mut d = [0u8; DESCRIPTOR_SENSE_MAX];
        let n = c.write_descriptor(&mut d);
        x.send(d.get(..n).unwrap_or(&d), alloc);
    } else {
        x.send(&c.to_fixed(), alloc);
    }
}

/// Checks the CDB length against its operation code and the CONTROL byte
/// (NACA and LINK are not supported).
pub(crate) fn check_cdb(cdb: &[u8]) -> CmdResult {
    let Some(len) = cdb::cdb_len(cdb) else {
        // Reserved and vendor-specific groups: no such command.
        return Err(Check::invalid_opcode());
    };
    if cdb.len() < len {
        return Err(Check::invalid_cdb(cdb.len().saturating_sub(1) as u16, None));
    }
    let last = len.saturating_sub(1);
    let control = cdb_u8(cdb, last);
    if control & 0x04 != 0 {
        return Err(Check::invalid_cdb(last as u16, Some(2)));
    }
    if control & 0x01 != 0 {
        return Err(Check::invalid_cdb(last as u16, Some(0)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::databuf::{NoData, SliceBuf};
    use super::super::sense::Sense;
    use super::super::status::Status;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn run(l: &mut Lun, m: &mut [u8], cdb: &[u8], buf: &mut [u8]) -> Outcome {
        let mut s = SliceBuf::new(buf);
        l.execute(m, cdb, &mut s)
    }

    fn sense(o: &Outcome) -> (u8, u8, u8) {
        o.key_asc_ascq().expect("sense data")
    }

    fn disk() -> (Lun, Vec<u8>) {
        (
            Lun::new(&Config::new(Kind::Disk)).unwrap(),
            vec![0u8; 64 * 512],
        )
    }

    #[test]
    fn config_validation() {
        let mut c = Config::new(Kind::Disk);
        c.block_size = 520;
        assert_eq!(Lun::new(&c), Err(Error::Invalid));
        c.block_size = 4096;
        assert!(Lun::new(&c).is_ok());
        c.kind = Kind::Tape;
        c.block_size = 0;
        assert_eq!(Lun::new(&c).unwrap().kind(), Kind::Tape);
    }

    #[test]
    fn power_on_ua_once_and_exempt_commands() {
        let (mut l, mut m) = disk();
        let mut b = [0u8; 96];
        // INQUIRY and REPORT LUNS leave the UA pending.
        assert!(run(&mut l, &mut m, &cdb::inquiry(96), &mut b).is_good());
        assert!(run(&mut l, &mut m, &cdb::report_luns(0, 96), &mut b).is_good());
        assert_eq!(l.pending_unit_attentions(), &[(0x29, 0)]);
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(o.status, 2);
        assert_eq!(sense(&o), (6, 0x29, 0));
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert!(o.is_good());
    }

    #[test]
    fn ua_ordering_and_request_sense() {
        let (mut l, mut m) = disk();
        l.capacity_changed();
        l.queue_unit_attention(0x3f, 0x0e);
        // The power-on reset comes first, the later changes after it.
        assert_eq!(
            l.pending_unit_attentions(),
            &[(0x29, 0), (0x2a, 0x09), (0x3f, 0x0e)]
        );
        // A reset supersedes what was pending.
        l.reset();
        assert_eq!(l.pending_unit_attentions(), &[(0x29, 0)]);
        run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        l.capacity_changed();
        l.queue_unit_attention(0x3f, 0x0e);
        l.capacity_changed();
        // REQUEST SENSE returns (and clears) the oldest, GOOD status.
        let mut b = [0u8; 18];
        let o = run(&mut l, &mut m, &cdb::request_sense(18, false), &mut b);
        assert!(o.is_good());
        assert_eq!(o.resid, 0);
        let s = Sense::parse(&b).unwrap();
        assert!(s.is_capacity_changed());
        // The next one comes with CHECK CONDITION on a normal command.
        let o = run(&mut l, &mut m, &cdb::read_capacity_10(), &mut b);
        assert_eq!(sense(&o), (6, 0x3f, 0x0e));
        assert_eq!(o.resid, 18);
        let o = run(&mut l, &mut m, &cdb::read_capacity_10(), &mut b[..8]);
        assert!(o.is_good());
        // Nothing pending: NO SENSE; descriptor format on request.
        let mut b = [0xffu8; 32];
        let o = run(&mut l, &mut m, &cdb::request_sense(32, true), &mut b);
        assert!(o.is_good());
        assert_eq!(o.resid, 24);
        assert_eq!(&b[..8], &[0x72, 0, 0, 0, 0, 0, 0, 0]);
        // LUN reset: 29/03; stopped disk: REQUEST SENSE reports 04/02.
        l.lun_reset();
        let o = run(&mut l, &mut m, &cdb::request_sense(18, false), &mut b);
        assert!(o.is_good());
        assert_eq!((b[2], b[12], b[13]), (6, 0x29, 0x03));
        run(
            &mut l,
            &mut m,
            &cdb::start_stop_unit(false, false, false),
            &mut [],
        );
        let o = run(&mut l, &mut m, &cdb::request_sense(18, false), &mut b);
        assert!(o.is_good());
        assert_eq!((b[2], b[12], b[13]), (2, 0x04, 0x02));
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (2, 0x04, 0x02));
        l.reset();
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (6, 0x29, 0x00));
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert!(o.is_good(), "reset spins the disk up");
    }

    #[test]
    fn invalid_opcodes_and_cdbs() {
        let (mut l, mut m) = disk();
        l.ua.clear();
        type Case<'a> = (&'a [u8], (u8, u8, u8));
        let cases: [Case<'_>; 7] = [
            (&[0x02, 0, 0, 0, 0, 0], (5, 0x20, 0)),
            (&[0xc0, 0, 0, 0, 0, 0], (5, 0x20, 0)),
            (&[0x28, 0, 0, 0, 0], (5, 0x24, 0)),
            (&[0x00, 0, 0, 0, 0, 0x04], (5, 0x24, 0)),
            (&[0x00, 0, 0, 0, 0, 0x01], (5, 0x24, 0)),
            (&[0x00, 0, 1, 0, 0, 0], (5, 0x24, 0)),
            (&[], (5, 0x20, 0)),
        ];
        for (c, want) in cases {
            let o = run(&mut l, &mut m, c, &mut []);
            assert_eq!(sense(&o), want, "{c:?}");
        }
        // The vendor bits of the CONTROL byte are ignored.
        assert!(run(&mut l, &mut m, &[0, 0, 0, 0, 0, 0xc0], &mut []).is_good());
        // A CD-ROM does not write.
        let mut cd = Lun::new(&Config::new(Kind::CdRom)).unwrap();
        cd.ua.clear();
        let mut img = vec![0u8; 4 * 2048];
        let o = run(
            &mut cd,
            &mut img,
            &cdb::write_10(0, 1, false),
            &mut [0u8; 2048],
        );
        assert_eq!(sense(&o), (5, 0x20, 0));
    }

    #[test]
    fn prevent_allow_and_reset() {
        let mut l = Lun::new(&Config::new(Kind::CdRom)).unwrap();
        let mut img = vec![0u8; 4 * 2048];
        l.ua.clear();
        let o = run(
            &mut l,
            &mut img,
            &cdb::prevent_allow_medium_removal(true),
            &mut [],
        );
        assert!(o.is_good());
        assert!(l.removal_prevented());
        let o = run(
            &mut l,
            &mut img,
            &cdb::start_stop_unit(false, true, false),
            &mut [],
        );
        assert_eq!(sense(&o), (5, 0x53, 0x02));
        assert!(!l.eject_button());
        // Mode page 0x2a shows the lock.
        let mut b = [0u8; 64];
        let o = run(
            &mut l,
            &mut img,
            &cdb::mode_sense_10(false, cdb::PageControl::Current, 0x2a, 0, 64),
            &mut b,
        );
        assert!(o.is_good());
        assert_eq!(b[8 + 6], 0x2b);
        let o = run(&mut l, &mut img, &[0x1e, 0, 0, 0, 2, 0], &mut []);
        assert_eq!(sense(&o), (5, 0x24, 0));
        l.lun_reset();
        assert!(!l.removal_prevented());
        assert!(l.eject_button());
        assert!(!l.medium_present());
        l.close_tray();
        assert!(l.medium_present());
        // Closing with the disc queued 28/00 behind the reset: implied.
        assert_eq!(l.pending_unit_attentions(), &[(0x29, 0x03)]);
    }

    #[test]
    fn cd_gesn_and_configuration_ignore_ua() {
        let mut l = Lun::new(&Config::new(Kind::CdRom)).unwrap();
        let mut img = vec![0u8; 4 * 2048];
        let mut b = [0u8; 8];
        let o = run(
            &mut l,
            &mut img,
            &[0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0],
            &mut b,
        );
        assert!(o.is_good());
        let o = run(&mut l, &mut img, &[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0], &mut b);
        assert!(o.is_good());
        assert_eq!(&b[6..8], &[0, 8]);
        let o = run(&mut l, &mut img, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (6, 0x29, 0));
        // Medium change by the front end.
        l.remove_medium();
        let o = run(&mut l, &mut img, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (2, 0x3a, 0x01));
        l.insert_medium();
        let o = run(&mut l, &mut img, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (6, 0x28, 0));
        let o = run(
            &mut l,
            &mut img,
            &[0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0],
            &mut b,
        );
        assert!(o.is_good());
        assert_eq!((b[4], b[5]), (2, 2));
        assert!(run(&mut l, &mut img, &cdb::test_unit_ready(), &mut []).is_good());
    }

    #[test]
    fn fault_injection_sequences() {
        let (mut l, mut m) = disk();
        l.ua.clear();
        let mut b = vec![0u8; 512];
        // Fail the 2nd READ(10) with MEDIUM ERROR 11/00.
        l.faults_mut()
            .fail_nth(2, Some(cdb::READ_10), SenseKey::MediumError, 0x11, 0);
        assert!(run(&mut l, &mut m, &cdb::read_10(0, 1, false), &mut b).is_good());
        assert!(run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []).is_good());
        let o = run(&mut l, &mut m, &cdb::read_10(0, 1, false), &mut b);
        assert_eq!(sense(&o), (3, 0x11, 0));
        assert_eq!(o.resid, 512);
        assert!(run(&mut l, &mut m, &cdb::read_10(0, 1, false), &mut b).is_good());
        // Busy and task set full: status only, the UA is kept.
        l.capacity_changed();
        l.faults_mut().busy(1);
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!((o.status, o.sense_len), (Status::Busy as u8, 0));
        l.faults_mut().task_set_full(1);
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(o.status, 0x28);
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (6, 0x2a, 0x09));
        // Drop the next command: no effect on the medium.
        l.faults_mut().drop_nth(1);
        let mut w = vec![0xabu8; 512];
        let o = run(&mut l, &mut m, &cdb::write_10(1, 1, false), &mut w);
        assert_eq!(o.action, Action::Drop);
        assert_eq!(m[512], 0);
        assert!(l.abort(7));
        assert_eq!(l.aborts(), 1);
        // Delay every completion, including failures.
        l.faults_mut().delay(25);
        let o = run(&mut l, &mut m, &cdb::write_10(1, 1, false), &mut w);
        assert_eq!(o.action, Action::Delay(25));
        assert!(o.is_good());
        assert_eq!(m[512], 0xab);
        l.faults_mut()
            .fail_every(2, None, SenseKey::AbortedCommand, 0x47, 0);
        let o1 = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        let o2 = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert!(o1.is_good());
        assert_eq!(sense(&o2), (0x0b, 0x47, 0));
        assert_eq!(o2.action, Action::Delay(25));
        l.faults_mut().clear();
        assert_eq!(
            run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []).action,
            Action::Complete
        );
        assert_eq!(l.faults().injected(), 5);
    }

    #[test]
    fn mode_select_caching_through_lun() {
        let (mut l, mut m) = disk();
        l.ua.clear();
        let mut b = [0u8; 64];
        let o = run(
            &mut l,
            &mut m,
            &cdb::mode_sense_6(true, cdb::PageControl::Current, 8, 0, 64),
            &mut b,
        );
        assert!(o.is_good());
        let md = super::super::mode::ModeData::parse_6(&b).unwrap();
        let mut cp = super::super::mode::CachingPage::from_mode_data(&md).unwrap();
        assert!(cp.wce());
        cp.set_wce(false);
        let mut p = [0u8; 24];
        let n = cp.write_select_6(&mut p);
        let o = run(
            &mut l,
            &mut m,
            &cdb::mode_select_6(false, n as u8),
            &mut p[..n],
        );
        assert!(o.is_good());
        assert!(!l.disk().unwrap().write_cache());
        // Saving is not supported.
        let o = run(
            &mut l,
            &mut m,
            &cdb::mode_select_6(true, n as u8),
            &mut p[..n],
        );
        assert_eq!(sense(&o), (5, 0x24, 0));
    }

    #[test]
    fn report_supported_operation_codes() {
        let mut c = Config::new(Kind::Disk);
        c.thin = true;
        let mut l = Lun::new(&c).unwrap();
        let mut m = vec![0u8; 8 * 512];
        l.ua.clear();
        let mut b = [0u8; 16];
        let o = run(
            &mut l,
            &mut m,
            &[0xa3, 0x0c, 1, 0x42, 0, 0, 0, 0, 0, 16, 0, 0],
            &mut b,
        );
        assert!(o.is_good());
        assert_eq!(&b[..5], &[0, 3, 0, 10, 0x42]);
        // Other MAINTENANCE IN service actions are not implemented.
        let o = run(
            &mut l,
            &mut m,
            &[0xa3, 0x0a, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0],
            &mut b,
        );
        assert_eq!(o.sense[15..18], [0xcc, 0, 1]);
    }

    /// What sd asks at probe, parsed with the protocol crate.
    #[test]
    fn sd_probe_sequence() {
        use super::super::capacity::ReadCapacity16;
        use super::super::mode::ModeData;
        use super::super::vpd;
        let mut c = Config::new(Kind::Disk);
        c.thin = true;
        c.block_size = 4096;
        let mut l = Lun::new(&c).unwrap();
        let mut m = vec![0u8; 256 * 4096];
        let mut b = [0u8; 255];
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (6, 0x29, 0));
        assert!(run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []).is_good());
        let o = run(&mut l, &mut m, &cdb::read_capacity_16(32), &mut b[..32]);
        assert!(o.is_good());
        let rc = ReadCapacity16::parse(&b[..32]).unwrap();
        assert_eq!((rc.total_blocks(), rc.block_len), (Some(256), 4096));
        assert!(rc.lbpme && rc.lbprz);
        let o = run(&mut l, &mut m, &cdb::inquiry_vpd(0, 255), &mut b);
        assert!(o.is_good());
        for p in [0x80, 0x83, 0xb0, 0xb1, 0xb2] {
            assert!(vpd::supports_page(&b, p), "{p:#x}");
        }
        let o = run(&mut l, &mut m, &cdb::inquiry_vpd(0xb0, 255), &mut b);
        assert!(o.is_good());
        let bl = vpd::BlockLimits::parse(&b).unwrap();
        assert!(bl.max_unmap_lba_count > 0 && bl.max_unmap_desc_count > 0);
        let o = run(&mut l, &mut m, &cdb::inquiry_vpd(0xb1, 255), &mut b);
        assert!(o.is_good());
        assert!(vpd::BlockCharacteristics::parse(&b)
            .unwrap()
            .is_non_rotational());
        let o = run(&mut l, &mut m, &cdb::inquiry_vpd(0xb2, 255), &mut b);
        assert!(o.is_good());
        assert!(vpd::Provisioning::parse(&b).unwrap().lbpu);
        // Write protect flag from all pages, then the cache type with a
        // 4-byte header first, as sd does.
        let ms = cdb::mode_sense_6(false, cdb::PageControl::Current, 0x3f, 0, 192);
        let o = run(&mut l, &mut m, &ms, &mut b[..192]);
        assert!(o.is_good());
        let md = ModeData::parse_6(&b).unwrap();
        assert!(!md.header.write_protected() && md.header.dpofua());
        assert_eq!(md.pages().count(), 3);
        let ms = cdb::mode_sense_10(true, cdb::PageControl::Current, 8, 0, 8);
        let o = run(&mut l, &mut m, &ms, &mut b[..8]);
        assert!(o.is_good());
        let need = ModeData::parse_10(&b[..8]).unwrap().header.total_len();
        assert_eq!(need, 28);
        let ms = cdb::mode_sense_10(true, cdb::PageControl::Current, 8, 0, need as u16);
        let o = run(&mut l, &mut m, &ms, &mut b[..need]);
        assert!(o.is_good());
        let md = ModeData::parse_10(&b[..need]).unwrap();
        let cp = super::super::mode::CachingPage::from_mode_data(&md).unwrap();
        assert!(cp.wce() && !cp.rcd());
        // A discard as sd sends it, then read back zeros.
        m[10 * 4096] = 1;
        let mut p = cdb::unmap_param_single(10, 1);
        let o = run(&mut l, &mut m, &cdb::unmap(24), &mut p);
        assert!(o.is_good());
        assert_eq!(m[10 * 4096], 0);
    }

    /// What st does on open and in a short session, with the sense data
    /// decoded as st decodes it.
    #[test]
    fn st_open_and_session() {
        let mut l = Lun::new(&Config::new(Kind::Tape)).unwrap();
        let mut m = vec![0u8; 64 * 1024];
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (6, 0x29, 0));
        assert!(run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []).is_good());
        let mut bl = [0u8; 6];
        assert!(run(&mut l, &mut m, &[0x05, 0, 0, 0, 0, 0], &mut bl).is_good());
        assert_eq!(bl, [0, 0xff, 0xff, 0xff, 0, 1]);
        let mut ms = [0u8; 12];
        assert!(run(&mut l, &mut m, &[0x1a, 0, 0, 0, 12, 0], &mut ms).is_good());
        assert_eq!((ms[2], ms[3], &ms[9..12]), (0x10, 8, &[0u8, 0, 0][..]));
        // Two records and a filemark, rewind, read with a large buffer.
        for len in [1000u32, 3000] {
            let l3 = len.to_be_bytes();
            let mut d = vec![len as u8; len as usize];
            let c = [0x0a, 0, l3[1], l3[2], l3[3], 0];
            assert!(run(&mut l, &mut m, &c, &mut d).is_good());
        }
        assert!(run(&mut l, &mut m, &[0x10, 0, 0, 0, 1, 0], &mut []).is_good());
        assert!(run(&mut l, &mut m, &[0x01, 0, 0, 0, 0, 0], &mut []).is_good());
        let mut d = vec![0u8; 2048];
        let o = run(&mut l, &mut m, &[0x08, 0, 0, 0x08, 0, 0], &mut d);
        let s = Sense::parse(o.sense_data()).unwrap();
        assert!(s.ili && s.key == SenseKey::NoSense);
        assert_eq!(s.info, Some(1048));
        assert_eq!(o.resid, 1048);
        let o = run(&mut l, &mut m, &[0x08, 0, 0, 0x08, 0, 0], &mut d);
        let s = Sense::parse(o.sense_data()).unwrap();
        // Overlength: st sees a negative residue.
        assert_eq!(s.info.map(|i| i as u32 as i32), Some(-952));
        assert_eq!(o.resid, 0);
        let o = run(&mut l, &mut m, &[0x08, 0, 0, 0x08, 0, 0], &mut d);
        let s = Sense::parse(o.sense_data()).unwrap();
        assert!(s.filemark);
        let o = run(&mut l, &mut m, &[0x08, 0, 0, 0x08, 0, 0], &mut d);
        let s = Sense::parse(o.sense_data()).unwrap();
        assert_eq!(s.key, SenseKey::BlankCheck);
        // MTTELL: READ POSITION with BT (service action 1).
        let mut rp = [0u8; 20];
        let o = run(&mut l, &mut m, &[0x34, 1, 0, 0, 0, 0, 0, 0, 0, 0], &mut rp);
        assert!(o.is_good());
        assert_eq!(rp[0] & 0x04, 0);
        assert_eq!(&rp[4..8], &[0, 0, 0, 3]);
    }

    /// What sr and the cdrom layer ask.
    #[test]
    fn sr_probe_sequence() {
        let mut l = Lun::new(&Config::new(Kind::CdRom)).unwrap();
        let mut img = vec![0u8; 300 * 2048];
        let mut b = [0u8; 128];
        let o = run(&mut l, &mut img, &cdb::inquiry(36), &mut b[..36]);
        assert!(o.is_good());
        assert_eq!((b[0], b[1]), (5, 0x80));
        run(&mut l, &mut img, &cdb::test_unit_ready(), &mut []);
        let o = run(&mut l, &mut img, &cdb::read_capacity_10(), &mut b[..8]);
        assert!(o.is_good());
        assert_eq!(&b[..8], &[0, 0, 1, 43, 0, 0, 8, 0]);
        let ms = cdb::mode_sense_10(false, cdb::PageControl::Current, 0x2a, 0, 128);
        let o = run(&mut l, &mut img, &ms, &mut b);
        assert!(o.is_good());
        let md = super::super::mode::ModeData::parse_10(&b).unwrap();
        let p = md.find_page(0x2a, 0).unwrap();
        // Tray loading mechanism, eject.
        assert_eq!(p.data[4] >> 5, 1);
        assert_ne!(p.data[4] & 0x08, 0);
        // Multisession through the control byte.
        let o = run(
            &mut l,
            &mut img,
            &[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40],
            &mut b[..12],
        );
        assert!(o.is_good());
        assert!(u16::from_be_bytes([b[0], b[1]]) >= 0x0a);
        // Media event polling, then an eject with the lock held.
        let g = [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0];
        let o = run(&mut l, &mut img, &g, &mut b[..8]);
        assert!(o.is_good());
        assert_eq!((b[2], b[5]), (4, 2));
        run(
            &mut l,
            &mut img,
            &cdb::prevent_allow_medium_removal(true),
            &mut [],
        );
        let o = run(
            &mut l,
            &mut img,
            &cdb::start_stop_unit(false, true, false),
            &mut [],
        );
        assert_eq!(sense(&o), (5, 0x53, 2));
        run(
            &mut l,
            &mut img,
            &cdb::prevent_allow_medium_removal(false),
            &mut [],
        );
        let o = run(
            &mut l,
            &mut img,
            &cdb::start_stop_unit(false, true, false),
            &mut [],
        );
        assert!(o.is_good());
        let o = run(&mut l, &mut img, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (2, 0x3a, 2));
        let o = run(&mut l, &mut img, &g, &mut b[..8]);
        assert!(o.is_good());
        assert_eq!((b[4], b[5]), (3, 1));
    }

    #[test]
    fn tape_lun_basics() {
        let mut l = Lun::new(&Config::new(Kind::Tape)).unwrap();
        let mut m = vec![0u8; 4096];
        l.ua.clear();
        let mut b = [0u8; 36];
        let o = run(&mut l, &mut m, &cdb::inquiry(36), &mut b);
        assert!(o.is_good());
        assert_eq!((b[0], b[1]), (1, 0x80));
        l.remove_medium();
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (2, 0x3a, 0));
        assert!(!l.medium_present());
        l.insert_medium();
        let o = run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []);
        assert_eq!(sense(&o), (6, 0x28, 0));
        assert!(run(&mut l, &mut m, &cdb::test_unit_ready(), &mut []).is_good());
        l.set_write_protect(true);
        let o = run(&mut l, &mut m, &[0x0a, 0, 0, 0, 1, 0], &mut [1]);
        assert_eq!(sense(&o), (7, 0x27, 0));
        assert_eq!(l.tape().unwrap().position().object, 0);
        let mut nd = NoData;
        let o = l.execute(&mut m, &[0x10, 0, 0, 0, 0, 0], &mut nd);
        assert_eq!(sense(&o), (7, 0x27, 0));
    }
}
