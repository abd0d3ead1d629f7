/* SPDX-License-Identifier: MIT */
/* The keepalive values for a known idle timeout (behind.h says why this
 * formula).  No allocation, no library calls: the preload library may
 * use it too. */
#include "autoconfig.h"

#include "common/behind.h"

void tk_behind_values(unsigned timeout_s, unsigned *idle_s, unsigned *intvl_s)
{
	unsigned intvl = timeout_s / 10, idle;

	if (intvl < 1)
		intvl = 1;
	if (intvl > 75)
		intvl = 75;
	/* 0.8 T in integers without overflow for any unsigned T. */
	idle = timeout_s / 5 * 4 + timeout_s % 5 * 4 / 5;
	idle = idle > intvl ? idle - intvl : 0;
	*idle_s = idle < 1 ? 1 : idle;
	*intvl_s = intvl;
}
