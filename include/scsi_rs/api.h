/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface that scsi_mod_rs exports to host-adapter (low-level) drivers
 * and to upper-level drivers.
 *
 * This one header is the whole contract between the core and the modules
 * built against it. Dependants feed it to bindgen and use it through the safe
 * wrapper in rust/scsi_rs.rs; the core implements it in Rust and exports it
 * from scsi_mod_rs/exports.c.
 *
 * Versioning: every structure passed to the core starts with a struct
 * scsi_rs_abi that carries SCSI_RS_ABI_VERSION and the size of the structure
 * as the caller was compiled. The core accepts an exact match only and
 * otherwise fails the call with -EINVAL and a message naming both versions,
 * so a module built against another version of this header is refused when it
 * loads instead of misreading memory. Bump SCSI_RS_ABI_VERSION on any change
 * of a structure, a function or the meaning of a field.
 *
 * Version 2: hosts, commands, devices (see Documentation/registration.rst).
 */
#ifndef SCSI_RS_API_H
#define SCSI_RS_API_H

#include <linux/types.h>

#ifndef SCSI_RS_ABI_VERSION
#define SCSI_RS_ABI_VERSION 2
#endif

struct module;
struct device;
struct scatterlist;
struct request;
struct request_queue;
struct blk_mq_queue_map;
struct scsi_rs_host_driver;	/* a registered host-adapter driver; owned by the core */
struct scsi_rs_host;		/* one adapter instance (hostN); owned by the core */
struct scsi_rs_upper;		/* a registered upper-level driver; owned by the core */
struct scsi_rs_device;		/* a SCSI device (H:C:T:L); owned by the core */

/* Leads every structure that crosses the interface. Frozen: never changes. */
struct scsi_rs_abi {
	__u32 version;		/* SCSI_RS_ABI_VERSION of the caller */
	__u32 size;		/* sizeof() the enclosing structure, as the caller saw it */
	const char *origin;	/* name of the calling module, for messages */
};

/* ------------------------------------------------------------------------
 * Commands
 */

#define SCSI_RS_MAX_CDB		32
#define SCSI_RS_SENSE_SIZE	96

/* Data direction of a command. */
#define SCSI_RS_DIR_NONE	0
#define SCSI_RS_DIR_TO_DEVICE	1	/* write */
#define SCSI_RS_DIR_FROM_DEVICE	2	/* read */

/* What the adapter says about a command besides its SCSI status. */
#define SCSI_RS_HOST_OK		0	/* delivered; see status */
#define SCSI_RS_HOST_NO_CONNECT	1	/* no such target or LUN (selection timeout) */
#define SCSI_RS_HOST_BAD_TARGET	2	/* address out of the adapter's range */
#define SCSI_RS_HOST_ABORTED	3	/* ended by an abort */
#define SCSI_RS_HOST_RESET	4	/* ended by a reset */
#define SCSI_RS_HOST_ERROR	5	/* adapter or transport failure */
#define SCSI_RS_HOST_RETRY	6	/* transient transport disruption: retry */

/*
 * Command flags. LAST: the last command of a batch: notify the hardware now
 * (without it, more commands follow at once, or the template's commit()
 * is called). A driver without commit() gets LAST on every command.
 */
#define SCSI_RS_CMD_F_LAST	0x1

/*
 * One command. The core owns it (it lives in the block layer's request);
 * it is handed to the adapter's queuecommand and given back with
 * scsi_rs_cmd_done(). Every queued command is given back exactly once, also
 * when it is aborted or its device, target or host is reset.
 */
struct scsi_rs_cmd {
	/* Set by the core; read-only for the adapter. */
	__u8 cdb[SCSI_RS_MAX_CDB];
	__u16 cdb_len;
	__u8 dir;		/* SCSI_RS_DIR_* */
	__u8 flags;		/* SCSI_RS_CMD_F_* */
	__u32 channel;
	__u32 id;
	__u64 lun;
	__u32 tag;		/* unique within the host while in flight */
	__u16 hwq;		/* hardware queue (0 .. nr_hw_queues - 1) */
	__u16 sg_count;		/* entries in sgl (a chained list: sg_next) */
	__u32 data_len;		/* bytes to transfer */
	__u32 timeout_ms;
	struct scatterlist *sgl;
	void *lld_priv;		/* cmd_priv_size bytes for the adapter */
	/* Set by the adapter before scsi_rs_cmd_done(). */
	__u8 status;		/* SAM status byte */
	__u8 host;		/* SCSI_RS_HOST_* */
	__u16 sense_len;	/* valid bytes in sense */
	__u32 resid;		/* bytes not transferred */
	__u8 sense[SCSI_RS_SENSE_SIZE];
};

/* Gives a command back to the core. Any context, interrupts included. */
void scsi_rs_cmd_done(struct scsi_rs_cmd *cmd);

/*
 * Upper drivers, from init_command: the command sends LEN bytes from BUF
 * (copied into the command; at most SCSI_RS_MAX_PAYLOAD) instead of the
 * request's data: the parameter list of an UNMAP for a discard, and the
 * like. Sets sgl, sg_count, data_len and dir (to the device). 0, or
 * -EINVAL for a bad length or a request that carries data. Added within version 2: a module that uses it
 * needs a core that exports it (modprobe reports the unknown symbol).
 */
#define SCSI_RS_MAX_PAYLOAD	64
int scsi_rs_cmd_set_payload(struct scsi_rs_cmd *cmd, const void *buf, __u32 len);

/*
 * Upper drivers, from init_command: the command sends LEN bytes of zeroes
 * (1 .. PAGE_SIZE, from the kernel's zero page) instead of the request's
 * data: the block of a WRITE SAME that zeroes or deallocates. Sets sgl,
 * sg_count, data_len and dir (to the device). 0, or -EINVAL. Added within
 * version 2, as scsi_rs_cmd_set_payload.
 */
int scsi_rs_cmd_set_zeroes(struct scsi_rs_cmd *cmd, __u32 len);

/*
 * Upper drivers, from init_command: how often the core retries the command
 * of a file-system request where a retry is allowed (unit attention,
 * aborted command, transport errors; default 5); a negative ALLOWED means
 * no limit. Busy and queue-full answers are retried apart from this. 0, or
 * -EINVAL. Added within version 2, as scsi_rs_cmd_set_payload.
 */
int scsi_rs_cmd_set_retries(struct scsi_rs_cmd *cmd, int allowed);

/* ------------------------------------------------------------------------
 * Host-adapter drivers and hosts
 */

/* queuecommand() answers */
#define SCSI_RS_QC_OK		0	/* accepted: it will be given back */
#define SCSI_RS_QC_HOST_BUSY	1	/* try again when a command of this host ends */
#define SCSI_RS_QC_TARGET_BUSY	2
#define SCSI_RS_QC_DEVICE_BUSY	3

/* reset() levels */
#define SCSI_RS_RESET_LUN	1
#define SCSI_RS_RESET_TARGET	2
#define SCSI_RS_RESET_BUS	3
#define SCSI_RS_RESET_HOST	4

/*
 * A host-adapter driver: its name (proc_name, as in
 * /sys/class/scsi_host/hostN/proc_name), the module that implements it, the
 * default limits of its adapters and its entry points. Registering it does
 * not pin its module; a host whose device is open does.
 *
 * hostdata is the pointer the driver passed to scsi_rs_host_add().
 */
struct scsi_rs_host_template {
	struct scsi_rs_abi abi;
	const char *name;
	struct module *owner;
	__u32 can_queue;	/* commands in flight per host */
	__u32 cmd_per_lun;	/* default queue depth of a device */
	__u32 sg_tablesize;	/* scatter-gather entries per command */
	__u32 max_sectors;	/* 512-byte sectors per command */
	__u32 max_channel;	/* highest channel number */
	__u32 max_id;		/* number of target ids */
	__u64 max_lun;		/* number of LUNs */
	__u32 cmd_priv_size;	/* bytes of adapter data per command */
	__u32 reserved;
	/* Starts a command; SCSI_RS_QC_*. May be called from atomic context. */
	int (*queuecommand)(void *hostdata, struct scsi_rs_cmd *cmd);
	/*
	 * Asks the adapter to abort a command it holds. 0: the command has
	 * been or will be given back (with SCSI_RS_HOST_ABORTED unless it had
	 * already finished); negative errno: the abort failed. Process context.
	 */
	int (*abort)(void *hostdata, struct scsi_rs_cmd *cmd);
	/*
	 * Resets a LUN, target, bus or the whole adapter (SCSI_RS_RESET_*). 0:
	 * done, and every command it ended has been or will be given back.
	 * Process context. When a host reset fails (or leaves the timed-out
	 * command with the adapter), the core takes the device offline and
	 * ends that command itself: the adapter must then never give back a
	 * command it held when its host reset failed (the core ignores a
	 * give-back of a command it ended, but not once the request is
	 * dispatched again).
	 */
	int (*reset)(void *hostdata, __u32 level, __u32 channel, __u32 id, __u64 lun);
	/*
	 * Optional: maps CPUs to the adapter's hardware queues (for example so
	 * that a queue's completions arrive on the CPUs that submit to it);
	 * nonzero if done, else the block layer's default map is used.
	 */
	int (*map_queues)(void *hostdata, struct blk_mq_queue_map *qmap);
	/*
	 * Optional: a batch ended without a command flagged
	 * SCSI_RS_CMD_F_LAST (the block layer stopped early): notify the
	 * hardware of queue hwq now. Atomic context.
	 */
	void (*commit)(void *hostdata, __u16 hwq);
};

/*
 * What one adapter instance reports about itself. Zero fields take the
 * template's value (or the block layer's default for the DMA fields).
 */
struct scsi_rs_host_params {
	struct scsi_rs_abi abi;
	__u32 can_queue;
	__u32 cmd_per_lun;
	__u32 sg_tablesize;
	__u32 max_sectors;
	__u32 max_channel;
	__u32 max_id;
	__u64 max_lun;
	__u32 nr_hw_queues;	/* request queues of the adapter (default 1) */
	__u32 max_segment_size;	/* bytes per scatter-gather entry */
	__u64 seg_boundary_mask;
	__u32 dma_alignment;	/* mask: buffers must be aligned to it + 1 */
	__u32 reserved;
};

/* Version of the core itself, for dependants that want to print it. */
__u32 scsi_rs_abi_version(void);

int scsi_rs_register_host_driver(const struct scsi_rs_host_template *tmpl,
				 struct scsi_rs_host_driver **out);
/* Every host of the driver must have been removed first. */
void scsi_rs_unregister_host_driver(struct scsi_rs_host_driver *drv);

/*
 * Adds a host (hostN, a child of parent) for an adapter the driver found.
 * Nothing is scanned until scsi_rs_host_scan(). Process context.
 */
int scsi_rs_host_add(struct scsi_rs_host_driver *drv, struct device *parent,
		     const struct scsi_rs_host_params *params, void *hostdata,
		     struct scsi_rs_host **out);
/* The host number N of hostN. */
__u32 scsi_rs_host_no(const struct scsi_rs_host *host);
/* Scans the host's buses as the core's scan= parameter says (sync, async, none). */
void scsi_rs_host_scan(struct scsi_rs_host *host);
/*
 * Scans one target (lun == ~0: all its LUNs) or one LUN, for hot-plug
 * events; a device that is already there is revalidated. Process context.
 */
int scsi_rs_host_scan_target(struct scsi_rs_host *host, __u32 channel, __u32 id, __u64 lun);
/* Removes the device at an address, for hot-unplug events. Process context. */
void scsi_rs_host_remove_device(struct scsi_rs_host *host, __u32 channel, __u32 id, __u64 lun);
/* The device at an address reports a parameter change: revalidate it. */
void scsi_rs_host_rescan_device(struct scsi_rs_host *host, __u32 channel, __u32 id, __u64 lun);
/*
 * Removes the host and its devices. Commands still queued to the adapter must
 * be given back for this to return; the adapter may fail them
 * (SCSI_RS_HOST_NO_CONNECT) once its hardware is gone. Process context.
 */
void scsi_rs_host_remove(struct scsi_rs_host *host);

/* ------------------------------------------------------------------------
 * Upper-level drivers and devices
 */

/* Peripheral device types (INQUIRY byte 0, bits 4..0) an upper driver serves. */
#define SCSI_RS_TYPE_MASK_ALL 0xffffffffU

/*
 * Upper driver flags. An interface driver (sg) attaches to its devices
 * alongside the one bus driver that binds each device (sd, sr, st), as a
 * class interface does in the C stack: it is not a driver on the scsi bus.
 */
#define SCSI_RS_UPPER_F_INTERFACE 0x1U

/*
 * An upper-level driver (disk, CD-ROM, tape, generic). The core offers it
 * every device whose type is in type_mask, existing ones at registration and
 * new ones as they are scanned: probe() returns 0 to attach (and may set
 * *ddata, the driver's data for the device, passed to the other callbacks)
 * or a negative errno to decline; remove() detaches. Registering does not pin
 * its module.
 */
struct scsi_rs_upper_driver {
	struct scsi_rs_abi abi;
	const char *name;	/* driver name on the scsi bus: "sd", "sr", "st", "sg" */
	struct module *owner;
	__u32 type_mask;	/* bit n: peripheral device type n */
	__u32 flags;		/* SCSI_RS_UPPER_F_* */
	void *ctx;		/* passed back to probe and remove */
	int (*probe)(void *ctx, struct scsi_rs_device *sdev, void **ddata);
	/*
	 * Bus drivers, optional: called after a successful probe, once the
	 * core routes the device's file-system requests to init_command with
	 * ddata (adding a disk scans its partitions: I/O). An error detaches
	 * the driver again (remove is called).
	 */
	int (*start)(void *ctx, void *ddata);
	void (*remove)(void *ctx, struct scsi_rs_device *sdev, void *ddata);
	/*
	 * Bus drivers: turns a file-system request of the device's queue
	 * into a command. The core has set dir, data_len, sgl, sg_count and
	 * the address; the driver sets cdb and cdb_len (and may lower
	 * data_len). 0, -EAGAIN (out of resources: requeued) or another
	 * negative errno (the request fails). Atomic context.
	 */
	int (*init_command)(void *ddata, struct request *rq, struct scsi_rs_cmd *cmd);
	/*
	 * The device may have changed (UNIT ATTENTION for capacity or
	 * medium, sysfs rescan, adapter event). Process context. Optional.
	 */
	void (*rescan)(void *ddata);
	/*
	 * Bus drivers, optional: the system is going down (power-off, reboot):
	 * flush what must reach the medium. Process context.
	 */
	void (*shutdown)(void *ctx, void *ddata);
};

int scsi_rs_register_upper(const struct scsi_rs_upper_driver *drv,
			   struct scsi_rs_upper **out);
void scsi_rs_unregister_upper(struct scsi_rs_upper *drv);

/* What an upper driver knows about a device. */
struct scsi_rs_device_info {
	struct scsi_rs_abi abi;
	__u32 host_no;
	__u32 channel;
	__u32 id;
	__u32 max_sectors;	/* 512-byte sectors per command (added within version 2) */
	__u64 lun;
	__u8 type;		/* peripheral device type */
	__u8 removable;		/* RMB */
	__u8 scsi_level;	/* as the C stack counts it: ANSI version + 1 (SPC-2 = 5, SPC-3 = 6) */
	__u8 inquiry_len;	/* valid bytes in inquiry */
	__u8 inquiry[96];	/* standard INQUIRY data */
	struct device *dev;	/* the H:C:T:L device: parent of device nodes */
	struct request_queue *queue;	/* the device's request queue */
};
int scsi_rs_device_info(struct scsi_rs_device *sdev, struct scsi_rs_device_info *out);

/*
 * Pins a device for an open device node: its host's module and the device
 * structure. -ENXIO once the device is being removed or is offline.
 */
int scsi_rs_device_get(struct scsi_rs_device *sdev);
void scsi_rs_device_put(struct scsi_rs_device *sdev);

/* A synchronous command from an upper driver or the core's ioctls. */
struct scsi_rs_exec {
	struct scsi_rs_abi abi;
	__u8 cdb[SCSI_RS_MAX_CDB];
	__u16 cdb_len;
	__u8 dir;		/* SCSI_RS_DIR_* */
	__u8 reserved;
	__u32 len;		/* bytes of buf */
	void *buf;		/* kernel memory (kmalloc or vmalloc) */
	__u32 timeout_ms;	/* 0: the device's timeout */
	__u32 retries;		/* retries on UNIT ATTENTION and transient errors */
	/* results */
	__u8 status;		/* SAM status */
	__u8 host;		/* SCSI_RS_HOST_* */
	__u16 sense_len;
	__u32 resid;
	__u8 sense[SCSI_RS_SENSE_SIZE];
};
/*
 * Sends a command and waits for it. 0 when the command ran (check status,
 * host and sense), a negative errno when it could not be sent. Process
 * context.
 */
int scsi_rs_execute(struct scsi_rs_device *sdev, struct scsi_rs_exec *x);

/* Open mode bits for scsi_rs_ioctl() and scsi_rs_sg_submit(). */
#define SCSI_RS_OPEN_READ	0x1U
#define SCSI_RS_OPEN_WRITE	0x2U
/*
 * A generic (sg) node: sg_io_hdr checks and errors as the C sg driver
 * makes them (-ENOSYS for a wrong interface id, -EMSGSIZE for a CDB
 * shorter than 6 bytes, ...), and with SCSI_RS_OPEN_ANY_CMD (the node is
 * open read-write) no command filter. Added within version 2.
 */
#define SCSI_RS_OPEN_SG		0x4U
#define SCSI_RS_OPEN_ANY_CMD	0x8U
/*
 * The SCSI ioctls every device node supports: SG_IO, SG_GET_VERSION_NUM,
 * SCSI_IOCTL_GET_IDLUN, SCSI_IOCTL_GET_BUS_NUMBER, SCSI_IOCTL_SEND_COMMAND,
 * SG_{GET,SET}_TIMEOUT, SG_GET_RESERVED_SIZE, SG_EMULATED_HOST,
 * SCSI_IOCTL_PROBE_HOST and SG_SCSI_RESET, with the C stack's permission
 * rules; with SCSI_RS_OPEN_SG also SG_GET_SCSI_ID, SG_GET_SG_TABLESIZE and
 * BLKSECTGET. Runs in the caller's context; -ENOIOCTLCMD for anything else.
 */
int scsi_rs_ioctl(struct scsi_rs_device *sdev, __u32 open_mode, unsigned int cmd,
		  unsigned long arg);

/*
 * Asynchronous SG_IO for the generic driver (write() and read() of an
 * sg_io_hdr). Added within version 2.
 *
 * scsi_rs_sg_submit() reads the version 3 header at the user address hdr
 * (the caller's context), checks it as open_mode says, maps the user's
 * data and starts the command. done(ctx) is then called once, from the
 * command's completion context (interrupts included), unless the request
 * is abandoned first; owner (the module holding done) is pinned until
 * done() has returned.
 */
struct scsi_rs_sg_req;		/* one started request; owned by the core */
struct scsi_rs_sg_submit {
	struct scsi_rs_abi abi;
	__u32 open_mode;	/* SCSI_RS_OPEN_* */
	__u32 reserved;
	unsigned long hdr;	/* user address of the struct sg_io_hdr */
	struct module *owner;
	void (*done)(void *ctx);
	void *ctx;
};
int scsi_rs_sg_submit(struct scsi_rs_device *sdev, const struct scsi_rs_sg_submit *s,
		      struct scsi_rs_sg_req **out);
/* The header's pack_id. */
int scsi_rs_sg_pack_id(const struct scsi_rs_sg_req *req);
/*
 * After done(): fills in the header's results, copies the sense data and
 * the data read to the user, writes the header to the user address hdr
 * and frees the request. 0, -EFAULT, or -EBUSY (and nothing done) when
 * done() has not been called yet. Process context of the submitter's
 * address space.
 */
int scsi_rs_sg_finish(struct scsi_rs_sg_req *req, unsigned long hdr);
/*
 * The caller drops the request (its file is closed): the core frees it
 * when it has ended, from its own workqueue, writing nothing to user
 * memory. 1: done() will not be called (ctx is the caller's again); 0:
 * done() has been or is being called.
 */
int scsi_rs_sg_abandon(struct scsi_rs_sg_req *req);

#endif /* SCSI_RS_API_H */
