/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C part of scsi_emu_c: the emulation of scsi_emu_rs (emu/) behind a
 * host of the kernel's C SCSI mid-layer, so that the C sd, sr, st and sg
 * drivers can be checked against it. The parameters, root device and
 * workqueue are scsi_emu_rs's glue (glue.h, included); the host template,
 * command queue and error handlers are here (glue_c.c); the emulation and
 * the module's life cycle are in Rust (scsi_emu_c_main.rs). Fed to bindgen
 * for the Rust side (see Kbuild).
 */
#ifndef SCSI_EMU_C_GLUE_H
#define SCSI_EMU_C_GLUE_H

#include "../scsi_emu_rs/glue.h"

struct scatterlist;

/* What the emulation says about a command. */
#define EMU_C_SENSE_MAX		32
#define EMU_C_COMPLETE		0
#define EMU_C_DELAY		1
#define EMU_C_DROP		2

struct emu_c_outcome {
	u8 status;		/* SAM status */
	u8 sense_len;
	u8 action;		/* EMU_C_* */
	u8 reserved;
	u32 resid;
	u32 delay_ms;		/* EMU_C_DELAY */
	u8 sense[EMU_C_SENSE_MAX];
};

/*
 * Implemented in Rust: the emulated targets of a host (units), addressed
 * by target id and LUN. scsi_emu_c_execute() returns false, leaving *out
 * alone, when the host has no target id.
 */
bool scsi_emu_c_execute(const void *units, u32 host_no, u32 id, u64 lun, const u8 *cdb,
			u32 cdb_len, struct scatterlist *sgl, u32 nents, u32 len,
			struct emu_c_outcome *out);
void scsi_emu_c_abort(const void *units, u32 id, u64 lun, u32 tag);
void scsi_emu_c_lun_reset(const void *units, u32 id, u64 lun);
void scsi_emu_c_target_reset(const void *units, u32 id);
void scsi_emu_c_reset(const void *units);

/*
 * A host of the C mid-layer, below parent, with targets 0 to num_targets - 1
 * (its max_id), whose commands go to units (which must outlive it). 0 or a
 * negative errno; nothing is scanned yet.
 */
struct emu_c_host;
int emu_c_host_add(struct device *parent, const void *units, u32 num_targets,
		   struct emu_c_host **out, u32 *host_no);
void emu_c_host_scan(struct emu_c_host *h);
/*
 * Gives back what the host holds, removes it and its devices, and frees
 * it; units are no longer used when it returns.
 */
void emu_c_host_remove(struct emu_c_host *h);

#endif /* SCSI_EMU_C_GLUE_H */
