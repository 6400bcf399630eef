/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registration interface that scsi_mod_rs exports to host-adapter
 * (low-level) drivers and to upper-level drivers.
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
 */
#ifndef SCSI_RS_API_H
#define SCSI_RS_API_H

#include <linux/types.h>

#ifndef SCSI_RS_ABI_VERSION
#define SCSI_RS_ABI_VERSION 1
#endif

struct module;
struct scsi_rs_host_driver;	/* a registered host-adapter driver; owned by the core */
struct scsi_rs_upper;		/* a registered upper-level driver; owned by the core */
struct scsi_rs_device;		/* a SCSI device (H:C:T:L); owned by the core */

/* Leads every structure that crosses the interface. Frozen: never changes. */
struct scsi_rs_abi {
	__u32 version;		/* SCSI_RS_ABI_VERSION of the caller */
	__u32 size;		/* sizeof() the enclosing structure, as the caller saw it */
	const char *origin;	/* name of the calling module, for messages */
};

/*
 * A host-adapter driver: its name (proc_name, as in /sys/class/scsi_host/hostN/proc_name),
 * the module that implements it and the limits of its adapters.
 * Registering it does not pin its module.
 */
struct scsi_rs_host_template {
	struct scsi_rs_abi abi;
	const char *name;
	struct module *owner;
	__u32 can_queue;	/* commands in flight per host */
	__u32 cmd_per_lun;	/* default queue depth of a device */
	__u32 sg_tablesize;	/* scatter-gather entries per command */
	__u32 max_sectors;	/* 512-byte sectors per command */
	__u32 max_channel;
	__u32 max_id;
	__u64 max_lun;
};

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
 * new ones as they are scanned: probe() returns 0 to attach or a negative
 * errno to decline; remove() detaches. Registering does not pin its module.
 */
struct scsi_rs_upper_driver {
	struct scsi_rs_abi abi;
	const char *name;	/* driver name on the scsi bus: "sd", "sr", "st", "sg" */
	struct module *owner;
	__u32 type_mask;	/* bit n: peripheral device type n */
	__u32 flags;		/* SCSI_RS_UPPER_F_* */
	void *ctx;		/* passed back to probe and remove */
	int (*probe)(void *ctx, struct scsi_rs_device *sdev);
	void (*remove)(void *ctx, struct scsi_rs_device *sdev);
};

/* Version of the core itself, for dependants that want to print it. */
__u32 scsi_rs_abi_version(void);

int scsi_rs_register_host_driver(const struct scsi_rs_host_template *tmpl,
				 struct scsi_rs_host_driver **out);
void scsi_rs_unregister_host_driver(struct scsi_rs_host_driver *drv);

int scsi_rs_register_upper(const struct scsi_rs_upper_driver *drv,
			   struct scsi_rs_upper **out);
void scsi_rs_unregister_upper(struct scsi_rs_upper *drv);

#endif /* SCSI_RS_API_H */
