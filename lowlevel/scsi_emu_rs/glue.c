// SPDX-License-Identifier: GPL-2.0
/*
 * The C binding layer of scsi_emu_rs (see glue.h): the module parameters,
 * the root device, the completion workqueue and its delayed work items, and
 * reading a CD image. The driver logic is in Rust (scsi_emu_main.rs).
 *
 * scsi_emu_c, the same emulation under the C mid-layer, includes this file
 * in its own C part: names below come from KBUILD_MODNAME.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/kernel_read_file.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "glue.h"

/* ------------------------------------------------------------------------
 * Load-time parameters, checked by the Rust side at init.
 */

static int num_hosts = 1;
module_param(num_hosts, int, 0444);
MODULE_PARM_DESC(num_hosts, "number of emulated host adapters, 1 to 8 (default 1)");

static int num_targets = 1;
module_param(num_targets, int, 0444);
MODULE_PARM_DESC(num_targets,
		 "targets per host adapter, ids 0 to N-1, each with the LUNs of luns and media of its own, 1 to 16 (default 1)");

static char luns[64] = "disk,cdrom,tape";
module_param_string(luns, luns, sizeof(luns), 0444);
MODULE_PARM_DESC(luns,
		 "kinds of LUNs 0, 1, ... of every target, comma separated: disk, cdrom, tape (default disk,cdrom,tape; at most 16)");

static int dev_size_mb = 16;
module_param(dev_size_mb, int, 0444);
MODULE_PARM_DESC(dev_size_mb,
		 "size of each disk in MiB, 1 to 1024 (default 16); the media of all LUNs of all targets and hosts may take at most 1 GiB");

static int sector_size = 512;
module_param(sector_size, int, 0444);
MODULE_PARM_DESC(sector_size, "logical block size of the disks: 512, 1024, 2048 or 4096 (default 512)");

static int tape_size_mb = 8;
module_param(tape_size_mb, int, 0444);
MODULE_PARM_DESC(tape_size_mb, "capacity of each tape cartridge in MiB, 1 to 1024 (default 8)");

static int cd_size_mb = 4;
module_param(cd_size_mb, int, 0444);
MODULE_PARM_DESC(cd_size_mb, "size of the all-zero disc of a CD-ROM without cd_image, in MiB, 1 to 1024 (default 4)");

static char cd_image[256];
module_param_string(cd_image, cd_image, sizeof(cd_image), 0444);
MODULE_PARM_DESC(cd_image, "path of an ISO image read at load as the disc of every CD-ROM (default: an all-zero disc)");

void emu_glue_config(struct emu_glue_config *cfg)
{
	cfg->num_hosts = num_hosts;
	cfg->num_targets = num_targets;
	cfg->dev_size_mb = dev_size_mb;
	cfg->sector_size = sector_size;
	cfg->tape_size_mb = tape_size_mb;
	cfg->cd_size_mb = cd_size_mb;
	cfg->luns = luns;
	cfg->cd_image = cd_image;
}

/* ------------------------------------------------------------------------
 * Fault injection parameters, writable at run time. A write stores the
 * value, then bumps the parameter's generation, then the global one; the
 * Rust side reads them in the opposite order (emu_glue_faults()).
 */

static u32 fault_gen;
static u32 fault_gens[EMU_GLUE_F_COUNT];

static unsigned int every_nth;
static int fail_opcode = -1;
static u32 fail_sense = 0x031100;	/* key << 16 | asc << 8 | ascq */
static unsigned int delay_ms;
static unsigned int drop_nth;
static unsigned int busy;
static unsigned int task_set_full;
static int fault_lun = -1;

static void emu_fault_bump(unsigned int idx)
{
	smp_wmb();	/* the value before its generation */
	WRITE_ONCE(fault_gens[idx], fault_gens[idx] + 1);
	smp_wmb();	/* the parameter's generation before the global one */
	WRITE_ONCE(fault_gen, fault_gen + 1);
}

u32 emu_glue_fault_gen(void)
{
	return smp_load_acquire(&fault_gen);
}

void emu_glue_faults(struct emu_glue_faults *out)
{
	unsigned int i;
	u32 sense;

	for (i = 0; i < EMU_GLUE_F_COUNT; i++)
		out->gen[i] = READ_ONCE(fault_gens[i]);
	smp_rmb();	/* pairs with the first barrier of emu_fault_bump() */
	out->every_nth = READ_ONCE(every_nth);
	out->fail_opcode = READ_ONCE(fail_opcode);
	sense = READ_ONCE(fail_sense);
	out->sense_key = sense >> 16;
	out->asc = sense >> 8;
	out->ascq = sense;
	out->delay_ms = READ_ONCE(delay_ms);
	out->drop_nth = READ_ONCE(drop_nth);
	out->busy = READ_ONCE(busy);
	out->task_set_full = READ_ONCE(task_set_full);
	out->fault_lun = READ_ONCE(fault_lun);
}

/* Parameters are set under the module's parameter lock: no writer races. */
#define EMU_FAULT_PARAM(name, type, idx, desc)					\
	static int emu_set_##name(const char *val, const struct kernel_param *kp) \
	{									\
		int ret = param_set_##type(val, kp);				\
										\
		if (!ret)							\
			emu_fault_bump(idx);					\
		return ret;							\
	}									\
	static const struct kernel_param_ops emu_ops_##name = {			\
		.set = emu_set_##name,						\
		.get = param_get_##type,					\
	};									\
	module_param_cb(name, &emu_ops_##name, &name, 0644);			\
	__MODULE_PARM_TYPE(name, #type);					\
	MODULE_PARM_DESC(name, desc)

EMU_FAULT_PARAM(every_nth, uint, EMU_GLUE_F_EVERY_NTH,
		"fail every Nth command (counting only fail_opcode if set) with CHECK CONDITION and fail_sense; 0: off (default)");
EMU_FAULT_PARAM(delay_ms, uint, EMU_GLUE_F_DELAY,
		"complete every command after this many milliseconds; 0: at once (default)");
EMU_FAULT_PARAM(drop_nth, uint, EMU_GLUE_F_DROP,
		"never complete the Nth command from now (once), so that the mid-layer times it out and aborts it; 0: off (default)");
EMU_FAULT_PARAM(busy, uint, EMU_GLUE_F_BUSY,
		"end the next N commands with BUSY status (shares its counter with task_set_full); 0: off (default)");
EMU_FAULT_PARAM(task_set_full, uint, EMU_GLUE_F_TSF,
		"end the next N commands with TASK SET FULL status (shares its counter with busy); 0: off (default)");

static int emu_set_int_range(const char *val, const struct kernel_param *kp,
			     int min, int max, unsigned int idx)
{
	int v, ret;

	ret = kstrtoint(val, 0, &v);
	if (ret)
		return ret;
	if (v < min || v > max)
		return -EINVAL;
	*(int *)kp->arg = v;
	emu_fault_bump(idx);
	return 0;
}

static int emu_set_fail_opcode(const char *val, const struct kernel_param *kp)
{
	return emu_set_int_range(val, kp, -1, 255, EMU_GLUE_F_OPCODE);
}

static const struct kernel_param_ops emu_ops_fail_opcode = {
	.set = emu_set_fail_opcode,
	.get = param_get_int,
};
module_param_cb(fail_opcode, &emu_ops_fail_opcode, &fail_opcode, 0644);
__MODULE_PARM_TYPE(fail_opcode, "int");
MODULE_PARM_DESC(fail_opcode,
		 "operation code every_nth counts and fails (0x28: READ(10)), -1: any (default)");

static int emu_set_fault_lun(const char *val, const struct kernel_param *kp)
{
	return emu_set_int_range(val, kp, -1, 255, EMU_GLUE_F_LUN);
}

static const struct kernel_param_ops emu_ops_fault_lun = {
	.set = emu_set_fault_lun,
	.get = param_get_int,
};
module_param_cb(fault_lun, &emu_ops_fault_lun, &fault_lun, 0644);
__MODULE_PARM_TYPE(fault_lun, "int");
MODULE_PARM_DESC(fault_lun,
		 "LUN the fault parameters apply to (that LUN of every target of every host), -1: every LUN (default); a write re-applies them all");

static int emu_set_fail_sense(const char *val, const struct kernel_param *kp)
{
	unsigned int key, asc, ascq;
	int n = 0;

	if (sscanf(val, "%x,%x,%x%n", &key, &asc, &ascq, &n) != 3)
		return -EINVAL;
	if (val[n] && strcmp(val + n, "\n"))
		return -EINVAL;
	if (key > 0xf || asc > 0xff || ascq > 0xff)
		return -EINVAL;
	WRITE_ONCE(fail_sense, key << 16 | asc << 8 | ascq);
	emu_fault_bump(EMU_GLUE_F_SENSE);
	return 0;
}

static int emu_get_fail_sense(char *buf, const struct kernel_param *kp)
{
	u32 s = READ_ONCE(fail_sense);

	return sysfs_emit(buf, "%x,%x,%x\n", s >> 16, (s >> 8) & 0xff, s & 0xff);
}

static const struct kernel_param_ops emu_ops_fail_sense = {
	.set = emu_set_fail_sense,
	.get = emu_get_fail_sense,
};
module_param_cb(fail_sense, &emu_ops_fail_sense, &fail_sense, 0644);
__MODULE_PARM_TYPE(fail_sense, "string");
MODULE_PARM_DESC(fail_sense,
		 "sense key, ASC and ASCQ (hex) of the failures every_nth injects (default 3,11,0: MEDIUM ERROR, UNRECOVERED READ ERROR)");

/*
 * eh_fail: the next N error-handling requests of the mid-layer (abort, LUN,
 * target, bus or host reset) fail. Not per LUN and not counted in the
 * generations: the hosts take them one by one (emu_glue_take_eh_fail()).
 */
static unsigned int eh_fail;
module_param(eh_fail, uint, 0644);
MODULE_PARM_DESC(eh_fail,
		 "fail the next N aborts and resets the mid-layer asks for, doing nothing; a failed host reset drops the commands drop_nth holds, unanswered; 0: off (default)");

/* One less of a countdown parameter; false if it is at 0. */
static bool emu_glue_take_one(unsigned int *count)
{
	unsigned int v = READ_ONCE(*count);

	do {
		if (!v)
			return false;
	} while (!try_cmpxchg(count, &v, v - 1));
	return true;
}

bool emu_glue_take_eh_fail(void)
{
	return emu_glue_take_one(&eh_fail);
}

#ifndef EMU_GLUE_C_STACK
/*
 * eh_lie (scsi_emu_rs only): the next N aborts and resets report success
 * and do nothing, as an adapter whose resets never reach the device. The
 * core then waits for the command until the next expiry and goes on to the
 * next step; after the host reset it ends the command itself. Since the
 * core owns the command from then on, a host reset that lies drops the
 * commands held for ever (drop_nth), never to give them back. Under the C
 * mid-layer a successful handler already hands the command back, so
 * scsi_emu_c has no such parameter.
 */
static unsigned int eh_lie;
module_param(eh_lie, uint, 0644);
MODULE_PARM_DESC(eh_lie,
		 "report the next N aborts and resets done without doing them (the command is not given back); a host reset then drops the commands drop_nth holds, unanswered; 0: off (default)");

bool emu_glue_take_eh_lie(void)
{
	return emu_glue_take_one(&eh_lie);
}
#endif

/* ------------------------------------------------------------------------
 * Root device, workqueue, delayed work.
 */

struct device *emu_glue_root_register(void)
{
	struct device *root = root_device_register(KBUILD_MODNAME);

	return IS_ERR(root) ? NULL : root;
}

void emu_glue_root_unregister(struct device *root)
{
	root_device_unregister(root);
}

static struct workqueue_struct *emu_wq;

int emu_glue_wq_create(void)
{
	emu_wq = alloc_workqueue(KBUILD_MODNAME, WQ_MEM_RECLAIM, 0);
	return emu_wq ? 0 : -ENOMEM;
}

void emu_glue_wq_destroy(void)
{
	destroy_workqueue(emu_wq);
	emu_wq = NULL;
}

struct emu_glue_kick {
	struct delayed_work dw;
	void (*fn)(void *ctx);
	void *ctx;
};

static void emu_glue_kick_fn(struct work_struct *w)
{
	struct emu_glue_kick *k = container_of(to_delayed_work(w), struct emu_glue_kick, dw);
	void *ctx = READ_ONCE(k->ctx);

	if (ctx)
		k->fn(ctx);
}

struct emu_glue_kick *emu_glue_kick_new(void (*fn)(void *ctx))
{
	struct emu_glue_kick *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (k) {
		INIT_DELAYED_WORK(&k->dw, emu_glue_kick_fn);
		k->fn = fn;
	}
	return k;
}

void emu_glue_kick_bind(struct emu_glue_kick *k, void *ctx)
{
	WRITE_ONCE(k->ctx, ctx);
}

void emu_glue_kick(struct emu_glue_kick *k, unsigned int ms)
{
	mod_delayed_work(emu_wq, &k->dw, ms ? msecs_to_jiffies(ms) : 0);
}

void emu_glue_kick_free(struct emu_glue_kick *k)
{
	cancel_delayed_work_sync(&k->dw);
	kfree(k);
}

long emu_glue_read_file(const char *path, size_t max, void **buf)
{
	*buf = NULL;
	return kernel_read_file_from_path(path, 0, buf, max, NULL, READING_UNKNOWN);
}
