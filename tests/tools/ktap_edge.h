/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP result lines for the edge-case tools (sg_edge, st_edge): each
 * check prints "ok N what" or "not ok N what (errno ...)"; n_fail counts
 * the failures for the exit status.
 */
#ifndef KTAP_EDGE_H
#define KTAP_EDGE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int n_test, n_fail;

static void result(int ok, const char *what, int err)
{
	n_test++;
	if (!ok)
		n_fail++;
	printf("%sok %d %s", ok ? "" : "not ", n_test, what);
	if (!ok)
		printf(" (errno %d: %s)", err, strerror(err));
	printf("\n");
	fflush(stdout);
}

/* ret is a syscall result: expect failure with errno want. */
static void expect_err(long ret, int want, const char *what)
{
	int e = errno;

	result(ret == -1 && e == want, what, ret == -1 ? e : 0);
}

static void expect_ok(long ret, const char *what)
{
	result(ret >= 0, what, errno);
}

#endif
