/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libbpf's messages, logged and remembered.
 *
 * bpflog_hook() makes libbpf print through here: every message is split at
 * its newlines and logged one level down (libbpf's warnings are our info,
 * its info and debug are our debug).  The verifier's log, which libbpf 1.1
 * prints as one message between "-- BEGIN PROG LOAD LOG --" and
 * "-- END PROG LOAD LOG --", is logged at debug level only: a failure is
 * explained from what is remembered instead, whatever the log level.
 *
 * Remembered since the last bpflog_reset(), in fixed-size buffers (a
 * verifier log of millions of lines costs nothing more):
 *   - the program whose load failed, and the last BPFLOG_TAIL lines of the
 *     verifier's log for it;
 *   - the pinned map libbpf refused to reuse ("parameter mismatch");
 *   - the last "Kernel error message" (a netlink extack libbpf printed);
 *   - the last warning line.
 */
#ifndef HBPF_BPFLOG_H
#define HBPF_BPFLOG_H

#define BPFLOG_TAIL 15	/* verifier lines shown on a refusal */
#define BPFLOG_LINE 240 /* longest line kept (longer ones are cut) */

/* What a failed libbpf operation ran into (bpflog_why). */
#define BPFLOG_NONE 0	  /* nothing libbpf said explains it */
#define BPFLOG_VERIFIER 1 /* the verifier refused a program */
#define BPFLOG_PINNED 2	  /* a pinned map did not match the object's */

struct bpflog_why {
	int kind;		    /* BPFLOG_* */
	char prog[64];		    /* VERIFIER: the program's name */
	char load_err[64];	    /* VERIFIER: libbpf's "load failed: ..." reason */
	char pin_path[BPFLOG_LINE]; /* PINNED: the pinned map's path */
	int ntail;		    /* VERIFIER: lines in tail, oldest first */
	char tail[BPFLOG_TAIL][BPFLOG_LINE];
	char kmsg[BPFLOG_LINE];	     /* last netlink extack, "" if none */
	char last_warn[BPFLOG_LINE]; /* last warning line, "" if none */
};

/* Route libbpf's messages through bpflog_feed(). */
void bpflog_hook(void);
/* Forget what was remembered (before an operation whose failure may need explaining). */
void bpflog_reset(void);
/* While quiet is set, messages are remembered but not logged (a probe whose
 * failure the caller reports in its own words). */
void bpflog_quiet(int quiet);
/* One libbpf message at libbpf's level (enum libbpf_print_level): what the
 * hook does with each message; tests feed libbpf's exact texts through it. */
void bpflog_feed(int level, const char *msg);
/* What was remembered since the last reset. */
void bpflog_why(struct bpflog_why *w);

struct bpf_object;
/*
 * Log, at error level, why loading obj failed with err, from what libbpf
 * said since the last reset and not by guessing: the program the verifier
 * refused and the last lines of its log; or the pinned map (under pin_dir)
 * libbpf refused to reuse and how it differs from obj's; or else libbpf's
 * last warning.
 */
void bpflog_explain_load(struct bpf_object *obj, int err, const char *pin_dir);

#endif /* HBPF_BPFLOG_H */
