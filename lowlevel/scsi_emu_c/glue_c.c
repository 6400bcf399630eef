// SPDX-License-Identifier: GPL-2.0
/*
 * The C part of scsi_emu_c (see glue_c.h): scsi_emu_rs's glue (module
 * parameters, root device, workqueue) and a host template of the C SCSI
 * mid-layer.
 *
 * Commands: queuecommand runs the emulation (Rust) at once, records the
 * outcome in the command and puts it on the host's list of held commands;
 * the host's delayed work item calls scsi_done() for those that are due (at
 * once, or after the delay fault injection asked for). A dropped command
 * stays on the list until the mid-layer's error handler aborts it or resets
 * its device, target or host: the handlers take the commands off the list,
 * never to complete them (after SUCCESS they are the mid-layer's), wait for
 * a completion pass that may be running, and tell the emulation (unit
 * attentions). At removal, held commands are given back at once (dropped
 * ones with DID_NO_CONNECT) and new ones are not held.
 *
 * Each host has targets 0 to max_id - 1 (num_targets), each with its own
 * units; a command to another id ends with DID_NO_CONNECT (no target
 * answers the selection). A target reset covers only that target.
 */
#define EMU_GLUE_C_STACK	/* no scsi_emu_rs-only parameters (eh_lie) */
#include "../scsi_emu_rs/glue.c"

#include <linux/blk-mq.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_host.h>

#include "glue_c.h"

struct emu_c_host {
	struct Scsi_Host *shost;
	const void *units;
	spinlock_t lock;		/* held, armed, next, removing */
	struct list_head held;
	struct delayed_work dw;
	bool armed;
	unsigned long next;		/* jiffies the work is due at, if armed */
	bool removing;
};

/* Where a command is. */
enum emu_c_when {
	EMU_C_IDLE,			/* not ours */
	EMU_C_NOW,			/* held: give back at once */
	EMU_C_AT,			/* held: give back at due */
	EMU_C_NEVER,			/* held: dropped */
	EMU_C_DONE,			/* taken off the list to be given back */
};

struct emu_c_cmd {			/* scsi_cmd_priv() */
	struct list_head node;
	struct scsi_cmnd *sc;
	unsigned long due;
	enum emu_c_when when;
};

/* Arms the work for a command that was just held. Under h->lock. */
static void emu_c_arm(struct emu_c_host *h, struct emu_c_cmd *c)
{
	unsigned long now = jiffies;

	if (c->when == EMU_C_NOW) {
		/* Recorded, so that a delayed command does not postpone it. */
		h->armed = true;
		h->next = now;
		mod_delayed_work(emu_wq, &h->dw, 0);
	} else if (c->when == EMU_C_AT && (!h->armed || time_before(c->due, h->next))) {
		h->armed = true;
		h->next = c->due;
		mod_delayed_work(emu_wq, &h->dw, time_after(c->due, now) ? c->due - now : 0);
	}
}

static int emu_c_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *sc)
{
	struct emu_c_host *h = shost_priv(shost);
	struct emu_c_cmd *c = scsi_cmd_priv(sc);
	struct scsi_device *sdev = sc->device;
	struct emu_c_outcome o;
	unsigned long flags;

	c->sc = sc;
	c->when = EMU_C_NOW;
	if (sdev->channel ||
	    !scsi_emu_c_execute(h->units, shost->host_no, sdev->id, sdev->lun, sc->cmnd,
				sc->cmd_len, scsi_sglist(sc), scsi_sg_count(sc), scsi_bufflen(sc),
				&o)) {
		/* No such target: nobody answers the selection. */
		sc->result = DID_NO_CONNECT << 16;
	} else {
		sc->result = o.status;
		if (o.sense_len)
			memcpy(sc->sense_buffer, o.sense,
			       min_t(unsigned int, o.sense_len, SCSI_SENSE_BUFFERSIZE));
		scsi_set_resid(sc, min(o.resid, scsi_bufflen(sc)));
		if (o.action == EMU_C_DELAY) {
			c->when = EMU_C_AT;
			c->due = jiffies + msecs_to_jiffies(o.delay_ms);
		} else if (o.action == EMU_C_DROP) {
			c->when = EMU_C_NEVER;
		}
	}
	spin_lock_irqsave(&h->lock, flags);
	if (h->removing && c->when != EMU_C_NOW) {
		if (c->when == EMU_C_NEVER)
			sc->result = DID_NO_CONNECT << 16;
		c->when = EMU_C_NOW;
	}
	list_add_tail(&c->node, &h->held);
	emu_c_arm(h, c);
	spin_unlock_irqrestore(&h->lock, flags);
	return 0;
}

/* Gives back the commands that are due; re-arms for the next delayed one. */
static void emu_c_work(struct work_struct *w)
{
	struct emu_c_host *h = container_of(to_delayed_work(w), struct emu_c_host, dw);
	unsigned long flags, now = jiffies, next = 0;
	struct emu_c_cmd *c, *n;
	bool have_next = false;
	LIST_HEAD(due);

	spin_lock_irqsave(&h->lock, flags);
	h->armed = false;
	list_for_each_entry_safe(c, n, &h->held, node) {
		if (c->when == EMU_C_NOW || (c->when == EMU_C_AT && time_after_eq(now, c->due))) {
			c->when = EMU_C_DONE;
			list_move_tail(&c->node, &due);
		} else if (c->when == EMU_C_AT && (!have_next || time_before(c->due, next))) {
			next = c->due;
			have_next = true;
		}
	}
	if (have_next) {
		h->armed = true;
		h->next = next;
		mod_delayed_work(emu_wq, &h->dw, time_after(next, now) ? next - now : 0);
	}
	spin_unlock_irqrestore(&h->lock, flags);

	list_for_each_entry_safe(c, n, &due, node) {
		list_del_init(&c->node);
		c->when = EMU_C_IDLE;
		scsi_done(c->sc);
	}
}

/*
 * Takes the held commands that match (only that command, of that device,
 * of that target; NULL: any) off the list (the mid-layer owns them after a
 * handler's SUCCESS), then waits for a completion pass that may be giving
 * back others, so that none is completed after the handler returned.
 * Returns how many were taken.
 */
static unsigned int emu_c_take(struct emu_c_host *h, struct scsi_cmnd *only,
			       struct scsi_device *sdev, struct scsi_target *starget)
{
	struct emu_c_cmd *c, *n;
	unsigned long flags;
	unsigned int taken = 0;

	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry_safe(c, n, &h->held, node) {
		if (only && c->sc != only)
			continue;
		if (sdev && c->sc->device != sdev)
			continue;
		if (starget && scsi_target(c->sc->device) != starget)
			continue;
		list_del_init(&c->node);
		c->when = EMU_C_IDLE;
		taken++;
	}
	spin_unlock_irqrestore(&h->lock, flags);
	flush_delayed_work(&h->dw);
	return taken;
}

/*
 * Takes the commands held for ever (dropped by fault injection) off the
 * list without completing them: after a failed host reset the mid-layer
 * ends them itself. Returns how many.
 */
static unsigned int emu_c_forget_dropped(struct emu_c_host *h)
{
	struct emu_c_cmd *c, *n;
	unsigned long flags;
	unsigned int forgotten = 0;

	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry_safe(c, n, &h->held, node) {
		if (c->when != EMU_C_NEVER)
			continue;
		list_del_init(&c->node);
		c->when = EMU_C_IDLE;
		forgotten++;
	}
	spin_unlock_irqrestore(&h->lock, flags);
	return forgotten;
}

/* eh_fail: this handler fails, doing nothing. */
static bool emu_c_eh_fails(struct scsi_cmnd *sc, const char *what)
{
	if (!emu_glue_take_eh_fail())
		return false;
	sdev_printk(KERN_INFO, sc->device, "%s: failing %s (fault injection)\n",
		    KBUILD_MODNAME, what);
	return true;
}

static int emu_c_eh_abort(struct scsi_cmnd *sc)
{
	struct emu_c_host *h = shost_priv(sc->device->host);

	if (emu_c_eh_fails(sc, "an abort"))
		return FAILED;

	if (emu_c_take(h, sc, NULL, NULL))
		sdev_printk(KERN_INFO, sc->device, "%s: command %#04x aborted\n",
			    KBUILD_MODNAME, sc->cmnd[0]);
	scsi_emu_c_abort(h->units, sc->device->id, sc->device->lun,
			 blk_mq_unique_tag(scsi_cmd_to_rq(sc)));
	return SUCCESS;
}

static int emu_c_eh_device_reset(struct scsi_cmnd *sc)
{
	struct emu_c_host *h = shost_priv(sc->device->host);
	unsigned int n;

	if (emu_c_eh_fails(sc, "a LUN reset"))
		return FAILED;
	n = emu_c_take(h, NULL, sc->device, NULL);

	scsi_emu_c_lun_reset(h->units, sc->device->id, sc->device->lun);
	sdev_printk(KERN_INFO, sc->device, "%s: LUN reset, %u held commands ended\n",
		    KBUILD_MODNAME, n);
	return SUCCESS;
}

static int emu_c_eh_target_reset(struct scsi_cmnd *sc)
{
	struct emu_c_host *h = shost_priv(sc->device->host);
	unsigned int n;

	if (emu_c_eh_fails(sc, "a target reset"))
		return FAILED;
	n = emu_c_take(h, NULL, NULL, scsi_target(sc->device));

	scsi_emu_c_target_reset(h->units, sc->device->id);
	sdev_printk(KERN_INFO, sc->device, "%s: target %u reset, %u held commands ended\n",
		    KBUILD_MODNAME, sc->device->id, n);
	return SUCCESS;
}

static int emu_c_eh_host_reset(struct scsi_cmnd *sc)
{
	struct emu_c_host *h = shost_priv(sc->device->host);
	unsigned int n;

	if (emu_c_eh_fails(sc, "a host reset")) {
		n = emu_c_forget_dropped(h);
		shost_printk(KERN_INFO, h->shost, "%s: %u held commands dropped\n",
			     KBUILD_MODNAME, n);
		return FAILED;
	}
	n = emu_c_take(h, NULL, NULL, NULL);

	scsi_emu_c_reset(h->units);
	shost_printk(KERN_INFO, h->shost, "%s: host reset, %u held commands ended\n",
		     KBUILD_MODNAME, n);
	return SUCCESS;
}

static const struct scsi_host_template emu_c_sht = {
	.module			= THIS_MODULE,
	.name			= KBUILD_MODNAME,
	.proc_name		= KBUILD_MODNAME,
	.queuecommand		= emu_c_queuecommand,
	.eh_abort_handler	= emu_c_eh_abort,
	.eh_device_reset_handler = emu_c_eh_device_reset,
	.eh_target_reset_handler = emu_c_eh_target_reset,
	.eh_host_reset_handler	= emu_c_eh_host_reset,
	.can_queue		= 64,
	.this_id		= -1,
	.sg_tablesize		= 128,
	.cmd_per_lun		= 16,
	/* 512 KiB per command: the copy runs under the LUN's spinlock. */
	.max_sectors		= 1024,
	.cmd_size		= sizeof(struct emu_c_cmd),
	.skip_settle_delay	= 1,
};

int emu_c_host_add(struct device *parent, const void *units, u32 num_targets,
		   struct emu_c_host **out, u32 *host_no)
{
	struct Scsi_Host *shost;
	struct emu_c_host *h;
	int err;

	shost = scsi_host_alloc(&emu_c_sht, sizeof(*h));
	if (!shost)
		return -ENOMEM;
	h = shost_priv(shost);
	h->shost = shost;
	h->units = units;
	spin_lock_init(&h->lock);
	INIT_LIST_HEAD(&h->held);
	INIT_DELAYED_WORK(&h->dw, emu_c_work);
	shost->max_channel = 0;
	shost->max_id = num_targets;
	shost->max_lun = 256;
	err = scsi_add_host(shost, parent);
	if (err) {
		scsi_host_put(shost);
		return err;
	}
	*out = h;
	*host_no = shost->host_no;
	return 0;
}

void emu_c_host_scan(struct emu_c_host *h)
{
	scsi_scan_host(h->shost);
}

void emu_c_host_remove(struct emu_c_host *h)
{
	struct emu_c_cmd *c;
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	h->removing = true;
	list_for_each_entry(c, &h->held, node) {
		if (c->when == EMU_C_NEVER)
			c->sc->result = DID_NO_CONNECT << 16;
		c->when = EMU_C_NOW;
	}
	h->armed = true;
	h->next = jiffies;
	mod_delayed_work(emu_wq, &h->dw, 0);
	spin_unlock_irqrestore(&h->lock, flags);

	/* Removes the devices; their queues drain. */
	scsi_remove_host(h->shost);
	cancel_delayed_work_sync(&h->dw);
	scsi_host_put(h->shost);
}
