/* SPDX-License-Identifier: MIT */
/* An empty shared object: what preloading any library at all costs the
 * dynamic loader. `make bench` prints it as the floor of the start-up
 * figures. */
int tk_bench_empty_object;
