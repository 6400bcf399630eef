// SPDX-License-Identifier: GPL-2.0

//! sg_rs: SCSI generic passthrough driver (the sg of the C stack).
//!
//! Registers with scsi_mod_rs as the `sg` interface driver: every SCSI
//! device, whatever its type, gets a character device `/dev/sgN` (major
//! 21, minor N) with a `scsi_generic` class device below it, numbered
//! from the lowest free N as the C driver numbers them. The files speak
//! the sg version 3 interface: `SG_IO`, asynchronous `write(2)` and
//! `read(2)` of `struct sg_io_hdr` with `poll(2)`, and the sg ioctls
//! (Documentation/generic.rst). Commands go through the core's queue of
//! the device, as every other command does.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::c_str;
use kernel::ffi::{c_int, c_ulong};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};
use kernel::uaccess::UserSlice;

mod chrdev;
#[path = "../rust/chrdev_util.rs"]
mod chrdev_util;
#[path = "../rust/scsi_rs.rs"]
mod scsi_rs;

use chrdev::{oflags, pollmask, File, Node, OpenFlags, PollTable, Registration, WaitQueue};
use scsi_rs::{open, types, Device, DevicePin, SgDone, SgRequest, UpperDriver, UpperRegistration};

module! {
    type: SgModule,
    name: "sg_rs",
    author: "The scsi-rs developers",
    description: "SCSI generic (sg) passthrough driver in Rust",
    license: "GPL",
}

/// The version the C driver reports (3.5.36); sg3_utils takes 4.0 and up
/// for the version 4 interface, which is not here.
const SG_VERSION_NUM: c_int = 30536;
/// Requests a file may have outstanding (the C driver's SG_MAX_QUEUE).
const MAX_QUEUE: usize = 16;
/// Size of `struct sg_io_hdr` (64-bit).
const HDR_LEN: usize = 88;
/// Offset of `pack_id` in it.
const HDR_PACK_ID: usize = 48;
/// Size of the old `struct sg_header`.
const OLD_HDR_LEN: usize = 36;
/// Default reserved buffer size and timeout (USER_HZ ticks) of a file.
const DEF_RESERVED: i32 = 32768;
const DEF_TIMEOUT_USER: i32 = 60 * 100;

mod ioc {
    pub(crate) const SG_SET_TIMEOUT: u32 = 0x2201;
    pub(crate) const SG_GET_TIMEOUT: u32 = 0x2202;
    pub(crate) const SG_GET_COMMAND_Q: u32 = 0x2270;
    pub(crate) const SG_SET_COMMAND_Q: u32 = 0x2271;
    pub(crate) const SG_GET_RESERVED_SIZE: u32 = 0x2272;
    pub(crate) const SG_SET_RESERVED_SIZE: u32 = 0x2275;
    pub(crate) const SG_GET_SCSI_ID: u32 = 0x2276;
    pub(crate) const SG_SET_FORCE_LOW_DMA: u32 = 0x2279;
    pub(crate) const SG_GET_LOW_DMA: u32 = 0x227a;
    pub(crate) const SG_SET_FORCE_PACK_ID: u32 = 0x227b;
    pub(crate) const SG_GET_PACK_ID: u32 = 0x227c;
    pub(crate) const SG_GET_NUM_WAITING: u32 = 0x227d;
    pub(crate) const SG_SET_DEBUG: u32 = 0x227e;
    pub(crate) const SG_GET_SG_TABLESIZE: u32 = 0x227f;
    pub(crate) const SG_GET_VERSION_NUM: u32 = 0x2282;
    pub(crate) const SG_NEXT_CMD_LEN: u32 = 0x2283;
    pub(crate) const SG_SCSI_RESET: u32 = 0x2284;
    pub(crate) const SG_IO: u32 = 0x2285;
    pub(crate) const SG_SET_KEEP_ORPHAN: u32 = 0x2287;
    pub(crate) const SG_GET_KEEP_ORPHAN: u32 = 0x2288;
    pub(crate) const SG_GET_ACCESS_COUNT: u32 = 0x2289;
    pub(crate) const SG_EMULATED_HOST: u32 = 0x2203;
    pub(crate) const SCSI_IOCTL_SEND_COMMAND: u32 = 1;
    pub(crate) const SCSI_IOCTL_GET_IDLUN: u32 = 0x5382;
    pub(crate) const SCSI_IOCTL_PROBE_HOST: u32 = 0x5385;
    pub(crate) const SCSI_IOCTL_GET_BUS_NUMBER: u32 = 0x5386;
    pub(crate) const BLKSECTGET: u32 = 0x1267;
}

/// Who has a node open.
struct Opens {
    /// The device is being removed: no new opens.
    gone: bool,
    count: u32,
    /// Opened with O_EXCL.
    exclusive: bool,
}

/// One node's data, shared by its files.
#[pin_data]
struct SgDev {
    dev: Device,
    /// Largest transfer of one command.
    max_bytes: i32,
    #[pin]
    opens: Mutex<Opens>,
}

/// The driver's data for one device.
struct SgData {
    dev: Arc<SgDev>,
    _node: Node,
}

struct Sg {
    reg: Registration<SgFile>,
}

impl UpperDriver for Sg {
    const NAME: &'static CStr = c_str!("sg");
    const TYPES: u32 = types::ALL;
    const INTERFACE: bool = true;

    type Data = SgData;

    fn probe(&self, dev: Device) -> Result<KBox<SgData>> {
        let i = dev.info()?;
        let max = if i.max_sectors == 0 {
            i32::MAX
        } else {
            (i.max_sectors.min(i32::MAX as u32 >> 9) << 9) as i32
        };
        let sd = Arc::pin_init(
            pin_init!(SgDev {
                dev,
                max_bytes: max,
                opens <- new_mutex!(Opens { gone: false, count: 0, exclusive: false }),
            }),
            GFP_KERNEL,
        )?;
        let node = Node::add(&self.reg, i.dev, sd.clone())?;
        pr_info!(
            "{}:{}:{}:{}: attached as sg{} (type {})\n",
            i.host_no,
            i.channel,
            i.id,
            i.lun,
            node.index(),
            i.dev_type
        );
        Ok(KBox::new(
            SgData {
                dev: sd,
                _node: node,
            },
            GFP_KERNEL,
        )?)
    }

    fn remove(&self, data: KBox<SgData>) {
        // No new opens from here on; open files keep their pin on the
        // device. Dropping the data then removes the node.
        data.dev.opens.lock().gone = true;
    }
}

/// What a file's waiters wait on; outlives the file while requests of it
/// are in flight.
#[pin_data]
struct Shared {
    #[pin]
    wq: WaitQueue,
    /// Bumped at each completion (the waits' condition).
    generation: AtomicU32,
}

/// One request's completion flag.
struct Pending {
    done: AtomicBool,
    shared: Arc<Shared>,
}

impl SgDone for Pending {
    fn done(this: Arc<Self>) {
        this.done.store(true, Ordering::Release);
        this.shared.generation.fetch_add(1, Ordering::AcqRel);
        this.shared.wq.wake_all();
    }
}

/// An outstanding request of a file.
struct Slot {
    req: SgRequest<Pending>,
    pending: Arc<Pending>,
    /// Submission order: reads take the oldest finished request.
    seq: u64,
}

impl Slot {
    fn done(&self) -> bool {
        self.pending.done.load(Ordering::Acquire)
    }
}

/// A file's settings and requests.
struct FileState {
    slots: [Option<Slot>; MAX_QUEUE],
    /// Requests in `slots`.
    count: usize,
    next_seq: u64,
    force_pack_id: bool,
    timeout_user: i32,
    reserved: i32,
    cmd_q: bool,
    keep_orphan: i32,
}

impl FileState {
    /// The index of the oldest request for which `f` holds.
    fn oldest(&self, f: impl Fn(&Slot) -> bool) -> Option<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().filter(|s| f(s)).map(|s| (s.seq, i)))
            .min()
            .map(|(_, i)| i)
    }

    fn done_count(&self) -> usize {
        self.slots.iter().flatten().filter(|s| s.done()).count()
    }
}

/// Counts an open file; undone on drop.
struct OpenRef {
    dev: Arc<SgDev>,
    exclusive: bool,
}

impl Drop for OpenRef {
    fn drop(&mut self) {
        let mut o = self.dev.opens.lock();
        o.count -= 1;
        if self.exclusive {
            o.exclusive = false;
        }
    }
}

/// An open file of a node.
#[pin_data]
struct SgFile {
    #[pin]
    st: Mutex<FileState>,
    shared: Arc<Shared>,
    how: OpenFlags,
    // Dropped after the requests (fields drop in order): the pin keeps
    // the device while they are abandoned.
    pin: DevicePin,
    open: OpenRef,
}

fn put_int(arg: c_ulong, v: c_int) -> Result<c_int> {
    UserSlice::new(arg, 4)
        .writer()
        .write_slice(&v.to_ne_bytes())?;
    Ok(0)
}

fn get_int(arg: c_ulong) -> Result<c_int> {
    let mut b = [0u8; 4];
    UserSlice::new(arg, 4).reader().read_slice(&mut b)?;
    Ok(c_int::from_ne_bytes(b))
}

impl SgFile {
    fn gone(&self) -> bool {
        self.open.dev.opens.lock().gone
    }

    /// Open mode bits for the core: sg rules, and no command filter when
    /// open read-write (the C driver's rule).
    fn mode(&self) -> u32 {
        let mut m = open::SG;
        if self.how.read {
            m |= open::READ;
        }
        if self.how.write {
            m |= open::WRITE;
        }
        if self.how.flags & oflags::ACCMODE == oflags::RDWR {
            m |= open::ANY_CMD;
        }
        m
    }

    /// Takes the oldest finished request (of `pack_id`, unless -1).
    fn take_done(&self, pack_id: i32) -> Option<Slot> {
        let mut st = self.st.lock();
        let i = st.oldest(|s| s.done() && (pack_id == -1 || s.req.pack_id() == pack_id))?;
        st.count -= 1;
        st.slots[i].take()
    }
}

impl File for SgFile {
    type Dev = SgDev;

    fn open(dev: &Arc<SgDev>, how: OpenFlags) -> Result<Pin<KBox<Self>>> {
        let excl = how.flags & oflags::EXCL != 0;
        if excl && how.flags & oflags::ACCMODE == oflags::RDONLY {
            // An exclusive lock needs write access.
            return Err(EPERM);
        }
        let pin = {
            let mut o = dev.opens.lock();
            if o.gone {
                return Err(ENODEV);
            }
            if o.exclusive || (excl && o.count > 0) {
                return Err(EBUSY);
            }
            let pin = dev.dev.get()?;
            o.count += 1;
            o.exclusive = excl;
            pin
        };
        let open = OpenRef {
            dev: dev.clone(),
            exclusive: excl,
        };
        let shared = Arc::pin_init(
            pin_init!(Shared {
                wq <- WaitQueue::new(),
                generation: AtomicU32::new(0),
            }),
            GFP_KERNEL,
        )?;
        let f = KBox::pin_init(
            pin_init!(SgFile {
                st <- new_mutex!(FileState {
                    slots: [const { None }; MAX_QUEUE],
                    count: 0,
                    next_seq: 0,
                    force_pack_id: false,
                    timeout_user: DEF_TIMEOUT_USER,
                    reserved: DEF_RESERVED.min(dev.max_bytes),
                    cmd_q: false,
                    keep_orphan: 0,
                }),
                shared,
                how,
                pin,
                open,
            }),
            GFP_KERNEL,
        )?;
        Ok(f)
    }

    fn write(&self, _flags: u32, buf: c_ulong, count: usize) -> Result<usize> {
        if self.gone() {
            return Err(ENODEV);
        }
        if count < OLD_HDR_LEN {
            return Err(EIO);
        }
        let mut head = [0u8; 8];
        UserSlice::new(buf, 8).reader().read_slice(&mut head)?;
        // A negative second int (the direction) marks a version 3 header;
        // the old `sg_header` interface is not supported.
        let second = i32::from_ne_bytes([head[4], head[5], head[6], head[7]]);
        if second >= 0 || count < HDR_LEN {
            return Err(EINVAL);
        }
        let mut st = self.st.lock();
        let Some(free) = st.slots.iter().position(Option::is_none) else {
            return Err(EDOM);
        };
        st.cmd_q = true;
        let pending = Arc::new(
            Pending {
                done: AtomicBool::new(false),
                shared: self.shared.clone(),
            },
            GFP_KERNEL,
        )?;
        // write() may send any command: the file is open for writing.
        let mode = self.mode() | open::ANY_CMD;
        let req = self
            .pin
            .sg_submit(mode, buf, pending.clone(), &THIS_MODULE)?;
        let seq = st.next_seq;
        st.next_seq += 1;
        st.count += 1;
        st.slots[free] = Some(Slot { req, pending, seq });
        Ok(count)
    }

    fn read(&self, flags: u32, buf: c_ulong, count: usize) -> Result<usize> {
        if count < HDR_LEN {
            return Err(EINVAL);
        }
        let pack_id = if self.st.lock().force_pack_id {
            let mut b = [0u8; 4];
            UserSlice::new(buf + HDR_PACK_ID as c_ulong, 4)
                .reader()
                .read_slice(&mut b)?;
            i32::from_ne_bytes(b)
        } else {
            -1
        };
        let slot = loop {
            let generation = self.shared.generation.load(Ordering::Acquire);
            if let Some(s) = self.take_done(pack_id) {
                break s;
            }
            if flags & oflags::NONBLOCK != 0 {
                return Err(EAGAIN);
            }
            if self.gone() && self.st.lock().count == 0 {
                return Err(ENODEV);
            }
            self.shared
                .wq
                .wait(|| self.shared.generation.load(Ordering::Acquire) != generation)?;
        };
        slot.req.finish(buf)?;
        Ok(count)
    }

    fn poll(&self, pt: &PollTable) -> u32 {
        pt.wait(&self.shared.wq);
        let st = self.st.lock();
        let mut mask = 0;
        if st.done_count() != 0 {
            mask |= pollmask::IN;
        }
        if self.gone() {
            mask |= pollmask::HUP;
        } else if st.count < MAX_QUEUE && (st.cmd_q || st.count == 0) {
            mask |= pollmask::OUT;
        }
        mask
    }

    fn ioctl(&self, _flags: u32, cmd: u32, arg: c_ulong) -> Result<c_int> {
        let read_only = self.how.flags & oflags::ACCMODE != oflags::RDWR;
        match cmd {
            ioc::SG_GET_VERSION_NUM => put_int(arg, SG_VERSION_NUM),
            ioc::SG_IO => {
                if self.gone() {
                    return Err(ENODEV);
                }
                self.pin.ioctl_mode(self.mode(), cmd, arg)
            }
            ioc::SG_SET_TIMEOUT => {
                let v = get_int(arg)?;
                if v < 0 {
                    return Err(EIO);
                }
                self.st.lock().timeout_user = v;
                Ok(0)
            }
            // The value is the return value, as in the C driver.
            ioc::SG_GET_TIMEOUT => Ok(self.st.lock().timeout_user),
            ioc::SG_SET_FORCE_LOW_DMA => Ok(0),
            ioc::SG_GET_LOW_DMA => put_int(arg, 0),
            ioc::SG_SET_FORCE_PACK_ID => {
                let v = get_int(arg)?;
                self.st.lock().force_pack_id = v != 0;
                Ok(0)
            }
            ioc::SG_GET_PACK_ID => {
                let st = self.st.lock();
                let id = st
                    .oldest(Slot::done)
                    .and_then(|i| st.slots[i].as_ref())
                    .map_or(-1, |s| s.req.pack_id());
                drop(st);
                put_int(arg, id)
            }
            ioc::SG_GET_NUM_WAITING => {
                let n = self.st.lock().done_count();
                put_int(arg, n as c_int)
            }
            ioc::SG_SET_RESERVED_SIZE => {
                let v = get_int(arg)?;
                if v < 0 {
                    return Err(EINVAL);
                }
                self.st.lock().reserved = v.min(self.open.dev.max_bytes);
                Ok(0)
            }
            ioc::SG_GET_RESERVED_SIZE => {
                let v = self.st.lock().reserved;
                put_int(arg, v)
            }
            ioc::SG_SET_COMMAND_Q => {
                let v = get_int(arg)?;
                self.st.lock().cmd_q = v != 0;
                Ok(0)
            }
            ioc::SG_GET_COMMAND_Q => {
                let v = self.st.lock().cmd_q;
                put_int(arg, c_int::from(v))
            }
            ioc::SG_SET_KEEP_ORPHAN => {
                let v = get_int(arg)?;
                self.st.lock().keep_orphan = v;
                Ok(0)
            }
            ioc::SG_GET_KEEP_ORPHAN => {
                let v = self.st.lock().keep_orphan;
                put_int(arg, v)
            }
            ioc::SG_NEXT_CMD_LEN => {
                // Only the old interface uses it; checked, then ignored.
                if get_int(arg)? > 252 {
                    return Err(ENOMEM);
                }
                Ok(0)
            }
            ioc::SG_GET_ACCESS_COUNT => {
                let n = self.open.dev.opens.lock().count;
                put_int(arg, n as c_int)
            }
            ioc::SG_SET_DEBUG => get_int(arg).map(|_| 0),
            ioc::SG_GET_SCSI_ID
            | ioc::SG_GET_SG_TABLESIZE
            | ioc::SG_EMULATED_HOST
            | ioc::SCSI_IOCTL_SEND_COMMAND
            | ioc::SCSI_IOCTL_GET_IDLUN
            | ioc::SCSI_IOCTL_GET_BUS_NUMBER
            | ioc::SCSI_IOCTL_PROBE_HOST
            | ioc::SG_SCSI_RESET
            | ioc::BLKSECTGET => {
                if self.gone() {
                    return Err(ENODEV);
                }
                self.pin.ioctl_mode(self.mode(), cmd, arg)
            }
            // Unknown to a read-only opener: refused, as in C.
            _ if read_only => Err(EPERM),
            _ => self.pin.ioctl_mode(self.mode(), cmd, arg),
        }
    }
}

struct SgModule {
    _reg: UpperRegistration<Sg>,
}

impl kernel::Module for SgModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let reg = Registration::new()?;
        Ok(Self {
            _reg: UpperRegistration::new(Sg { reg }, module)?,
        })
    }
}
