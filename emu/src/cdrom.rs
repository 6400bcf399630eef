// SPDX-License-Identifier: GPL-2.0

//! A CD-ROM drive (MMC-6, peripheral device type 5) with a tray.
//!
//! The disc is a read-only image in the caller's slice, in 2048-byte
//! blocks, presented as a finished single-session disc with one data track
//! (track 1 from LBA 0, lead-out at the image size).
//!
//! Drive state: the tray is open or closed, and a disc is in the drive or
//! not (a disc stays on an opened tray, so closing it loads the same disc
//! again, as QEMU and real drives do). The disc is readable only with the
//! tray closed; otherwise NOT READY, MEDIUM NOT PRESENT - TRAY OPEN
//! (3A/02) or - TRAY CLOSED (3A/01). Loading a disc raises NOT READY TO
//! READY CHANGE, MEDIUM MAY HAVE CHANGED (28/00) and a NewMedia event;
//! opening the tray with a disc a MediaRemoval event; the eject button of a
//! locked drive (PREVENT ALLOW MEDIUM REMOVAL) an EjectRequest event.
//!
//! Commands: START STOP UNIT (LoEj eject and load, refused with MEDIUM
//! REMOVAL PREVENTED 53/02 while locked), READ CAPACITY(10), READ(10) and
//! (12), READ TOC/PMA/ATIP formats 0 (TOC, LBA or MSF) and 1 (session
//! information, also through the old control-byte format field), GET
//! CONFIGURATION (features 0000h, 0001h, 0002h, 0003h, 0010h, 001Eh; RT 0,
//! 1, 2), GET EVENT STATUS NOTIFICATION (polled, media class), MECHANISM
//! STATUS, READ DISC INFORMATION, READ TRACK INFORMATION, SET CD SPEED; mode
//! page 0x2a (capabilities and mechanical status). Writes are not
//! implemented (INVALID COMMAND OPERATION CODE).

use super::bytes::put;
use super::capacity::{ReadCapacity10, READ_CAPACITY_10_LEN};
use super::cdb::{self, PageControl};
use super::databuf::Xfer;
use super::inquiry::DeviceType;
use super::mode::MODE_PAGE_MM_CAPABILITIES;
use super::outcome::{Check, CmdResult};
use super::sense::asc;
use super::spc::{cdb_be16, cdb_be32, cdb_u8, emit, reserved, Device};
use super::ua::UnitAttentions;

/// Logical block size of CD-ROM data (mode 1 user data).
pub const CD_BLOCK_SIZE: u32 = 2048;
/// Profile number of a CD-ROM (MMC-6, "Profile list").
pub const PROFILE_CDROM: u16 = 0x0008;
/// Speed reported in mode page 0x2a, in kB/s (16x).
pub const SPEED_KBPS: u16 = 16 * 176;

/// READ TRACK INFORMATION (MMC-6).
pub const READ_TRACK_INFORMATION: u8 = 0x52;
/// MECHANISM STATUS (MMC-6).
pub const MECHANISM_STATUS: u8 = 0xbd;
/// SET CD SPEED (MMC-6).
pub const SET_CD_SPEED: u8 = 0xbb;

/// Media class event codes of GET EVENT STATUS NOTIFICATION.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum MediaEvent {
    /// NoChg: nothing happened since the last report.
    NoChange = 0,
    /// EjectRequest: the user pressed the eject button.
    EjectRequest = 1,
    /// NewMedia: a disc was loaded.
    NewMedia = 2,
    /// MediaRemoval: the disc was removed (or the tray opened).
    MediaRemoval = 3,
}

/// State of an emulated CD-ROM drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CdRom {
    tray_open: bool,
    disc: bool,
    event: MediaEvent,
}

/// Converts a logical block address to the 4-byte MSF form (0, M, S, F).
pub fn lba_to_msf(lba: u64) -> [u8; 4] {
    let a = lba.saturating_add(150);
    let m = u8::try_from(a / (75 * 60)).unwrap_or(u8::MAX);
    let s = ((a / 75) % 60) as u8;
    let f = (a % 75) as u8;
    [0, m, s, f]
}

impl CdRom {
    /// A drive with its tray closed, holding a disc if `loaded`.
    pub fn new(loaded: bool) -> CdRom {
        CdRom {
            tray_open: false,
            disc: loaded,
            event: MediaEvent::NoChange,
        }
    }

    /// `true` if the tray is open.
    pub fn tray_open(&self) -> bool {
        self.tray_open
    }

    /// `true` if a disc is in the drive (possibly on the open tray).
    pub fn has_disc(&self) -> bool {
        self.disc
    }

    /// `true` if the disc can be read: present and the tray closed.
    pub fn medium_ready(&self) -> bool {
        self.disc && !self.tray_open
    }

    /// The pending media event (not consumed).
    pub fn pending_event(&self) -> MediaEvent {
        self.event
    }

    fn note(&mut self, e: MediaEvent) {
        // An eject request is kept until reported; other events replace
        // each other (the latest state is what matters).
        if self.event != MediaEvent::EjectRequest || e != MediaEvent::NoChange {
            self.event = e;
        }
    }

    /// The operator puts a disc in and closes the tray.
    pub fn insert(&mut self, ua: &mut UnitAttentions) {
        self.disc = true;
        self.tray_open = false;
        self.note(MediaEvent::NewMedia);
        ua.push(asc::MEDIUM_MAY_HAVE_CHANGED);
    }

    /// The operator takes the disc out (the tray state is kept).
    pub fn remove(&mut self) {
        if self.disc {
            self.disc = false;
            self.note(MediaEvent::MediaRemoval);
        }
    }

    /// The operator presses the eject button: opens the tray unless the
    /// drive is locked, in which case only an EjectRequest event is
    /// raised. Returns `true` if the tray opened.
    pub fn eject_button(&mut self, prevent: bool) -> bool {
        if prevent {
            self.event = MediaEvent::EjectRequest;
            return false;
        }
        self.open_tray();
        true
    }

    /// The operator (or LoEj) closes the tray; a disc on it is loaded.
    pub fn close_tray(&mut self, ua: &mut UnitAttentions) {
        if !self.tray_open {
            return;
        }
        self.tray_open = false;
        if self.disc {
            self.note(MediaEvent::NewMedia);
            ua.push(asc::MEDIUM_MAY_HAVE_CHANGED);
        }
    }

    fn open_tray(&mut self) {
        if !self.tray_open {
            self.tray_open = true;
            if self.disc {
                self.note(MediaEvent::MediaRemoval);
            }
        }
    }

    /// Readiness: NOT READY 3A/02 with the tray open, 3A/01 without disc.
    pub fn ready(&self) -> CmdResult {
        if self.tray_open {
            return Err(Check::not_ready((0x3a, 0x02)));
        }
        if !self.disc {
            return Err(Check::not_ready((0x3a, 0x01)));
        }
        Ok(())
    }

    fn blocks(medium_len: usize) -> u64 {
        (medium_len / CD_BLOCK_SIZE as usize) as u64
    }

    /// Executes a multimedia command; `None` if `cdb` is not one.
    pub fn execute(
        &mut self,
        cdb: &[u8],
        x: &mut Xfer<'_>,
        medium: &[u8],
        prevent: bool,
        ua: &mut UnitAttentions,
    ) -> Option<CmdResult> {
        let r = match cdb_u8(cdb, 0) {
            cdb::START_STOP_UNIT => self.start_stop(cdb, prevent, ua),
            cdb::READ_CAPACITY_10 => self.read_capacity(cdb, x, medium),
            cdb::READ_10 | cdb::READ_12 => self.read(cdb, x, medium),
            cdb::READ_TOC_PMA_ATIP => self.read_toc(cdb, x, medium),
            cdb::GET_CONFIGURATION => self.get_configuration(cdb, x),
            cdb::GET_EVENT_STATUS_NOTIFICATION => self.event_status(cdb, x),
            MECHANISM_STATUS => self.mechanism_status(cdb, x),
            cdb::READ_DISC_INFORMATION => self.disc_information(cdb, x),
            READ_TRACK_INFORMATION => self.track_information(cdb, x, medium),
            SET_CD_SPEED => Ok(()),
            _ => return None,
        };
        Some(r)
    }

    fn start_stop(&mut self, cdb: &[u8], prevent: bool, ua: &mut UnitAttentions) -> CmdResult {
        reserved(cdb, 1, 0xfe)?;
        let b4 = cdb_u8(cdb, 4);
        if b4 >> 4 != 0 {
            // Power conditions: accepted, nothing to change.
            return Ok(());
        }
        let start = b4 & 0x01 != 0;
        if b4 & 0x02 != 0 {
            if start {
                self.close_tray(ua);
            } else {
                if prevent {
                    return Err(Check::illegal(asc::MEDIUM_REMOVAL_PREVENTED));
                }
                self.open_tray();
            }
            return Ok(());
        }
        if start {
            self.ready()?;
        }
        Ok(())
    }

    fn read_capacity(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &[u8]) -> CmdResult {
        reserved(cdb, 8, 0xfe)?;
        self.ready()?;
        let mut out = [0u8; READ_CAPACITY_10_LEN];
        ReadCapacity10::build(Self::blocks(medium.len()), CD_BLOCK_SIZE, &mut out);
        x.send(&out, out.len());
        Ok(())
    }

    fn read(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &[u8]) -> CmdResult {
        reserved(cdb, 1, 0xe0)?;
        let lba = u64::from(cdb_be32(cdb, 2));
        let blocks = if cdb_u8(cdb, 0) == cdb::READ_10 {
            u32::from(cdb_be16(cdb, 7))
        } else {
            cdb_be32(cdb, 6)
        };
        self.ready()?;
        let end = lba
            .checked_add(u64::from(blocks))
            .ok_or(Check::lba_out_of_range())?;
        if end > Self::blocks(medium.len()) {
            return Err(Check::lba_out_of_range());
        }
        let bs = CD_BLOCK_SIZE as usize;
        let start = usize::try_from(lba)
            .unwrap_or(usize::MAX)
            .saturating_mul(bs);
        let len = (blocks as usize).saturating_mul(bs);
        let src = medium
            .get(start..start.saturating_add(len))
            .ok_or(Check::lba_out_of_range())?;
        x.send_at(0, src);
        Ok(())
    }

    fn read_toc(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &[u8]) -> CmdResult {
        reserved(cdb, 1, 0xfd)?;
        let msf = cdb_u8(cdb, 1) & 0x02 != 0;
        let mut format = cdb_u8(cdb, 2) & 0x0f;
        if format == 0 {
            // SFF-8020 drives took the format from the control byte.
            format = cdb_u8(cdb, 9) >> 6;
        }
        let track = cdb_u8(cdb, 6);
        let alloc = usize::from(cdb_be16(cdb, 7));
        self.ready()?;
        let addr = |lba: u64| -> [u8; 4] {
            if msf {
                lba_to_msf(lba)
            } else {
                u32::try_from(lba).unwrap_or(u32::MAX).to_be_bytes()
            }
        };
        let mut out = [0u8; 20];
        let n = match format {
            0 => {
                let leadout = Self::blocks(medium.len());
                let mut n = 4;
                if track <= 1 {
                    let a = addr(0);
                    let _ = put(&mut out, n, &[0, 0x14, 1, 0, a[0], a[1], a[2], a[3]]);
                    n += 8;
                } else if track != 0xaa {
                    return Err(Check::invalid_cdb(6, None));
                }
                let a = addr(leadout);
                let _ = put(&mut out, n, &[0, 0x14, 0xaa, 0, a[0], a[1], a[2], a[3]]);
                n += 8;
                let _ = put(&mut out, 0, &[0, (n - 2) as u8, 1, 1]);
                n
            }
            1 => {
                let a = addr(0);
                let d = [0, 0x0a, 1, 1, 0, 0x14, 1, 0, a[0], a[1], a[2], a[3]];
                let _ = put(&mut out, 0, &d);
                d.len()
            }
            _ => return Err(Check::invalid_cdb(2, Some(3))),
        };
        x.send(out.get(..n).unwrap_or(&out), alloc);
        Ok(())
    }

    fn get_configuration(&mut self, cdb: &[u8], x: &mut Xfer<'_>) -> CmdResult {
        reserved(cdb, 1, 0xfc)?;
        let rt = cdb_u8(cdb, 1) & 0x03;
        if rt == 3 {
            return Err(Check::invalid_cdb(1, Some(1)));
        }
        let sfn = cdb_be16(cdb, 2);
        let alloc = usize::from(cdb_be16(cdb, 7));
        let cur = self.medium_ready();
        let c = u8::from(cur);
        let p = PROFILE_CDROM.to_be_bytes();
        // Persistent and current (0x03) or current only when loaded (c).
        let features: [(u16, &[u8]); 6] = [
            (0x0000, &[0x00, 0x00, 0x03, 0x04, p[0], p[1], c, 0]),
            (0x0001, &[0x00, 0x01, 0x0b, 0x08, 0, 0, 0, 1, 0, 0, 0, 0]),
            (0x0002, &[0x00, 0x02, 0x07, 0x04, 0, 0, 0, 0]),
            (0x0003, &[0x00, 0x03, 0x0b, 0x04, 0x39, 0, 0, 0]),
            (0x0010, &[0x00, 0x10, c, 0x08, 0, 0, 0x08, 0x00, 0, 1, 0, 0]),
            (0x001e, &[0x00, 0x1e, 0x08 | c, 0x04, 0, 0, 0, 0]),
        ];
        let mut out = [0u8; 128];
        let mut n = 8;
        for (code, desc) in features {
            let current = u8_or(desc, 2) & 0x01 != 0;
            let take = match rt {
                0 => code >= sfn,
                1 => code >= sfn && current,
                _ => code == sfn,
            };
            if take && put(&mut out, n, desc).is_ok() {
                n += desc.len();
            }
        }
        let len = ((n - 4) as u32).to_be_bytes();
        let profile = if cur { PROFILE_CDROM } else { 0 }.to_be_bytes();
        let _ = put(
            &mut out,
            0,
            &[len[0], len[1], len[2], len[3], 0, 0, profile[0], profile[1]],
        );
        x.send(out.get(..n).unwrap_or(&out), alloc);
        Ok(())
    }

    fn event_status(&mut self, cdb: &[u8], x: &mut Xfer<'_>) -> CmdResult {
        reserved(cdb, 1, 0xfe)?;
        if cdb_u8(cdb, 1) & 0x01 == 0 {
            // Asynchronous notification is not supported.
            return Err(Check::invalid_cdb(1, Some(0)));
        }
        let classes = cdb_u8(cdb, 4);
        let alloc = usize::from(cdb_be16(cdb, 7));
        if classes & 0x10 == 0 {
            // No supported class requested: NEA.
            x.send(&[0, 2, 0x80, 0x10], alloc);
            return Ok(());
        }
        let code = self.event;
        let mut status = 0u8;
        if self.medium_ready() {
            status |= 0x02;
        }
        if self.tray_open {
            status |= 0x01;
        }
        let out = [0, 6, 0x04, 0x10, code as u8, status, 0, 0];
        // The event is reported (and consumed) only if it was transferred.
        if x.send(&out, alloc) >= 5 {
            self.event = MediaEvent::NoChange;
        }
        Ok(())
    }

    fn mechanism_status(&mut self, cdb: &[u8], x: &mut Xfer<'_>) -> CmdResult {
        let alloc = usize::from(cdb_be16(cdb, 8));
        let door = if self.tray_open { 0x10 } else { 0 };
        x.send(&[0, door, 0, 0, 0, 0, 0, 0], alloc);
        Ok(())
    }

    fn disc_information(&mut self, cdb: &[u8], x: &mut Xfer<'_>) -> CmdResult {
        reserved(cdb, 1, 0xff)?;
        let alloc = usize::from(cdb_be16(cdb, 7));
        self.ready()?;
        let mut out = [0u8; 34];
        // Data length 32; complete session, finalized disc; first track 1;
        // one session; tracks 1..1 in the last session; disc type CD-ROM.
        let _ = put(&mut out, 0, &[0, 32, 0x0e, 1, 1, 1, 1, 0, 0x00]);
        // Last session lead-in and last possible lead-out: none (complete).
        let _ = put(&mut out, 16, &[0xff; 8]);
        x.send(&out, alloc);
        Ok(())
    }

    fn track_information(&mut self, cdb: &[u8], x: &mut Xfer<'_>, medium: &[u8]) -> CmdResult {
        reserved(cdb, 1, 0xfc)?;
        let kind = cdb_u8(cdb, 1) & 0x03;
        let v = cdb_be32(cdb, 2);
        let alloc = usize::from(cdb_be16(cdb, 7));
        self.ready()?;
        let blocks = Self::blocks(medium.len());
        let ok = match kind {
            0 => u64::from(v) < blocks,
            1 | 2 => v == 1,
            _ => false,
        };
        if !ok {
            return Err(Check::invalid_cdb(2, None));
        }
        let size = u32::try_from(blocks).unwrap_or(u32::MAX);
        let mut out = [0u8; 36];
        // Track 1, session 1, data track (mode 4), data mode 1.
        let _ = put(&mut out, 0, &[0, 34, 1, 1, 0, 0x04, 0x01, 0]);
        let _ = put(&mut out, 24, &size.to_be_bytes());
        let _ = put(&mut out, 28, &size.saturating_sub(1).to_be_bytes());
        x.send(&out, alloc);
        Ok(())
    }
}

fn u8_or(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// Mode page support needs the lock state, which lives with the logical
/// unit; [`CdRomModes`] pairs it with the drive.
pub struct CdRomModes<'a> {
    /// The drive.
    pub cd: &'a mut CdRom,
    /// PREVENT ALLOW MEDIUM REMOVAL state.
    pub prevent: bool,
}

impl Device for CdRomModes<'_> {
    fn device_type(&self) -> DeviceType {
        DeviceType::CdRom
    }

    fn mode_pages(&self) -> &'static [u8] {
        &[MODE_PAGE_MM_CAPABILITIES]
    }

    fn mode_page(&self, code: u8, pc: PageControl, out: &mut [u8]) -> usize {
        if code != MODE_PAGE_MM_CAPABILITIES {
            return 0;
        }
        let mut p = [0u8; 22];
        p[0] = MODE_PAGE_MM_CAPABILITIES;
        p[1] = 0x14;
        if pc != PageControl::Changeable {
            // Lock, eject, tray loading mechanism; lock state.
            p[6] = 0x29;
            if self.prevent && pc == PageControl::Current {
                p[6] |= 0x02;
            }
            let s = SPEED_KBPS.to_be_bytes();
            let _ = put(&mut p, 8, &s);
            let _ = put(&mut p, 14, &s);
        }
        emit(out, &p)
    }

    fn mode_device_specific(&self) -> u8 {
        0
    }

    fn mode_block_descriptor(&self, _m: usize, _long: bool, _out: &mut [u8; 16]) -> usize {
        0
    }

    fn mode_select_block_descriptor(
        &mut self,
        bd: &[u8],
        offset: usize,
        _medium_len: usize,
        _dry_run: bool,
    ) -> CmdResult {
        let len = u32::from_be_bytes([0, u8_or(bd, 5), u8_or(bd, 6), u8_or(bd, 7)]);
        if len != 0 && len != CD_BLOCK_SIZE {
            return Err(Check::invalid_param((offset + 5) as u16, None));
        }
        Ok(())
    }

    fn mode_select_page(&mut self, _code: u8, _page: &[u8]) {}
}

#[cfg(test)]
mod tests {
    use super::super::databuf::SliceBuf;
    use super::super::sense::SenseKey;
    use super::*;
    use std::vec;

    struct T {
        cd: CdRom,
        ua: UnitAttentions,
        prevent: bool,
        img: std::vec::Vec<u8>,
    }

    impl T {
        fn new() -> T {
            let mut img = vec![0u8; 100 * 2048];
            for (i, b) in img.chunks_mut(2048).enumerate() {
                b[0] = i as u8;
            }
            T {
                cd: CdRom::new(true),
                ua: UnitAttentions::new(),
                prevent: false,
                img,
            }
        }

        fn run(&mut self, cdb: &[u8], buf: &mut [u8]) -> (CmdResult, u32) {
            let mut s = SliceBuf::new(buf);
            let mut x = Xfer::new(&mut s);
            let r = self
                .cd
                .execute(cdb, &mut x, &self.img, self.prevent, &mut self.ua)
                .expect("mmc command");
            (r, x.resid())
        }

        fn event(&mut self) -> [u8; 8] {
            let mut b = [0u8; 8];
            let (r, _) = self.run(&[0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], &mut b);
            assert_eq!(r, Ok(()));
            b
        }
    }

    fn key(r: CmdResult) -> (SenseKey, u8, u8) {
        let c = r.unwrap_err();
        (c.key, c.asc, c.ascq)
    }

    #[test]
    fn msf() {
        assert_eq!(lba_to_msf(0), [0, 0, 2, 0]);
        assert_eq!(lba_to_msf(4475), [0, 1, 1, 50]);
        assert_eq!(lba_to_msf(u64::MAX)[1], 255);
    }

    #[test]
    fn read_and_capacity() {
        let mut t = T::new();
        let mut b = vec![0u8; 3 * 2048];
        let (r, resid) = t.run(&cdb::read_10(5, 2, false), &mut b);
        assert_eq!((r, resid), (Ok(()), 2048));
        assert_eq!((b[0], b[2048]), (5, 6));
        let (r, _) = t.run(&[0xa8, 0, 0, 0, 0, 99, 0, 0, 0, 2, 0, 0], &mut b);
        assert_eq!(key(r), (SenseKey::IllegalRequest, 0x21, 0));
        let mut c = [0u8; 8];
        let (r, _) = t.run(&cdb::read_capacity_10(), &mut c);
        assert_eq!(r, Ok(()));
        let rc = ReadCapacity10::parse(&c).unwrap();
        assert_eq!((rc.last_lba, rc.block_len), (99, 2048));
    }

    #[test]
    fn eject_load_prevent_and_events() {
        let mut t = T::new();
        assert_eq!(t.event()[4], 0);
        assert_eq!(t.event()[5], 0x02);
        // Locked: eject refused.
        t.prevent = true;
        let (r, _) = t.run(&cdb::start_stop_unit(false, true, false), &mut []);
        assert_eq!(key(r), (SenseKey::IllegalRequest, 0x53, 0x02));
        assert!(!t.cd.tray_open());
        // Eject button while locked: request event only.
        assert!(!t.cd.eject_button(true));
        let e = t.event();
        assert_eq!((e[2], e[4], e[5]), (0x04, 1, 0x02));
        assert_eq!(t.event()[4], 0);
        // Unlocked: eject opens the tray.
        t.prevent = false;
        let (r, _) = t.run(&cdb::start_stop_unit(false, true, false), &mut []);
        assert_eq!(r, Ok(()));
        assert!(t.cd.tray_open() && t.cd.has_disc());
        let e = t.event();
        assert_eq!((e[4], e[5]), (3, 0x01));
        assert_eq!(t.cd.ready(), Err(Check::not_ready((0x3a, 0x02))));
        let mut b = [0u8; 2048];
        let (r, _) = t.run(&cdb::read_10(0, 1, false), &mut b);
        assert_eq!(key(r), (SenseKey::NotReady, 0x3a, 0x02));
        // Mechanism status shows the open door.
        let mut m = [0u8; 8];
        let (r, _) = t.run(&[0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0], &mut m);
        assert_eq!((r, m[1]), (Ok(()), 0x10));
        // Close: same disc back, UA and NewMedia.
        let (r, _) = t.run(&cdb::start_stop_unit(true, true, false), &mut []);
        assert_eq!(r, Ok(()));
        assert!(t.ua.contains((0x28, 0)));
        let e = t.event();
        assert_eq!((e[4], e[5]), (2, 0x02));
        assert_eq!(t.cd.ready(), Ok(()));
        // Remove the disc while closed: no medium, tray closed.
        t.cd.remove();
        assert_eq!(t.cd.ready(), Err(Check::not_ready((0x3a, 0x01))));
        assert_eq!(t.event()[4], 3);
        let (r, _) = t.run(&cdb::start_stop_unit(true, false, false), &mut []);
        assert_eq!(key(r), (SenseKey::NotReady, 0x3a, 0x01));
        // Closing an empty drive raises nothing.
        t.ua.clear();
        t.cd.eject_button(false);
        t.cd.close_tray(&mut t.ua);
        assert!(t.ua.is_empty());
        t.cd.insert(&mut t.ua);
        assert!(t.ua.contains((0x28, 0)));
        assert_eq!(t.cd.pending_event(), MediaEvent::NewMedia);
    }

    #[test]
    fn event_status_forms() {
        let mut t = T::new();
        let mut b = [0u8; 8];
        // Not polled.
        let (r, _) = t.run(&[0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0], &mut b);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(0))));
        // Unsupported class: NEA.
        let (r, resid) = t.run(&[0x4a, 1, 0, 0, 0x02, 0, 0, 0, 8, 0], &mut b);
        assert_eq!((r, resid), (Ok(()), 4));
        assert_eq!(&b[..4], &[0, 2, 0x80, 0x10]);
        // A 4-byte allocation does not consume the event.
        t.cd.insert(&mut t.ua);
        let (r, _) = t.run(&[0x4a, 1, 0, 0, 0x10, 0, 0, 0, 4, 0], &mut b);
        assert_eq!(r, Ok(()));
        assert_eq!(t.event()[4], 2);
    }

    #[test]
    fn toc_formats() {
        let mut t = T::new();
        let mut b = [0u8; 32];
        let (r, resid) = t.run(&[0x43, 0, 0, 0, 0, 0, 0, 0, 32, 0], &mut b);
        assert_eq!((r, resid), (Ok(()), 12));
        assert_eq!(&b[..4], &[0, 18, 1, 1]);
        assert_eq!(&b[4..12], &[0, 0x14, 1, 0, 0, 0, 0, 0]);
        assert_eq!(&b[12..20], &[0, 0x14, 0xaa, 0, 0, 0, 0, 100]);
        // MSF, lead-out only.
        let (r, _) = t.run(&[0x43, 2, 0, 0, 0, 0, 0xaa, 0, 32, 0], &mut b);
        assert_eq!(r, Ok(()));
        assert_eq!(&b[..12], &[0, 10, 1, 1, 0, 0x14, 0xaa, 0, 0, 0, 3, 25]);
        // Track 2 does not exist.
        let (r, _) = t.run(&[0x43, 0, 0, 0, 0, 0, 2, 0, 32, 0], &mut b);
        assert_eq!(r, Err(Check::invalid_cdb(6, None)));
        // Session information, and through the control byte (sr).
        for c in [
            [0x43, 0, 1, 0, 0, 0, 0, 0, 12, 0],
            [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40],
        ] {
            let (r, resid) = t.run(&c, &mut b[..12]);
            assert_eq!((r, resid), (Ok(()), 0));
            assert_eq!(&b[..12], &[0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0]);
        }
        let (r, _) = t.run(&[0x43, 0, 2, 0, 0, 0, 0, 0, 12, 0], &mut b);
        assert_eq!(r, Err(Check::invalid_cdb(2, Some(3))));
        t.cd.remove();
        let (r, _) = t.run(&[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0], &mut b);
        assert_eq!(key(r), (SenseKey::NotReady, 0x3a, 1));
    }

    #[test]
    fn configuration() {
        let mut t = T::new();
        let mut b = [0u8; 128];
        let (r, resid) = t.run(&[0x46, 0, 0, 0, 0, 0, 0, 0, 128, 0], &mut b);
        assert_eq!(r, Ok(()));
        let total = 128 - resid as usize;
        assert_eq!(total, 8 + 8 + 12 + 8 + 8 + 12 + 8);
        assert_eq!(
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
            total - 4
        );
        assert_eq!(&b[6..8], &[0, 8]);
        assert_eq!(&b[8..16], &[0, 0, 3, 4, 0, 8, 1, 0]);
        let removable = &b[16 + 12 + 8..16 + 12 + 8 + 8];
        assert_eq!(&removable[..5], &[0, 3, 0x0b, 4, 0x39]);
        // RT 2: only the requested feature.
        let (r, resid) = t.run(&[0x46, 2, 0, 0x1e, 0, 0, 0, 0, 128, 0], &mut b);
        assert_eq!((r, resid), (Ok(()), 128 - 16));
        assert_eq!(&b[8..12], &[0, 0x1e, 0x09, 4]);
        let (r, resid) = t.run(&[0x46, 2, 0, 0x20, 0, 0, 0, 0, 128, 0], &mut b);
        assert_eq!((r, resid), (Ok(()), 120));
        assert_eq!(&b[..4], &[0, 0, 0, 4]);
        // No medium: profile 0, RT 1 leaves out non-current features.
        t.cd.remove();
        let (r, resid) = t.run(&[0x46, 1, 0, 0, 0, 0, 0, 0, 128, 0], &mut b);
        assert_eq!(r, Ok(()));
        assert_eq!(&b[6..8], &[0, 0]);
        assert_eq!(128 - resid as usize, 8 + 8 + 12 + 8 + 8);
        assert_eq!(b[14], 0);
        let (r, _) = t.run(&[0x46, 3, 0, 0, 0, 0, 0, 0, 128, 0], &mut b);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(1))));
    }

    #[test]
    fn disc_and_track_information() {
        let mut t = T::new();
        let mut b = [0u8; 64];
        let (r, resid) = t.run(&[0x51, 0, 0, 0, 0, 0, 0, 0, 64, 0], &mut b);
        assert_eq!((r, resid), (Ok(()), 30));
        assert_eq!(&b[..8], &[0, 32, 0x0e, 1, 1, 1, 1, 0]);
        let (r, _) = t.run(&[0x51, 1, 0, 0, 0, 0, 0, 0, 64, 0], &mut b);
        assert_eq!(r, Err(Check::invalid_cdb(1, Some(0))));
        let (r, resid) = t.run(&[0x52, 1, 0, 0, 0, 1, 0, 0, 64, 0], &mut b);
        assert_eq!((r, resid), (Ok(()), 28));
        assert_eq!(&b[24..32], &[0, 0, 0, 100, 0, 0, 0, 99]);
        let (r, _) = t.run(&[0x52, 1, 0, 0, 0, 2, 0, 0, 64, 0], &mut b);
        assert_eq!(r, Err(Check::invalid_cdb(2, None)));
        let (r, _) = t.run(&[0x52, 0, 0, 0, 0, 99, 0, 0, 64, 0], &mut b);
        assert_eq!(r, Ok(()));
        let (r, _) = t.run(&[0xbb, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0], &mut b);
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn capabilities_page() {
        let mut cd = CdRom::new(true);
        let m = CdRomModes {
            cd: &mut cd,
            prevent: true,
        };
        let mut p = [0u8; 64];
        assert_eq!(m.mode_page(0x2a, PageControl::Current, &mut p), 22);
        assert_eq!(p[6], 0x2b);
        assert_eq!(u16::from_be_bytes([p[8], p[9]]) / 176, 16);
        assert_eq!(m.mode_page(0x2a, PageControl::Default, &mut p), 22);
        assert_eq!(p[6], 0x29);
        assert_eq!(m.mode_page(0x2a, PageControl::Changeable, &mut p), 22);
        assert_eq!(p[6], 0);
        assert_eq!(m.mode_page(0x08, PageControl::Current, &mut p), 0);
    }
}
