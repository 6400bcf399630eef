/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C binding layer of virtio_scsi_rs: what Rust cannot express against
 * the 6.12 kernel (the struct virtio_driver, virtqueue callbacks, and inline
 * functions and macros of the virtio and locking headers). All logic is in
 * Rust; each function here is a thin wrapper. Fed to bindgen for the Rust
 * side (see Kbuild).
 */
#ifndef VIRTIO_SCSI_RS_GLUE_H
#define VIRTIO_SCSI_RS_GLUE_H

#include <linux/types.h>
#include <linux/spinlock_types.h>
#include <linux/virtio.h>
#include <linux/virtio_scsi.h>

struct completion;
struct device;

/* The device configuration, in CPU byte order. */
struct vscsi_glue_config {
	u32 num_queues;
	u32 seg_max;
	u32 max_sectors;
	u32 cmd_per_lun;
	u32 event_info_size;
	u32 sense_size;
	u32 cdb_size;
	u32 max_channel;
	u32 max_target;
	u32 max_lun;
};

/* Virtqueue numbering: control, event, then the request queues. */
#define VSCSI_GLUE_VQ_CTRL	0
#define VSCSI_GLUE_VQ_EVENT	1
#define VSCSI_GLUE_VQ_REQ	2

/* Implemented in Rust (vio.rs, the binding part). */
int virtio_scsi_rs_probe(struct virtio_device *vdev);
void virtio_scsi_rs_remove(struct virtio_device *vdev);
void virtio_scsi_rs_vq_done(void *priv, unsigned int index);

/* The virtio driver. */
int vscsi_glue_register(void);
void vscsi_glue_unregister(void);

/* Device. */
bool vscsi_glue_config_readable(struct virtio_device *vdev);
void vscsi_glue_read_config(struct virtio_device *vdev, struct vscsi_glue_config *cfg);
void vscsi_glue_write_sizes(struct virtio_device *vdev, u32 cdb_size, u32 sense_size);
bool vscsi_glue_has_feature(struct virtio_device *vdev, unsigned int fbit);
bool vscsi_glue_is_little_endian(struct virtio_device *vdev);
struct device *vscsi_glue_dev(struct virtio_device *vdev);
void vscsi_glue_set_priv(struct virtio_device *vdev, void *priv);
void *vscsi_glue_get_priv(struct virtio_device *vdev);
/* Finds 2 + nr_req virtqueues, every one with a callback into Rust. */
int vscsi_glue_find_vqs(struct virtio_device *vdev, unsigned int nr_req,
			struct virtqueue **vqs);
void vscsi_glue_del_vqs(struct virtio_device *vdev);
/* Maps CPUs to the request queues by their interrupts' affinity (qmap: a
 * struct blk_mq_queue_map, opaque here). */
void vscsi_glue_map_queues(void *qmap, struct virtio_device *vdev);
void vscsi_glue_device_ready(struct virtio_device *vdev);
unsigned int vscsi_glue_nr_cpu_ids(void);

/* Locking and completions (macros and inline functions in C). */
void vscsi_glue_spin_lock_init(spinlock_t *lock);
unsigned long vscsi_glue_spin_lock_irqsave(spinlock_t *lock);
void vscsi_glue_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
void vscsi_glue_init_completion(struct completion *done);

#endif /* VIRTIO_SCSI_RS_GLUE_H */
