/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the running kernel must offer hbpf's programs, probed rather than
 * assumed.  The list is derived from the BPF object itself (opened, not
 * loaded): the program types it contains, the map types and map flags it
 * declares, and every helper its programs call (found by scanning their
 * instructions), so a helper added to bpf/ is probed without anyone
 * remembering to.  Each feature carries the first Linux version that has it;
 * hbpfd refuses a kernel that lacks a required one with that name and
 * version, and "hbpfctl check" prints the whole list on one line.
 */
#ifndef HBPF_BPFFEAT_H
#define HBPF_BPFFEAT_H

#include <stddef.h>

struct bpf_object;

#define FEAT_MAX 64

struct hbpf_feature {
	char name[48];	     /* "bpf_timer_start", "ring buffer maps", ... */
	const char *since;   /* first Linux version with it, e.g. "5.15" */
	int required;	     /* 0: hbpfd runs without it (see without) */
	const char *without; /* optional ones: what hbpfd does instead */
	int ok;		     /* 1 present, 0 absent, -errno when the probe itself failed */
};

struct hbpf_features {
	char release[65]; /* uname -r */
	int unprivileged; /* the probes need CAP_BPF (root); nothing was probed */
	int n;
	int missing; /* required features absent */
	struct hbpf_feature f[FEAT_MAX];
};

/* Probe what obj needs.  0, or -errno when obj cannot be inspected. */
int features_probe(struct bpf_object *obj, struct hbpf_features *fs);

/* One line for "hbpfctl check": "kernel R: all N features present: a, b (5.8), ..."
 * or "kernel R: lacks a (Linux 5.15 or later), ...". */
void features_summary(const struct hbpf_features *fs, char *buf, size_t len);

/* Log every absent feature; returns -ENOTSUP when a required one is absent. */
int features_require(const struct hbpf_features *fs);

/* A BPF helper's name and first Linux version, NULL when not in hbpf's table
 * (tests check that the table covers every helper the programs call). */
const char *features_helper(int id, const char **since);

#endif /* HBPF_BPFFEAT_H */
