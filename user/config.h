/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hbpf configuration: one file, the same on every node.  Parsed into an
 * immutable struct hbpf_config; every error is reported as "file:line: what".
 * The syntax is documented in man/hbpf.conf.5 and etc/hbpf.conf.example.
 */
#ifndef HBPF_CONFIG_H
#define HBPF_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <hbpf/abi.h>

#define HBPF_NAME_MAX 32 /* node, set, service, link, interface names (+NUL) */
#define HBPF_CMD_MAX 512 /* a shell command line (+NUL) */
#define HBPF_PATH_MAX 256
#define HBPF_MAX_SERVICES 16 /* services per set */
#define HBPF_MAX_SET_VIPS 16 /* VIPs per set */
#define HBPF_MAX_DGS 16	     /* disk groups */
#define HBPF_MAX_SET_DGS 4   /* disk groups per set */
#define HBPF_MAX_RESTARTS 32 /* "restart N in T": N at most this */
#define HBPF_MAX_DAMPEN 64   /* "dampen N in T": N at most this */
#define HBPF_MAX_WARNINGS 32 /* warnings kept from one file */
#define HBPF_WARN_MAX 320    /* one warning line (+NUL) */
#define HBPF_STATE_DIR_DEFAULT "/var/lib/hbpf"

/* config.tiebreak: how a node decides to take a lost peer's sets. */
#define HBPF_TB_UNSET 0	  /* no "tie-breaker": the kernel takes them at once */
#define HBPF_TB_ADDRESS 1 /* only after a fresh answer from tb_addr */
#define HBPF_TB_NONE 2	  /* never automatically: "hbpfctl acquire" */

/* config.xdp_mode: how xdp_node is attached to the node's interfaces. */
#define HBPF_XDP_AUTO 0	   /* native, else generic (logged, with the driver's reason) */
#define HBPF_XDP_NATIVE 1  /* native, or refuse to start */
#define HBPF_XDP_GENERIC 2 /* generic (skb) mode only */

struct hbpf_cfg_link {
	char name[HBPF_NAME_MAX];   /* link name, e.g. "priv" (same on all nodes) */
	char ifname[HBPF_NAME_MAX]; /* this node's interface for the link */
	struct in_addr addr;	    /* this node's IPv4 address on the link */
	int line;
};

struct hbpf_cfg_node {
	char name[HBPF_NAME_MAX];
	uint8_t id;				    /* 0..HBPF_MAX_NODES-1 */
	char public_if[HBPF_NAME_MAX];		    /* interface that carries the VIPs */
	int nlinks;				    /* == config.nlinks once validated */
	struct hbpf_cfg_link links[HBPF_MAX_LINKS]; /* index = link index */
	int line;
};

struct hbpf_cfg_vip {
	struct in_addr addr;
	uint8_t prefix; /* prefix length for plumbing, 1..32 */
	int line;
};

struct hbpf_cfg_service {
	char name[HBPF_NAME_MAX];
	char start[HBPF_CMD_MAX];     /* required */
	char stop[HBPF_CMD_MAX];      /* required */
	char monitor[HBPF_CMD_MAX];   /* optional ("" = none) */
	uint32_t timeout_ms;	      /* per command; default 10000 */
	uint32_t monitor_interval_ms; /* default 5000 */
	uint32_t restart_max;	      /* restarts after a failed monitor; default 0 */
	uint32_t restart_window_ms;   /* ... allowed within this window (0 with none) */
	int line;
};

/*
 * A disk group (shared storage that moves with a set).  Its volumes, lease
 * timeout and renew period live in the group's on-disk header (hbpfctl dg
 * init); the config names the metadata device, per node when paths differ.
 */
struct hbpf_cfg_dg {
	char name[HBPF_NAME_MAX];
	char meta[HBPF_PATH_MAX];		       /* metadata device, all nodes */
	char meta_node[HBPF_MAX_NODES][HBPF_PATH_MAX]; /* per node id, "" = meta */
	uint32_t fsck_parallel;			       /* default 4, 1..64 */
	uint32_t kill_grace_ms;			       /* SIGTERM -> SIGKILL, default 1000 */
	int set;				       /* set using it, -1 = none */
	int line;
};

#define HBPF_FAILBACK_MANUAL 0
#define HBPF_FAILBACK_AUTO 1

/* What a set does once a service's monitor failed and its restarts ran out. */
#define HBPF_ONFAIL_FAILOVER 0 /* release it to the next usable node (default) */
#define HBPF_ONFAIL_HALT 1     /* release it with no handoff: offline, no move */
#define HBPF_ONFAIL_IGNORE 2   /* log and notify only; keep it and keep monitoring */

struct hbpf_cfg_set {
	char name[HBPF_NAME_MAX];
	uint8_t id; /* order of appearance, 0.. */
	int nvips;
	struct hbpf_cfg_vip vips[HBPF_MAX_SET_VIPS];
	uint8_t vmac[6]; /* default 02:00:<first VIP in hex> */
	int nnodes;
	uint8_t prio[HBPF_MAX_NODES]; /* node ids in takeover order */
	int autofailover;	      /* 1 (default): kernel may take it over */
	int failback;		      /* HBPF_FAILBACK_* (default manual) */
	uint32_t failback_after_ms;   /* auto: preferred node usable this long; default 1000 */
	int on_failure;		      /* HBPF_ONFAIL_* (default failover) */
	uint32_t dampen_moves;	      /* moves allowed within the window; 0 = off */
	uint32_t dampen_window_ms;    /* default 3 moves in 300000 */
	int ndgs;
	uint8_t dgs[HBPF_MAX_SET_DGS]; /* indexes into config.dgs, takeover order */
	int nservices;
	struct hbpf_cfg_service services[HBPF_MAX_SERVICES]; /* start order */
	int line;
};

struct hbpf_config {
	char path[HBPF_PATH_MAX];
	uint32_t cluster;		  /* required, 1..2^32-1 */
	uint16_t port;			  /* heartbeat UDP port, default HBPF_PORT_DEFAULT */
	uint32_t interval_ms;		  /* heartbeat interval, default 2, 1..1000 */
	uint32_t detect_mult;		  /* default 5, 2..100 */
	uint32_t daemon_deadline_ms;	  /* default 500; > detect_mult*interval */
	uint32_t garp_count;		  /* default 3, 1..50 */
	uint32_t shutdown_timeout_ms;	  /* release wait before exiting anyway, default 120 s */
	uint32_t garp_spacing_ms;	  /* default 5, 0..1000 */
	char notify[HBPF_CMD_MAX];	  /* optional notify hook */
	char socket_group[HBPF_NAME_MAX]; /* optional group allowed on the socket */
	char key_file[HBPF_PATH_MAX];	  /* heartbeat key file; hbpfd requires it */
	char state_dir[HBPF_PATH_MAX];	  /* held-set records; default HBPF_STATE_DIR_DEFAULT */
	int tiebreak;			  /* HBPF_TB_* */
	int xdp_mode;			  /* HBPF_XDP_*, default auto */
	struct in_addr tb_addr;		  /* HBPF_TB_ADDRESS: the address probed (ICMP echo) */
	uint32_t tb_interval_ms;	  /* probe period; default daemon-deadline / 5 */
	uint32_t tb_timeout_ms;		  /* answer wait and age limit; default daemon-deadline */
	int nlinks;			  /* links every node has */
	char link_names[HBPF_MAX_LINKS][HBPF_NAME_MAX];
	int nnodes;
	struct hbpf_cfg_node nodes[HBPF_MAX_NODES];
	int ndgs;
	struct hbpf_cfg_dg dgs[HBPF_MAX_DGS];
	int nsets;
	struct hbpf_cfg_set sets[HBPF_MAX_SETS];
	/* Accepted, but worth saying ("file:line: warning: ..."): shown by
	 * "hbpfctl check" and "hbpfd -n", logged at daemon start-up. */
	int nwarnings;
	char warnings[HBPF_MAX_WARNINGS][HBPF_WARN_MAX];
};

/*
 * Parse and fully validate the file at path.  On success returns 0 and fills
 * *cfg.  On failure returns -EINVAL (or -errno if the file cannot be read) and
 * writes one line "path:line: message" (line 0 when not tied to a line) into
 * err (size errlen); *cfg is then unspecified and must not be used.
 */
int hbpf_config_load(const char *path, struct hbpf_config *cfg, char *err, size_t errlen);

/* The same from a memory buffer; name is used in error messages. */
int hbpf_config_parse(const char *name, const char *text, size_t len, struct hbpf_config *cfg,
		      char *err, size_t errlen);

/* Lookups; NULL when absent. */
const struct hbpf_cfg_node *hbpf_config_node(const struct hbpf_config *cfg, const char *name);
const struct hbpf_cfg_node *hbpf_config_node_by_id(const struct hbpf_config *cfg, int id);
const struct hbpf_cfg_set *hbpf_config_set(const struct hbpf_config *cfg, const char *name);
const struct hbpf_cfg_dg *hbpf_config_dg(const struct hbpf_config *cfg, const char *name);
/* The metadata device path node id uses for dg. */
const char *hbpf_config_dg_meta(const struct hbpf_cfg_dg *dg, int node_id);

/* A duration for messages: "2ms", "3s". */
const char *config_fmt_ms(char *buf, size_t len, uint32_t ms);

/* Print a human summary (used by "hbpfctl check" and "hbpfd -n"), warnings last. */
void hbpf_config_dump(const struct hbpf_config *cfg, FILE *out);
/* Print only the warnings, one per line. */
void hbpf_config_warnings(const struct hbpf_config *cfg, FILE *out);

#endif /* HBPF_CONFIG_H */
