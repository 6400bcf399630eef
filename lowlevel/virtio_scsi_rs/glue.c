// SPDX-License-Identifier: GPL-2.0
/*
 * The C binding layer of virtio_scsi_rs (see glue.h). The virtio driver
 * structure, its tables and one-line wrappers of inline functions and
 * macros; probe, remove and the virtqueue callbacks go straight to Rust.
 */
#include <linux/blk-mq-virtio.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_scsi.h>

#include "glue.h"

/* The module alias virtio:d00000008v* is declared on the Rust side. */
static const struct virtio_device_id vscsi_glue_ids[] = {
	{ VIRTIO_ID_SCSI, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static const unsigned int vscsi_glue_features[] = {
	VIRTIO_SCSI_F_HOTPLUG,
	VIRTIO_SCSI_F_CHANGE,
};

static struct virtio_driver vscsi_glue_driver = {
	.driver.name = KBUILD_MODNAME,
	.id_table = vscsi_glue_ids,
	.feature_table = vscsi_glue_features,
	.feature_table_size = ARRAY_SIZE(vscsi_glue_features),
	.probe = virtio_scsi_rs_probe,
	.remove = virtio_scsi_rs_remove,
};

int vscsi_glue_register(void)
{
	return register_virtio_driver(&vscsi_glue_driver);
}

void vscsi_glue_unregister(void)
{
	unregister_virtio_driver(&vscsi_glue_driver);
}

/* Every virtqueue: the Rust side dispatches on the index. */
static void vscsi_glue_vq_done(struct virtqueue *vq)
{
	/* Pairs with the release in vscsi_glue_set_priv(). */
	virtio_scsi_rs_vq_done(smp_load_acquire(&vq->vdev->priv), vq->index);
}

bool vscsi_glue_config_readable(struct virtio_device *vdev)
{
	return vdev->config->get != NULL;
}

#define VSCSI_GLUE_CREAD(vdev, cfg, field)					\
	do {									\
		__virtio_native_type(struct virtio_scsi_config, field) v;	\
		virtio_cread(vdev, struct virtio_scsi_config, field, &v);	\
		(cfg)->field = v;						\
	} while (0)

void vscsi_glue_read_config(struct virtio_device *vdev, struct vscsi_glue_config *cfg)
{
	VSCSI_GLUE_CREAD(vdev, cfg, num_queues);
	VSCSI_GLUE_CREAD(vdev, cfg, seg_max);
	VSCSI_GLUE_CREAD(vdev, cfg, max_sectors);
	VSCSI_GLUE_CREAD(vdev, cfg, cmd_per_lun);
	VSCSI_GLUE_CREAD(vdev, cfg, event_info_size);
	VSCSI_GLUE_CREAD(vdev, cfg, sense_size);
	VSCSI_GLUE_CREAD(vdev, cfg, cdb_size);
	VSCSI_GLUE_CREAD(vdev, cfg, max_channel);
	VSCSI_GLUE_CREAD(vdev, cfg, max_target);
	VSCSI_GLUE_CREAD(vdev, cfg, max_lun);
}

void vscsi_glue_write_sizes(struct virtio_device *vdev, u32 cdb_size, u32 sense_size)
{
	virtio_cwrite(vdev, struct virtio_scsi_config, cdb_size, &cdb_size);
	virtio_cwrite(vdev, struct virtio_scsi_config, sense_size, &sense_size);
}

bool vscsi_glue_has_feature(struct virtio_device *vdev, unsigned int fbit)
{
	return virtio_has_feature(vdev, fbit);
}

bool vscsi_glue_is_little_endian(struct virtio_device *vdev)
{
	return virtio_is_little_endian(vdev);
}

struct device *vscsi_glue_dev(struct virtio_device *vdev)
{
	return &vdev->dev;
}

void vscsi_glue_set_priv(struct virtio_device *vdev, void *priv)
{
	/* The adapter is fully built before callbacks can see it. */
	smp_store_release(&vdev->priv, priv);
}

void *vscsi_glue_get_priv(struct virtio_device *vdev)
{
	/* Pairs with the release in vscsi_glue_set_priv(). */
	return smp_load_acquire(&vdev->priv);
}

int vscsi_glue_find_vqs(struct virtio_device *vdev, unsigned int nr_req,
			struct virtqueue **vqs)
{
	/* The control and event queues get no affinity spreading. */
	struct irq_affinity desc = { .pre_vectors = VSCSI_GLUE_VQ_REQ };
	unsigned int i, n = VSCSI_GLUE_VQ_REQ + nr_req;
	struct virtqueue_info *info;
	int err;

	info = kcalloc(n, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		info[i].callback = vscsi_glue_vq_done;
		info[i].name = i == VSCSI_GLUE_VQ_CTRL ? "control" :
			       i == VSCSI_GLUE_VQ_EVENT ? "event" : "request";
	}
	err = virtio_find_vqs(vdev, n, vqs, info, &desc);
	kfree(info);
	return err;
}

void vscsi_glue_del_vqs(struct virtio_device *vdev)
{
	vdev->config->del_vqs(vdev);
}

void vscsi_glue_device_ready(struct virtio_device *vdev)
{
	virtio_device_ready(vdev);
}

unsigned int vscsi_glue_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

void vscsi_glue_spin_lock_init(spinlock_t *lock)
{
	spin_lock_init(lock);
}

unsigned long vscsi_glue_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void vscsi_glue_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

void vscsi_glue_init_completion(struct completion *done)
{
	init_completion(done);
}

void vscsi_glue_map_queues(void *qmap, struct virtio_device *vdev)
{
	blk_mq_virtio_map_queues(qmap, vdev, VSCSI_GLUE_VQ_REQ);
}
