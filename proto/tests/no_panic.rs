// SPDX-License-Identifier: GPL-2.0

//! Property-style robustness test: every parser and accessor is fed many
//! pseudo-random and mutated buffers and must return without panicking
//! (overflow checks are on in test builds, so arithmetic overflow counts
//! as a failure too).

use scsi_proto::{capacity, cdb, inquiry, luns, mode, sense, status, vpd};

/// xorshift64* generator: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
}

fn exercise(buf: &[u8]) {
    // Status.
    if let Some(&b) = buf.first() {
        if let Some(s) = status::Status::from_u8(b) {
            let _ = s.name();
            let _ = sense::disposition(s, None);
        }
    }

    // Sense.
    if let Ok(s) = sense::Sense::parse(buf) {
        let _ = s.asc_ascq();
        let _ = s.is_unit_attention()
            || s.is_medium_not_present()
            || s.is_capacity_changed()
            || s.is_luns_changed()
            || s.is_power_on_reset()
            || s.is_medium_may_have_changed()
            || s.is_becoming_ready()
            || s.is_start_unit_required()
            || s.is_mode_parameters_changed();
        let _ = s.field_pointer();
        let _ = s.progress();
        let _ = s.retry_count();
        let _ = s.key.name();
        for st in [
            status::Status::CheckCondition,
            status::Status::Good,
            status::Status::Busy,
        ] {
            let _ = sense::disposition(st, Some(&s));
        }
    }
    for d in sense::descriptors(buf) {
        let _ = d.data.len();
    }

    // INQUIRY.
    if let Ok(q) = inquiry::Inquiry::parse(buf) {
        let _ = q.vendor();
        let _ = q.product();
        let _ = q.revision();
        let mut v = [0u8; 8];
        let mut p = [0u8; 16];
        let mut r = [0u8; 4];
        let _ = q.vendor_lossy(&mut v);
        let _ = q.product_lossy(&mut p);
        let _ = q.revision_lossy(&mut r);
        let _ = q.lun_present();
        let _ = q.is_complete();
        let _ = q.ansi_version();
        let _ = q.device_type.short_name();
        let _ = q.device_type.proc_name();
        let _ = q.qualifier.as_u8();
    }

    // READ CAPACITY.
    if let Ok(r) = capacity::ReadCapacity10::parse(buf) {
        let _ = r.total_blocks();
        let _ = r.capacity_bytes();
        let _ = r.needs_16();
    }
    if let Ok(r) = capacity::ReadCapacity16::parse(buf) {
        let _ = r.total_blocks();
        let _ = r.capacity_bytes();
        let _ = r.protection_type();
        let _ = r.physical_block_len();
        let _ = r.logical_per_physical();
    }

    // REPORT LUNS.
    if let Ok(r) = luns::ReportLuns::parse(buf) {
        let _ = r.is_truncated();
        let _ = r.required_alloc_len();
        let _ = r.reported_count();
        let n = r.len();
        let mut count = 0;
        for l in r.iter() {
            let i = l.to_int();
            assert_eq!(luns::Lun::from_int(i), l);
            let _ = l.single_level_number();
            let _ = l.address_method();
            let _ = l.is_well_known();
            count += 1;
        }
        assert_eq!(count, n);
        let _ = r.get(n);
    }

    // VPD.
    if let Ok(p) = vpd::VpdPage::parse(buf) {
        assert!(p.data.len() <= p.page_len as usize);
        let _ = p.is_truncated();
        let _ = p.required_alloc_len();
    }
    let _ = vpd::supported_pages(buf);
    let _ = vpd::supports_page(buf, 0x83);
    let _ = vpd::unit_serial(buf);
    let mut s = [0u8; 32];
    let _ = vpd::unit_serial_lossy(buf, &mut s);
    if let Ok(ds) = vpd::designators(buf) {
        for d in ds {
            let _ = d.as_str();
            let _ = d.naa();
        }
    }
    let _ = vpd::best_lu_designator(buf);
    let _ = vpd::BlockLimits::parse(buf);
    if let Ok(c) = vpd::BlockCharacteristics::parse(buf) {
        let _ = c.rotation();
    }
    let _ = vpd::Provisioning::parse(buf);

    // Mode data, both header formats.
    for m in [mode::ModeData::parse_6(buf), mode::ModeData::parse_10(buf)]
        .into_iter()
        .flatten()
    {
        let _ = m.is_truncated();
        let _ = m.header.write_protected();
        let _ = m.header.dpofua();
        let _ = m.header.total_len();
        for bd in m.block_descriptors() {
            let _ = bd.blocks;
        }
        for p in m.pages() {
            assert!(p.data.len() <= p.page_len as usize);
            if let Ok(mut c) = mode::CachingPage::from_page(&p) {
                let _ = c.wce();
                c.set_wce(true);
                c.set_rcd(false);
                let mut o6 = [0u8; 24];
                let mut o10 = [0u8; 28];
                assert!(c.write_select_6(&mut o6) <= 24);
                assert!(c.write_select_10(&mut o10) <= 28);
            }
        }
        let _ = mode::CachingPage::from_mode_data(&m);
    }

    // CDB length helper.
    let _ = cdb::cdb_len(buf);
}

/// Structurally plausible seeds, mutated below.
fn seeds() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = vec![
        vec![
            0x70, 0, 0x06, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x29, 0, 0, 0, 0, 0,
        ],
        vec![
            0x72, 0x03, 0x11, 0x00, 0, 0, 0, 0x14, 0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            0x02, 0x06, 0x80, 0, 5, 0, 0, 0,
        ],
        b"\x00\x00\x05\x12\x1f\x00\x00\x12QEMU    QEMU HARDDISK   2.5+".to_vec(),
        vec![0, 0x3f, 0xff, 0xff, 0, 0, 2, 0],
    ];
    let mut rc16 = vec![0u8; 32];
    rc16[7] = 0xff;
    rc16[10] = 2;
    rc16[13] = 3;
    rc16[14] = 0xc0;
    v.push(rc16);
    v.push(vec![
        0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
    ]);
    v.push(vec![
        0, 0x83, 0, 12, 0x01, 0x03, 0, 8, 0x50, 0, 0, 0, 0, 0, 0, 1,
    ]);
    let mut b0 = vec![0u8; 64];
    b0[1] = 0xb0;
    b0[3] = 0x3c;
    v.push(b0);
    v.push(vec![0, 0xb1, 0, 4, 0, 1, 0, 0]);
    v.push(vec![0, 0xb2, 0, 4, 0, 0xe0, 2, 0]);
    let mut ms = vec![
        0x1f, 0, 0x10, 0x08, 0, 0x20, 0, 0, 0, 0, 2, 0, 0x88, 0x12, 0x04,
    ];
    ms.resize(32, 0);
    v.push(ms);
    let mut ms10 = vec![0, 0x1e, 0, 0, 1, 0, 0, 16];
    ms10.resize(24, 0);
    ms10.extend_from_slice(&[0x48, 0x00, 0x00, 0x02, 0x04, 0x00, 0x08, 0x12]);
    v.push(ms10);
    v
}

#[test]
fn random_buffers_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut buf = [0u8; 320];
    for _ in 0..20_000 {
        let len = rng.below(buf.len() + 1);
        let b = &mut buf[..len];
        rng.fill(b);
        exercise(b);
    }
}

#[test]
fn mutated_seeds_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let seeds = seeds();
    for seed in &seeds {
        exercise(seed);
    }
    for _ in 0..20_000 {
        let mut b = seeds[rng.below(seeds.len())].clone();
        // Flip a few bytes, favouring header bytes and extremes.
        for _ in 0..=rng.below(4) {
            if b.is_empty() {
                break;
            }
            let i = if rng.below(2) == 0 {
                rng.below(b.len().min(8))
            } else {
                rng.below(b.len())
            };
            b[i] = match rng.below(4) {
                0 => 0x00,
                1 => 0xff,
                _ => rng.next() as u8,
            };
        }
        // Sometimes truncate, sometimes extend with junk.
        match rng.below(4) {
            0 => {
                let n = rng.below(b.len() + 1);
                b.truncate(n);
            }
            1 => {
                for _ in 0..rng.below(40) {
                    b.push(rng.next() as u8);
                }
            }
            _ => {}
        }
        exercise(&b);
    }
}

#[test]
fn builders_never_panic() {
    let mut rng = Rng(42);
    let mut out = [0u8; 512];
    for _ in 0..5_000 {
        let lba = rng.next();
        let n = rng.next() as u32;
        let f = rng.below(2) == 0;
        let r = cdb::rw(cdb::Direction::Read, lba, n, f, rng.below(2) == 0);
        assert_eq!(cdb::cdb_len(r.as_bytes()), Some(r.len()));
        let _ = cdb::synchronize_cache_16(lba, n, f);
        let _ = cdb::mode_sense_6(
            f,
            cdb::PageControl::Saved,
            rng.next() as u8,
            0,
            rng.next() as u8,
        );
        let _ = cdb::start_stop_unit_power(rng.next() as u8, f);
        let _ = cdb::unmap_param_single(lba, n);

        let k = rng.below(out.len() + 1);
        let cnt = rng.below(40);
        let ranges: Vec<(u64, u32)> = (0..cnt).map(|_| (rng.next(), rng.next() as u32)).collect();
        if let Ok(len) = cdb::unmap_params(&ranges, &mut out[..k]) {
            assert!(len <= k);
        }
        let lunv: Vec<luns::Lun> = (0..cnt).map(|_| luns::Lun::from_int(rng.next())).collect();
        let len = luns::build_report_luns(&lunv, &mut out[..k]).unwrap();
        assert!(len <= k);
        let parsed = luns::ReportLuns::parse(&out[..len]);
        if let Ok(p) = parsed {
            assert_eq!(p.reported_count() as usize, cnt);
            assert!(p.iter().zip(lunv.iter()).all(|(a, b)| a == *b));
        }

        let mut s = [0u8; 18];
        sense::build_fixed(
            sense::SenseKey::from_u8(rng.next() as u8),
            rng.next() as u8,
            0,
            &mut s,
        );
        sense::set_fixed_info(&mut s, rng.next() as u32);
        sense::set_fixed_sense_key_specific(
            &mut s,
            sense::field_pointer_bytes(f, rng.next() as u16, Some(rng.next() as u8)),
        );
        let parsed = sense::Sense::parse(&s).unwrap();
        assert_eq!(parsed.format, sense::Format::Fixed);

        let mut r10 = [0u8; 8];
        capacity::ReadCapacity10::build(lba, n, &mut r10);
        let mut r16 = [0u8; 32];
        capacity::ReadCapacity16::build(lba, n, rng.next() as u8, f, !f, &mut r16);
        let back = capacity::ReadCapacity16::parse(&r16).unwrap();
        assert_eq!(back.last_lba, lba.saturating_sub(1));

        let mut bd = [0u8; 8];
        mode::BlockDescriptor::write_short_disk(lba, n, &mut bd);
    }
}
