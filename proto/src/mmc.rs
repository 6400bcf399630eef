// SPDX-License-Identifier: GPL-2.0

//! MMC-6 GET CONFIGURATION: the command and its Profile List feature.
//!
//! A CD/DVD drive names what it is (its profiles: CD-ROM, DVD-ROM, the
//! writable kinds) and which profile the loaded medium is (the current
//! profile, 0 without a medium) in the Profile List feature (0000h).

use super::cdb::{GET_CONFIGURATION, READ_TOC_PMA_ATIP};

/// Profile: CD-ROM.
pub const PROFILE_CDROM: u16 = 0x0008;
/// Profile: DVD-ROM.
pub const PROFILE_DVD_ROM: u16 = 0x0010;
/// Profile: BD-ROM.
pub const PROFILE_BD_ROM: u16 = 0x0040;

/// GET CONFIGURATION of the one feature `feature` (RT 2), `alloc` bytes.
pub fn get_configuration(feature: u16, alloc: u16) -> [u8; 10] {
    let f = feature.to_be_bytes();
    let a = alloc.to_be_bytes();
    [GET_CONFIGURATION, 2, f[0], f[1], 0, 0, 0, a[0], a[1], 0]
}

/// READ TOC/PMA/ATIP of `format` (0: TOC, 1: session information) from
/// track (or session) `track`, addresses as MSF when `msf`, `alloc` bytes.
pub fn read_toc(format: u8, msf: bool, track: u8, alloc: u16) -> [u8; 10] {
    let a = alloc.to_be_bytes();
    [
        READ_TOC_PMA_ATIP,
        (msf as u8) << 1,
        format & 0x0f,
        0,
        0,
        0,
        track,
        a[0],
        a[1],
        0,
    ]
}

/// Length of a TOC header and one track descriptor.
pub const TOC_ONE_LEN: usize = 12;

/// What the Profile List tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Profiles {
    /// The current profile (0: no medium).
    pub current: u16,
    /// A DVD profile (0010h to 002Fh) is listed.
    pub dvd: bool,
    /// A BD profile (0040h to 004Fh) is listed.
    pub bd: bool,
    /// How many profiles are listed.
    pub count: usize,
}

/// Decodes GET CONFIGURATION data holding the Profile List feature; `None`
/// when the header is short or the first feature is another one.
pub fn parse_profiles(b: &[u8]) -> Option<Profiles> {
    if b.len() < 8 {
        return None;
    }
    // The data length counts the bytes after its own field.
    let total = (u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).saturating_add(4);
    let b = &b[..b.len().min(total)];
    let mut p = Profiles {
        current: u16::from_be_bytes([b[6], b[7]]),
        ..Profiles::default()
    };
    if b.len() < 12 {
        return Some(p);
    }
    if u16::from_be_bytes([b[8], b[9]]) != 0 {
        return None;
    }
    let end = (12 + b[11] as usize).min(b.len());
    for d in b[12..end].chunks_exact(4) {
        let n = u16::from_be_bytes([d[0], d[1]]);
        p.count += 1;
        p.dvd |= (0x0010..=0x002f).contains(&n);
        p.bd |= (0x0040..=0x004f).contains(&n);
    }
    Some(p)
}

/// A name for a profile, for messages.
pub fn profile_name(p: u16) -> &'static str {
    match p {
        0 => "no medium",
        0x0002 => "removable disk",
        PROFILE_CDROM => "CD-ROM",
        0x0009 => "CD-R",
        0x000a => "CD-RW",
        PROFILE_DVD_ROM => "DVD-ROM",
        0x0011 => "DVD-R",
        0x0012 => "DVD-RAM",
        0x0013 | 0x0014 => "DVD-RW",
        0x001a => "DVD+RW",
        0x001b => "DVD+R",
        PROFILE_BD_ROM => "BD-ROM",
        0x0041 | 0x0042 => "BD-R",
        0x0043 => "BD-RE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdb() {
        assert_eq!(get_configuration(0, 64), [0x46, 2, 0, 0, 0, 0, 0, 0, 64, 0]);
        assert_eq!(
            read_toc(0, true, 0xaa, 12),
            [0x43, 2, 0, 0, 0, 0, 0xaa, 0, 12, 0]
        );
        assert_eq!(read_toc(1, false, 0, 12)[2], 1);
    }

    #[test]
    fn profile_list() {
        // DVD-ROM drive with a CD in it: profiles 0010h (not current), 0008h.
        let d = [
            0, 0, 0, 16, 0, 0, 0, 8, 0, 0, 3, 8, 0, 0x10, 0, 0, 0, 0x08, 1, 0,
        ];
        let p = parse_profiles(&d).unwrap();
        assert_eq!(p.current, PROFILE_CDROM);
        assert!(p.dvd && !p.bd);
        assert_eq!(p.count, 2);
        assert_eq!(profile_name(p.current), "CD-ROM");
        // A short answer: the header only.
        assert_eq!(parse_profiles(&d[..8]).unwrap().count, 0);
        assert!(parse_profiles(&d[..7]).is_none());
        // Another feature first.
        let mut e = d;
        e[9] = 1;
        assert!(parse_profiles(&e).is_none());
        // A data length shorter than the buffer cuts the list.
        let mut f = d;
        f[3] = 12;
        assert_eq!(parse_profiles(&f).unwrap().count, 1);
    }
}
