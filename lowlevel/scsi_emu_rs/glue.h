/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C binding layer of scsi_emu_rs: what the 6.12 Rust module! macro and
 * kernel crate cannot express (module parameters with set callbacks, the
 * root device, a workqueue with delayed work, reading a file). Every
 * function is a thin wrapper; the driver logic is in Rust. Fed to bindgen
 * for the Rust side (see Kbuild).
 */
#ifndef SCSI_EMU_RS_GLUE_H
#define SCSI_EMU_RS_GLUE_H

#include <linux/types.h>

struct device;

/* Load-time configuration (read-only parameters), read once at init. */
struct emu_glue_config {
	int num_hosts;
	int num_targets;	/* per host: ids 0 to num_targets - 1 */
	int dev_size_mb;
	int sector_size;
	int tape_size_mb;
	int cd_size_mb;
	const char *luns;	/* "disk,cdrom,tape" */
	const char *cd_image;	/* "" or a path */
};
void emu_glue_config(struct emu_glue_config *cfg);

/*
 * Fault injection parameters (0644). Each write of one bumps its
 * generation and the global one, so a LUN applies exactly the rules
 * written since it last looked (writing the same value again re-arms).
 */
#define EMU_GLUE_F_EVERY_NTH	0
#define EMU_GLUE_F_OPCODE	1
#define EMU_GLUE_F_SENSE	2
#define EMU_GLUE_F_DELAY	3
#define EMU_GLUE_F_DROP		4
#define EMU_GLUE_F_BUSY		5
#define EMU_GLUE_F_TSF		6
#define EMU_GLUE_F_LUN		7
#define EMU_GLUE_F_COUNT	8

struct emu_glue_faults {
	u32 gen[EMU_GLUE_F_COUNT];
	u32 every_nth;
	int fail_opcode;	/* -1: any operation code */
	u8 sense_key;
	u8 asc;
	u8 ascq;
	u32 delay_ms;
	u32 drop_nth;
	u32 busy;
	u32 task_set_full;
	int fault_lun;		/* -1: every LUN */
};
/* The global generation: changes on every write of a fault parameter. */
u32 emu_glue_fault_gen(void);
void emu_glue_faults(struct emu_glue_faults *out);

/* True (and one less to go) if the next abort or reset is to fail. */
bool emu_glue_take_eh_fail(void);
/*
 * True (and one less to go) if the next abort or reset is to report
 * success without doing anything (scsi_emu_rs only).
 */
bool emu_glue_take_eh_lie(void);

/* The parent of the hosts: /sys/devices/<module name>. NULL on failure. */
struct device *emu_glue_root_register(void);
void emu_glue_root_unregister(struct device *root);

/* The module's completion workqueue (WQ_MEM_RECLAIM). */
int emu_glue_wq_create(void);
void emu_glue_wq_destroy(void);

/*
 * A delayed work item on that workqueue whose function calls fn(ctx). ctx
 * is set once with emu_glue_kick_bind() before the item is first kicked.
 */
struct emu_glue_kick;
struct emu_glue_kick *emu_glue_kick_new(void (*fn)(void *ctx));
void emu_glue_kick_bind(struct emu_glue_kick *k, void *ctx);
/* Runs the work in ms milliseconds (0: now), replacing an earlier timer. */
void emu_glue_kick(struct emu_glue_kick *k, unsigned int ms);
/* Cancels the work, waits for it to finish, frees the item. */
void emu_glue_kick_free(struct emu_glue_kick *k);

/*
 * Reads a whole file into a new vmalloc buffer of at most max bytes.
 * Returns its size and sets *buf, or a negative errno.
 */
long emu_glue_read_file(const char *path, size_t max, void **buf);

#endif /* SCSI_EMU_RS_GLUE_H */
