// SPDX-License-Identifier: GPL-2.0
/*
 * The C side of sr_mod_rs: the block-layer helpers of rust/blk.rs, and the
 * drive's registration with the kernel's uniform CD-ROM layer (cdrom.ko):
 * a struct cdrom_device_info whose operations call the Rust part
 * (cdrom.rs), and the cdrom entry points the block device operations use.
 */
#include <linux/cdrom.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#include "../rust/blk_glue.c"

/* What the Rust part implements; data is its per-drive data. */
struct sr_rs_cd_ops {
	int (*drive_status)(void *data);
	unsigned int (*check_events)(void *data, unsigned int clearing);
	int (*tray_move)(void *data, int open);
	int (*lock_door)(void *data, int lock);
	int (*last_session)(void *data, u32 *lba);
	/*
	 * A packet command: cdb (12 bytes), buf/len in direction dir
	 * (CGC_DATA_*), timeout in ms (0: the device's); returns 0 or a
	 * negative errno, and the sense bytes (96 bytes of room).
	 */
	int (*packet)(void *data, const u8 *cdb, void *buf, u32 len, int dir, u32 timeout_ms,
		      u8 *sense, u32 *sense_len);
	/*
	 * READ TOC (format 0) of track (0: the first, CDROM_LEADOUT), MSF
	 * addresses if msf: out gets the 4-byte header and the track's 8-byte
	 * descriptor.
	 */
	int (*toc)(void *data, u8 track, bool msf, u8 *out);
};

struct sr_rs_cd {
	struct cdrom_device_info cdi;
	void *data;
};

struct sr_rs_cd *sr_rs_cdrom_register(struct gendisk *disk, void *data, int mask);
void sr_rs_cdrom_unregister(struct sr_rs_cd *cd);
int sr_rs_cdrom_open(struct sr_rs_cd *cd, blk_mode_t mode);
void sr_rs_cdrom_release(struct sr_rs_cd *cd);
int sr_rs_cdrom_ioctl(struct sr_rs_cd *cd, unsigned int cmd, unsigned long arg);
unsigned int sr_rs_cdrom_check_events(struct sr_rs_cd *cd, unsigned int clearing);
void sr_rs_set_ops(const struct sr_rs_cd_ops *ops);

static const struct sr_rs_cd_ops *sr_rs_ops;

void sr_rs_set_ops(const struct sr_rs_cd_ops *ops)
{
	sr_rs_ops = ops;
}

static void *sr_rs_data(struct cdrom_device_info *cdi)
{
	return container_of(cdi, struct sr_rs_cd, cdi)->data;
}

static int sr_rs_open(struct cdrom_device_info *cdi, int purpose)
{
	return 0;
}

static void sr_rs_release(struct cdrom_device_info *cdi)
{
}

static int sr_rs_drive_status(struct cdrom_device_info *cdi, int slot)
{
	if (slot != CDSL_CURRENT)
		return -EINVAL;	/* no changer */
	return sr_rs_ops->drive_status(sr_rs_data(cdi));
}

static unsigned int sr_rs_check_events(struct cdrom_device_info *cdi, unsigned int clearing,
				       int slot)
{
	if (slot != CDSL_CURRENT)
		return 0;
	return sr_rs_ops->check_events(sr_rs_data(cdi), clearing);
}

static int sr_rs_tray_move(struct cdrom_device_info *cdi, int pos)
{
	return sr_rs_ops->tray_move(sr_rs_data(cdi), pos);
}

static int sr_rs_lock_door(struct cdrom_device_info *cdi, int lock)
{
	return sr_rs_ops->lock_door(sr_rs_data(cdi), lock);
}

static int sr_rs_select_speed(struct cdrom_device_info *cdi, unsigned long speed)
{
	return 0;
}

static int sr_rs_get_last_session(struct cdrom_device_info *cdi,
				  struct cdrom_multisession *ms)
{
	u32 lba = 0;
	int ret = sr_rs_ops->last_session(sr_rs_data(cdi), &lba);

	if (ret)
		return ret;
	ms->addr.lba = lba;
	ms->addr_format = CDROM_LBA;
	ms->xa_flag = lba != 0;
	return 0;
}

/* The sense header of fixed or descriptor sense data (SPC). */
static void sr_rs_sense_hdr(const u8 *s, u32 len, struct scsi_sense_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < 1)
		return;
	h->response_code = s[0] & 0x7f;
	if (h->response_code >= 0x72 && len >= 4) {
		h->sense_key = s[1] & 0xf;
		h->asc = s[2];
		h->ascq = s[3];
	} else if (len >= 3) {
		h->sense_key = s[2] & 0xf;
		h->asc = len > 12 ? s[12] : 0;
		h->ascq = len > 13 ? s[13] : 0;
	}
}

static int sr_rs_packet(struct cdrom_device_info *cdi, struct packet_command *cgc)
{
	u8 sense[96];	/* the room the Rust part fills (SCSI_RS_SENSE_SIZE) */
	u32 sense_len = 0;
	int ret;

	ret = sr_rs_ops->packet(sr_rs_data(cdi), cgc->cmd, cgc->buffer, cgc->buflen,
				cgc->data_direction,
				cgc->timeout > 0 ? jiffies_to_msecs(cgc->timeout) : 0, sense,
				&sense_len);
	if (cgc->sshdr)
		sr_rs_sense_hdr(sense, sense_len, cgc->sshdr);
	cgc->stat = ret;
	return ret;
}

/*
 * The CD-ROM layer calls this for the TOC (CDROMREADTOCHDR,
 * CDROMREADTOCENTRY, CDROM_DISC_STATUS) whatever the capabilities say;
 * playing audio is not offered (no CDC_PLAY_AUDIO), nor CDROMSUBCHNL.
 */
static int sr_rs_audio_ioctl(struct cdrom_device_info *cdi, unsigned int cmd, void *arg)
{
	struct cdrom_tocentry *e = arg;
	struct cdrom_tochdr *h = arg;
	u8 b[12];
	int ret;

	switch (cmd) {
	case CDROMREADTOCHDR:
		ret = sr_rs_ops->toc(sr_rs_data(cdi), 0, false, b);
		if (ret)
			return ret;
		h->cdth_trk0 = b[2];
		h->cdth_trk1 = b[3];
		return 0;
	case CDROMREADTOCENTRY:
		ret = sr_rs_ops->toc(sr_rs_data(cdi), e->cdte_track,
				     e->cdte_format == CDROM_MSF, b);
		if (ret)
			return ret;
		e->cdte_adr = b[5] >> 4;
		e->cdte_ctrl = b[5] & 0x0f;
		e->cdte_datamode = (e->cdte_ctrl & CDROM_DATA_TRACK) ? 1 : 0;
		if (e->cdte_format == CDROM_MSF) {
			e->cdte_addr.msf.minute = b[9];
			e->cdte_addr.msf.second = b[10];
			e->cdte_addr.msf.frame = b[11];
		} else {
			e->cdte_addr.lba = get_unaligned_be32(&b[8]);
		}
		return 0;
	default:
		return -ENOSYS;
	}
}

static const struct cdrom_device_ops sr_rs_cdrom_ops = {
	.open = sr_rs_open,
	.release = sr_rs_release,
	.drive_status = sr_rs_drive_status,
	.check_events = sr_rs_check_events,
	.tray_move = sr_rs_tray_move,
	.lock_door = sr_rs_lock_door,
	.select_speed = sr_rs_select_speed,
	.get_last_session = sr_rs_get_last_session,
	.generic_packet = sr_rs_packet,
	.audio_ioctl = sr_rs_audio_ioctl,
	.capability = CDC_CLOSE_TRAY | CDC_OPEN_TRAY | CDC_LOCK | CDC_SELECT_SPEED |
		      CDC_MULTI_SESSION | CDC_MEDIA_CHANGED | CDC_DRIVE_STATUS |
		      CDC_CD_R | CDC_CD_RW | CDC_DVD | CDC_DVD_R | CDC_DVD_RAM |
		      CDC_GENERIC_PACKET | CDC_MRW | CDC_MRW_W | CDC_RAM,
};

/*
 * Registers DISK (not added yet) with the CD-ROM layer; MASK disables
 * capabilities the drive lacks. Returns NULL or an ERR_PTR on failure.
 */
struct sr_rs_cd *sr_rs_cdrom_register(struct gendisk *disk, void *data, int mask)
{
	struct sr_rs_cd *cd = kzalloc(sizeof(*cd), GFP_KERNEL);
	int ret;

	if (!cd)
		return ERR_PTR(-ENOMEM);
	cd->data = data;
	cd->cdi.ops = &sr_rs_cdrom_ops;
	cd->cdi.disk = disk;
	cd->cdi.capacity = 1;
	cd->cdi.mask = mask;
	strscpy(cd->cdi.name, disk->disk_name, sizeof(cd->cdi.name));
	ret = register_cdrom(disk, &cd->cdi);
	if (ret) {
		kfree(cd);
		return ERR_PTR(ret);
	}
	return cd;
}

void sr_rs_cdrom_unregister(struct sr_rs_cd *cd)
{
	unregister_cdrom(&cd->cdi);
	kfree(cd);
}

int sr_rs_cdrom_open(struct sr_rs_cd *cd, blk_mode_t mode)
{
	return cdrom_open(&cd->cdi, mode);
}

void sr_rs_cdrom_release(struct sr_rs_cd *cd)
{
	cdrom_release(&cd->cdi);
}

/* -ENOSYS for what the CD-ROM layer does not know. */
int sr_rs_cdrom_ioctl(struct sr_rs_cd *cd, unsigned int cmd, unsigned long arg)
{
	return cdrom_ioctl(&cd->cdi, cd->cdi.disk->part0, cmd, arg);
}

unsigned int sr_rs_cdrom_check_events(struct sr_rs_cd *cd, unsigned int clearing)
{
	return cdrom_check_events(&cd->cdi, clearing);
}

/* Constants cdrom.rs hard-codes. */
static_assert(CDS_NO_DISC == 1 && CDS_TRAY_OPEN == 2 && CDS_DRIVE_NOT_READY == 3 &&
	      CDS_DISC_OK == 4);
static_assert(CGC_DATA_UNKNOWN == 0 && CGC_DATA_WRITE == 1 && CGC_DATA_READ == 2 &&
	      CGC_DATA_NONE == 3);
static_assert(CDC_CLOSE_TRAY == 0x1 && CDC_OPEN_TRAY == 0x2 && CDC_LOCK == 0x4);
