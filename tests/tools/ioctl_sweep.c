// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_sweep: garbage ioctls on a device node. Every command number of
 * the block (0x12), sg (0x22), SCSI/CD-ROM (0x53) and tape ('m') ioctl
 * families, in every direction and with several sizes, is called with a
 * NULL argument, an unmapped address and a buffer of random bytes; then
 * SG_IO gets headers that are valid enough to pass the first checks, with
 * random CDBs, lengths, directions and buffers. The kernel must answer
 * each with a result or an error, never an oops (the suite checks the
 * log); the tool prints how the answers were spread.
 *
 * Commands that would destroy data whatever their argument (discard,
 * zero-out, partition edits, FORMAT UNIT) or stop the unit are left out.
 * Use it on a scratch device. Usage: ioctl_sweep DEV [SEED]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void *volatile bad = (void *)8;
static unsigned char garbage[65536];
static unsigned char cdb[64];
static unsigned char sense[255];
static long answers[2][160];

static int skip(unsigned int type, unsigned int nr)
{
	/* BLKPG, BLKDISCARD, BLKSECDISCARD, BLKZEROOUT, BLKTRACE*. */
	if (type == 0x12 && (nr == 0x69 || nr == 0x77 || nr == 0x7d || nr == 0x7f ||
			     (nr >= 0x73 && nr <= 0x76)))
		return 1;
	return 0;
}

static void note(long ret)
{
	int e = ret < 0 ? errno : 0;

	answers[ret < 0][e < 160 ? e : 159]++;
}

static void refill(void)
{
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = rand();
}

int main(int argc, char **argv)
{
	static const unsigned int types[] = { 0x12, 0x22, 0x53, 'm' };
	static const unsigned int sizes[] = { 0, 4, 8, 48, 88, 256 };
	long calls = 0;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: ioctl_sweep DEV [SEED]\n");
		return 2;
	}
	srand(argc > 2 ? atoi(argv[2]) : 1);
	fd = open(argv[1], O_RDWR | O_NONBLOCK);
	if (fd < 0)
		fd = open(argv[1], O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (unsigned int t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (unsigned int nr = 0; nr < 256; nr++) {
			if (skip(types[t], nr))
				continue;
			for (unsigned int dir = 0; dir < 4; dir++) {
				for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
					unsigned long cmd = _IOC(dir, types[t], nr, sizes[s]);

					/* Old numbers carry no direction or size. */
					if (dir == 0 && s == 0)
						cmd = (types[t] << 8) | nr;
					if (cmd == SG_IO && dir != 0)
						continue;
					note(ioctl(fd, cmd, NULL));
					note(ioctl(fd, cmd, bad));
					refill();
					note(ioctl(fd, cmd, garbage));
					calls += 3;
				}
			}
		}
	}
	/* SCSI_IOCTL_SEND_COMMAND (1) with garbage. */
	for (int i = 0; i < 64; i++) {
		refill();
		note(ioctl(fd, 1, garbage));
		calls++;
	}
	/* SG_IO headers that pass the first checks, with random contents. */
	for (int i = 0; i < 400; i++) {
		struct sg_io_hdr h;
		static const int dirs[] = { SG_DXFER_NONE, SG_DXFER_TO_DEV, SG_DXFER_FROM_DEV,
					    SG_DXFER_TO_FROM_DEV, -7 };

		refill();
		for (size_t k = 0; k < sizeof(cdb); k++)
			cdb[k] = rand();
		/* Not FORMAT UNIT, START STOP UNIT or PREVENT ALLOW (the
		 * unit stays usable and unlocked for the rest of the suite). */
		if (cdb[0] == 0x04 || cdb[0] == 0x1b || cdb[0] == 0x1e)
			cdb[0] = 0x00;
		memset(&h, 0, sizeof(h));
		h.interface_id = 'S';
		h.cmd_len = rand() % 20;
		h.cmdp = rand() % 16 ? cdb : bad;
		h.dxfer_direction = dirs[rand() % 5];
		h.dxfer_len = rand() % 2 ? rand() % sizeof(garbage) : rand();
		h.dxferp = rand() % 8 ? garbage : bad;
		if (rand() % 8 == 0) {
			h.iovec_count = rand() % 4;
			h.dxferp = garbage;
		}
		h.sbp = rand() % 8 ? sense : bad;
		h.mx_sb_len = rand() % 256;
		h.timeout = 2000;
		h.flags = rand() % 4 == 0 ? rand() : 0;
		if (h.dxfer_len > sizeof(garbage) && h.dxferp == garbage && h.iovec_count == 0)
			h.dxfer_len = sizeof(garbage);
		note(ioctl(fd, SG_IO, &h));
		calls++;
	}
	close(fd);
	printf("# %s: %ld calls; succeeded %ld", argv[1], calls, answers[0][0]);
	for (int e = 1; e < 160; e++)
		if (answers[1][e])
			printf(", %s %ld", strerrorname_np(e) ? strerrorname_np(e) : "?", answers[1][e]);
	printf("\n");
	return 0;
}
