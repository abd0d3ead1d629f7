/* SPDX-License-Identifier: MIT */
/* A preload library that loads and does nothing: what a wrong file named
 * in TCPKEEP_LIBRARY looks like to the loader.  tcpkeep --check must notice
 * that the kernel's values do not match and exit 1. */
extern int tk_inert(void);

int tk_inert(void)
{
	return 0;
}
