// SPDX-License-Identifier: GPL-2.0

//! No-panic fuzzing of every device kind with random and edge-case CDBs
//! and data buffers (host test only).

use super::databuf::SliceBuf;
use super::lun::{Config, Kind, Lun};
use super::outcome::Action;
use super::sense::SenseKey;
use super::target::Target;
use std::vec;
use std::vec::Vec;

/// xorshift64*: small, deterministic, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Operation codes worth hitting often: everything implemented somewhere.
const OPS: &[u8] = &[
    0x00, 0x01, 0x03, 0x04, 0x05, 0x08, 0x0a, 0x10, 0x11, 0x12, 0x15, 0x19, 0x1a, 0x1b, 0x1d, 0x1e,
    0x25, 0x28, 0x2a, 0x2b, 0x2f, 0x34, 0x35, 0x41, 0x42, 0x43, 0x46, 0x4a, 0x51, 0x52, 0x55, 0x5a,
    0x88, 0x8a, 0x8f, 0x91, 0x93, 0x9e, 0xa0, 0xa8, 0xaa, 0xaf, 0xbb, 0xbd,
];

fn interesting(r: &mut Rng) -> u8 {
    match r.below(6) {
        0 => 0,
        1 => 0xff,
        2 => 1,
        3 => 0x80,
        _ => r.byte(),
    }
}

fn random_cdb(r: &mut Rng) -> Vec<u8> {
    let op = if r.below(8) == 0 {
        r.byte()
    } else {
        OPS[r.below(OPS.len() as u64) as usize]
    };
    let len = match r.below(10) {
        0 => r.below(20) as usize,
        _ => super::cdb::cdb_len_for_opcode(op).unwrap_or(6),
    };
    let mut c: Vec<u8> = (0..len).map(|_| interesting(r)).collect();
    if let Some(b) = c.first_mut() {
        *b = op;
    }
    // Mostly valid CONTROL bytes, so that the commands run.
    if r.below(4) != 0 {
        if let Some(b) = c.last_mut() {
            if len > 1 {
                *b = 0;
            }
        }
    }
    // Mostly small transfer lengths.
    if r.below(2) == 0 && len >= 10 {
        let end = len.saturating_sub(1);
        for b in c.iter_mut().take(end).skip(2) {
            if r.below(3) != 0 {
                *b = r.below(4) as u8;
            }
        }
    }
    c
}

/// Iterations per kind: `EMU_FUZZ_ITERS` overrides the default (for longer
/// runs by hand), `EMU_FUZZ_SEED` is mixed into the seeds.
fn iterations(default: usize) -> usize {
    std::env::var("EMU_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fuzz_kind(kind: Kind, seed: u64, iters: usize) {
    let extra: u64 = std::env::var("EMU_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let iters = iterations(iters);
    let mut r = Rng(seed ^ extra.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut cfg = Config::new(kind);
    cfg.thin = true;
    cfg.removable = true;
    let mut t = Target::new();
    t.add_lun(0);
    t.add_lun(3);
    let mut lun = Lun::new(&cfg).unwrap();
    let mut medium = vec![0u8; 96 * 1024];
    for i in 0..iters {
        // Occasional front-end actions and faults.
        match r.below(200) {
            0 => lun.insert_medium(),
            1 => lun.remove_medium(),
            2 => {
                lun.eject_button();
            }
            3 => lun.close_tray(),
            4 => lun.reset(),
            5 => lun.lun_reset(),
            6 => lun.faults_mut().busy(r.below(3) as u32),
            7 => {
                lun.faults_mut()
                    .fail_every(r.below(5) as u32, None, SenseKey::MediumError, 0x11, 0)
            }
            8 => lun.faults_mut().drop_nth(r.below(3) as u32),
            9 => lun.faults_mut().clear(),
            10 => lun.set_write_protect(r.below(2) == 0),
            11 => {
                let n = r.below(96 * 1024) as usize;
                medium.truncate(n);
                medium.resize(n.max(1024), 0);
                lun.capacity_changed();
            }
            12 => t.luns_changed(),
            _ => {}
        }
        let cdb = random_cdb(&mut r);
        let blen = match r.below(5) {
            0 => 0,
            1 => r.below(64) as usize,
            2 => 512,
            3 => 2048,
            _ => r.below(20_000) as usize,
        };
        let mut buf: Vec<u8> = (0..blen).map(|_| r.byte()).collect();
        // Data-out commands sometimes carry valid-looking parameter lists.
        if r.below(3) == 0 && buf.len() >= 8 {
            buf[0] = 0;
            buf[1] = r.below(40) as u8;
            buf[2] = 0;
            buf[3] = [0u8, 8, 16][r.below(3) as usize];
        }
        let mut s = SliceBuf::new(&mut buf);
        let absent = i % 17 == 0;
        let o = if absent {
            t.execute(None, &mut medium, &cdb, &mut s)
        } else {
            t.execute(Some(&mut lun), &mut medium, &cdb, &mut s)
        };
        assert!(
            o.resid as usize <= blen,
            "{cdb:02x?}: resid {} > {blen}",
            o.resid
        );
        assert!(matches!(o.status, 0x00 | 0x02 | 0x08 | 0x28), "{cdb:02x?}");
        if o.status == 0x02 {
            assert_eq!(o.sense_len, 18);
            assert_eq!(o.sense[0] & 0x7f, 0x70);
        } else {
            assert_eq!(o.sense_len, 0);
        }
        if o.action == Action::Drop {
            assert!(!absent);
        }
    }
}

#[test]
fn fuzz_disk() {
    fuzz_kind(Kind::Disk, 0x9e37_79b9_7f4a_7c15, 40_000);
}

#[test]
fn fuzz_cdrom() {
    fuzz_kind(Kind::CdRom, 0xd1b5_4a32_d192_ed03, 40_000);
}

#[test]
fn fuzz_tape() {
    fuzz_kind(Kind::Tape, 0x8cb9_2ba7_2f3d_8dd7, 40_000);
}

#[test]
fn fuzz_tape_fixed_mode() {
    // Fixed block mode first, then random commands.
    let mut r = Rng(42);
    let mut lun = Lun::new(&Config::new(Kind::Tape)).unwrap();
    let mut m = vec![0u8; 32 * 1024];
    let mut sel = [0u8, 0, 0x10, 8, 0, 0, 0, 0, 0, 0, 0x01, 0];
    let mut s = SliceBuf::new(&mut sel);
    lun.execute(&mut m, &[0x15, 0, 0, 0, 12, 0], &mut s);
    let mut s = SliceBuf::new(&mut sel);
    let o = lun.execute(&mut m, &[0x15, 0, 0, 0, 12, 0], &mut s);
    assert!(o.is_good());
    assert_eq!(lun.tape().unwrap().block_len(), 256);
    for _ in 0..20_000 {
        let op = [0x08u8, 0x0a, 0x10, 0x11, 0x01, 0x2b, 0x34, 0x19][r.below(8) as usize];
        let mut c = [op, r.byte() & 0x03, 0, 0, r.below(8) as u8, 0];
        if op == 0x11 && r.below(2) == 0 {
            c[2] = 0xff;
            c[3] = 0xff;
            c[4] = 0xff - r.below(4) as u8;
        }
        let cdb: Vec<u8> = if op == 0x2b || op == 0x34 {
            vec![op, 0, 0, 0, 0, 0, r.below(40) as u8, 0, 0, 0]
        } else {
            c.to_vec()
        };
        let mut buf = vec![r.byte(); r.below(3000) as usize];
        let blen = buf.len();
        let mut s = SliceBuf::new(&mut buf);
        let o = lun.execute(&mut m, &cdb, &mut s);
        assert!(o.resid as usize <= blen);
    }
}
