// SPDX-License-Identifier: GPL-2.0
/*
 * C wrappers of inline block-layer functions for rust/blk.rs, and checks of
 * the constants it hard-codes (bindgen drops the __force casts). Included
 * by the glue.c of each module that uses rust/blk.rs.
 */
#include <linux/blkdev.h>
#include <linux/build_bug.h>
#include <linux/hdreg.h>

void blk_rs_limits_start_update(struct request_queue *q, struct queue_limits *lim);
bool blk_rs_bdev_is_partition(struct block_device *bdev);
void blk_rs_set_geometry(struct hd_geometry *geo, u8 heads, u8 sectors, u16 cylinders,
			 unsigned long start);

static_assert(BLK_OPEN_READ == 1 << 0);
static_assert(BLK_OPEN_WRITE == 1 << 1);
static_assert(BLK_OPEN_NDELAY == 1 << 3);
static_assert(BLK_FEAT_WRITE_CACHE == 1u << 0);
static_assert(BLK_FEAT_FUA == 1u << 1);
static_assert(BLK_FEAT_ROTATIONAL == 1u << 2);
static_assert(BLK_FEAT_ADD_RANDOM == 1u << 3);

/* Takes q->limits_lock; queue_limits_commit_update() releases it. */
void blk_rs_limits_start_update(struct request_queue *q, struct queue_limits *lim)
{
	*lim = queue_limits_start_update(q);
}

bool blk_rs_bdev_is_partition(struct block_device *bdev)
{
	return bdev_is_partition(bdev);
}

void blk_rs_set_geometry(struct hd_geometry *geo, u8 heads, u8 sectors, u16 cylinders,
			 unsigned long start)
{
	geo->heads = heads;
	geo->sectors = sectors;
	geo->cylinders = cylinders;
	geo->start = start;
}
