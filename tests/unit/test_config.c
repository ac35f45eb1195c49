// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the configuration parser (user/config.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config.h"
#include "keyfile.h"

static const char good[] = "# two nodes, two sets\n"
			   "cluster 7                 # required\n"
			   "port 7301\n"
			   "interval 3ms\n"
			   "detect-mult 4\n"
			   "daemon-deadline 1s\n"
			   "garp-count 5\n"
			   "garp-spacing 0ms\n"
			   "notify \"/usr/local/bin/hook --flag # not a comment\"   # a comment\n"
			   "socket-group hbpfadm\n"
			   "links priv pub\n"
			   "\n"
			   "node a {\n"
			   "\tid 0\n"
			   "\tpublic pub0\n"
			   "\tlink pub pub0 198.18.0.11   # out of order on purpose\n"
			   "\tlink priv veth-p 198.19.1.1\n"
			   "}\n"
			   "node b {\n"
			   "  id 9\n"
			   "  public eth1\n"
			   "  link priv eth0 198.19.1.2\n"
			   "  link pub eth1 198.18.0.12\n"
			   "}\n"
			   "set web {\n"
			   "\tvip 198.18.0.100/24\n"
			   "\tvip 198.18.0.101\n"
			   "\tnodes b a\n"
			   "\tautofailover no\n"
			   "\tfailback auto\n"
			   "\tservice http {\n"
			   "\t\tstart /usr/local/bin/web start\n"
			   "\t\tstop /usr/local/bin/web stop\n"
			   "\t\tmonitor /usr/local/bin/web check\n"
			   "\t\ttimeout 2s\n"
			   "\t\tinterval 750ms\n"
			   "\t}\n"
			   "\tservice db {\n"
			   "\t\tstart \"pg_ctl start\"\n"
			   "\t\tstop pg_ctl stop -m \"fast\"\n"
			   "\t}\n"
			   "}\n"
			   "set mail {\n"
			   "\tvip 198.18.0.200\n"
			   "\tvmac 02:AA:00:00:00:01\n"
			   "\tnodes a\n"
			   "}\n";

static struct hbpf_config *cfg;

static int setup(void **state)
{
	(void)state;
	cfg = malloc(sizeof(*cfg));
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(cfg);
	return 0;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_full_config(void **state)
{
	static const uint8_t web_vmac[6] = {0x02, 0x00, 198, 18, 0, 100};
	static const uint8_t mail_vmac[6] = {0x02, 0xaa, 0, 0, 0, 1};
	const struct hbpf_cfg_node *a, *b;
	const struct hbpf_cfg_set *web, *mail;
	char err[256] = "untouched";
	int i;

	(void)state;
	assert_int_equal(hbpf_config_parse("hbpf.conf", good, strlen(good), cfg, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg->path, "hbpf.conf");
	assert_int_equal(cfg->cluster, 7);
	assert_int_equal(cfg->port, 7301);
	assert_int_equal(cfg->interval_ms, 3);
	assert_int_equal(cfg->detect_mult, 4);
	assert_int_equal(cfg->daemon_deadline_ms, 1000);
	assert_int_equal(cfg->garp_count, 5);
	assert_int_equal(cfg->garp_spacing_ms, 0);
	assert_string_equal(cfg->notify, "/usr/local/bin/hook --flag # not a comment");
	assert_string_equal(cfg->socket_group, "hbpfadm");
	assert_int_equal(cfg->nlinks, 2);
	assert_string_equal(cfg->link_names[0], "priv");
	assert_string_equal(cfg->link_names[1], "pub");

	assert_int_equal(cfg->nnodes, 2);
	a = hbpf_config_node(cfg, "a");
	b = hbpf_config_node(cfg, "b");
	assert_ptr_equal(a, &cfg->nodes[0]);
	assert_ptr_equal(b, &cfg->nodes[1]);
	assert_ptr_equal(hbpf_config_node_by_id(cfg, 9), b);
	assert_null(hbpf_config_node_by_id(cfg, 1));
	assert_null(hbpf_config_node(cfg, "c"));
	assert_int_equal(a->id, 0);
	assert_int_equal(a->line, 13);
	assert_string_equal(a->public_if, "pub0");
	assert_int_equal(a->nlinks, 2);
	/* links are stored in "links" order whatever the file order */
	assert_string_equal(a->links[0].name, "priv");
	assert_string_equal(a->links[0].ifname, "veth-p");
	assert_int_equal(a->links[0].addr.s_addr, ip("198.19.1.1"));
	assert_int_equal(a->links[0].line, 17);
	assert_string_equal(a->links[1].name, "pub");
	assert_string_equal(a->links[1].ifname, "pub0");
	assert_int_equal(a->links[1].addr.s_addr, ip("198.18.0.11"));
	assert_int_equal(a->links[1].line, 16);
	assert_int_equal(b->id, 9);
	assert_string_equal(b->public_if, "eth1");
	assert_string_equal(b->links[0].ifname, "eth0");
	assert_int_equal(b->links[0].addr.s_addr, ip("198.19.1.2"));
	assert_string_equal(b->links[1].ifname, "eth1");
	assert_int_equal(b->links[1].addr.s_addr, ip("198.18.0.12"));

	assert_int_equal(cfg->nsets, 2);
	web = hbpf_config_set(cfg, "web");
	mail = hbpf_config_set(cfg, "mail");
	assert_ptr_equal(web, &cfg->sets[0]);
	assert_ptr_equal(mail, &cfg->sets[1]);
	assert_null(hbpf_config_set(cfg, "nope"));
	assert_int_equal(web->id, 0);
	assert_int_equal(web->line, 25);
	assert_int_equal(web->nvips, 2);
	assert_int_equal(web->vips[0].addr.s_addr, ip("198.18.0.100"));
	assert_int_equal(web->vips[0].prefix, 24);
	assert_int_equal(web->vips[0].line, 26);
	assert_int_equal(web->vips[1].addr.s_addr, ip("198.18.0.101"));
	assert_int_equal(web->vips[1].prefix, 32);
	assert_memory_equal(web->vmac, web_vmac, 6);
	assert_int_equal(web->nnodes, 2);
	assert_int_equal(web->prio[0], 9);
	assert_int_equal(web->prio[1], 0);
	for (i = 2; i < HBPF_MAX_NODES; i++)
		assert_int_equal(web->prio[i], HBPF_NODE_NONE);
	assert_int_equal(web->autofailover, 0);
	assert_int_equal(web->failback, HBPF_FAILBACK_AUTO);
	assert_int_equal(web->nservices, 2);
	assert_string_equal(web->services[0].name, "http");
	assert_string_equal(web->services[0].start, "/usr/local/bin/web start");
	assert_string_equal(web->services[0].stop, "/usr/local/bin/web stop");
	assert_string_equal(web->services[0].monitor, "/usr/local/bin/web check");
	assert_int_equal(web->services[0].timeout_ms, 2000);
	assert_int_equal(web->services[0].monitor_interval_ms, 750);
	assert_int_equal(web->services[0].line, 31);
	assert_string_equal(web->services[1].name, "db");
	assert_string_equal(web->services[1].start, "pg_ctl start");
	assert_string_equal(web->services[1].stop, "pg_ctl stop -m \"fast\"");
	assert_string_equal(web->services[1].monitor, "");
	assert_int_equal(web->services[1].timeout_ms, 10000);
	assert_int_equal(web->services[1].monitor_interval_ms, 5000);

	assert_int_equal(mail->id, 1);
	assert_int_equal(mail->nvips, 1);
	assert_memory_equal(mail->vmac, mail_vmac, 6);
	assert_int_equal(mail->nnodes, 1);
	assert_int_equal(mail->prio[0], 0);
	assert_int_equal(mail->prio[1], HBPF_NODE_NONE);
	assert_int_equal(mail->autofailover, 1);
	assert_int_equal(mail->failback, HBPF_FAILBACK_MANUAL);
	assert_int_equal(mail->nservices, 0);
}

static void test_defaults(void **state)
{
	static const char min[] = "cluster 4294967295\nlinks l0\n"
				  "node n1 {\n id 15\n public e0\n link l0 e0 198.18.1.1\n}\n";
	char err[256];

	(void)state;
	assert_int_equal(hbpf_config_parse("min", min, strlen(min), cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->cluster, 4294967295u);
	assert_int_equal(cfg->port, HBPF_PORT_DEFAULT);
	assert_int_equal(cfg->interval_ms, 1);
	assert_int_equal(cfg->detect_mult, 3);
	assert_int_equal(cfg->daemon_deadline_ms, 500);
	assert_int_equal(cfg->garp_count, 3);
	assert_int_equal(cfg->garp_spacing_ms, 5);
	assert_string_equal(cfg->notify, "");
	assert_string_equal(cfg->socket_group, "");
	assert_int_equal(cfg->nlinks, 1);
	assert_int_equal(cfg->nnodes, 1);
	assert_int_equal(cfg->nodes[0].id, 15);
	assert_int_equal(cfg->nsets, 0);
	assert_int_equal(cfg->xdp_mode, HBPF_XDP_AUTO);
}

/* CRLF line ends, no final newline, a 1024-byte line, "{" glued to the name. */
static void test_edges(void **state)
{
	char text[4096], cmd[HBPF_CMD_MAX], comment[1024], err[256];
	int n;

	(void)state;
	memset(cmd, 'c', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	memset(comment, '-', sizeof(comment) - 1);
	comment[sizeof(comment) - 1] = '\0';
	n = snprintf(text, sizeof(text),
		     "cluster 1\r\nlinks l0\r\n#%s\nnotify %s\n"
		     "node n1{\n id 1\n public e0\n link l0 e0 198.18.1.1\n}",
		     comment, cmd);
	assert_int_equal(hbpf_config_parse("e", text, (size_t)n, cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->notify, cmd);
	assert_int_equal(cfg->nnodes, 1);
	assert_int_equal(cfg->nodes[0].links[0].addr.s_addr, ip("198.18.1.1"));
}

/* Disk groups before and after the set that uses them; one used by no set. */
static const char good_dg[] = "cluster 3\n"
			      "links l0\n"
			      "diskgroup data {\n"
			      "\tmeta /dev/disk/by-id/wwn-0x5000c500a1b2c3d4\n"
			      "\tmeta n2 /dev/sdx      # n2 sees it under another name\n"
			      "\tfsck-parallel 8\n"
			      "\tkill-grace 250ms\n"
			      "}\n"
			      "node n1 {\n id 4\n public e0\n link l0 e0 198.18.1.1\n}\n"
			      "node n2 {\n id 7\n public e0\n link l0 e0 198.18.1.2\n}\n"
			      "set web {\n"
			      " vip 198.18.0.100\n"
			      " nodes n1 n2\n"
			      " diskgroup logs\n"
			      " diskgroup data\n"
			      "}\n"
			      "diskgroup logs {\n"
			      " meta /dev/loop7\n"
			      " fsck-parallel 64\n"
			      " kill-grace 0ms\n"
			      "}\n"
			      "diskgroup spare {\n"
			      " meta n1 /dev/loop9\n"
			      " meta /dev/loop8\n"
			      "}\n"
			      "set mail {\n vip 198.18.0.101\n nodes n1\n}\n";

static void test_diskgroups(void **state)
{
	const struct hbpf_cfg_dg *data, *logs, *spare;
	const struct hbpf_cfg_set *web, *mail;
	char err[256] = "untouched", *out = NULL;
	size_t outlen = 0;
	FILE *f;
	int i;

	(void)state;
	if (hbpf_config_parse("dg.conf", good_dg, strlen(good_dg), cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(err, "");
	assert_int_equal(cfg->ndgs, 3);
	data = hbpf_config_dg(cfg, "data");
	logs = hbpf_config_dg(cfg, "logs");
	spare = hbpf_config_dg(cfg, "spare");
	assert_ptr_equal(data, &cfg->dgs[0]);
	assert_ptr_equal(logs, &cfg->dgs[1]);
	assert_ptr_equal(spare, &cfg->dgs[2]);
	assert_null(hbpf_config_dg(cfg, "nope"));

	assert_string_equal(data->name, "data");
	assert_int_equal(data->line, 3);
	assert_string_equal(data->meta, "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4");
	/* per-node paths are stored at the node's id, not in file order */
	assert_string_equal(data->meta_node[7], "/dev/sdx");
	for (i = 0; i < HBPF_MAX_NODES; i++)
		if (i != 7)
			assert_string_equal(data->meta_node[i], "");
	assert_string_equal(hbpf_config_dg_meta(data, 7), "/dev/sdx");
	assert_string_equal(hbpf_config_dg_meta(data, 4), data->meta);
	assert_string_equal(hbpf_config_dg_meta(data, -1), data->meta);
	assert_string_equal(hbpf_config_dg_meta(data, HBPF_MAX_NODES), data->meta);
	assert_int_equal(data->fsck_parallel, 8);
	assert_int_equal(data->kill_grace_ms, 250);
	assert_int_equal(data->set, 0);

	assert_string_equal(logs->meta, "/dev/loop7");
	assert_int_equal(logs->fsck_parallel, 64);
	assert_int_equal(logs->kill_grace_ms, 0);
	assert_int_equal(logs->set, 0);
	assert_int_equal(logs->line, 25);

	assert_string_equal(spare->meta, "/dev/loop8");
	assert_string_equal(hbpf_config_dg_meta(spare, 4), "/dev/loop9");
	assert_string_equal(hbpf_config_dg_meta(spare, 7), "/dev/loop8");
	assert_int_equal(spare->fsck_parallel, 4);
	assert_int_equal(spare->kill_grace_ms, 1000);
	assert_int_equal(spare->set, -1);

	web = hbpf_config_set(cfg, "web");
	mail = hbpf_config_set(cfg, "mail");
	assert_int_equal(web->ndgs, 2);
	assert_int_equal(web->dgs[0], 1); /* takeover order = file order: logs, data */
	assert_int_equal(web->dgs[1], 0);
	assert_int_equal(mail->ndgs, 0);

	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	hbpf_config_dump(cfg, f);
	fclose(f);
	assert_non_null(strstr(out, "diskgroup data: set web, fsck-parallel 8, kill-grace 250ms\n"
				    "  meta: /dev/disk/by-id/wwn-0x5000c500a1b2c3d4\n"
				    "  meta on n2: /dev/sdx\n"));
	assert_non_null(strstr(out, "diskgroup logs: set web, fsck-parallel 64, kill-grace 0ms\n"
				    "  meta: /dev/loop7\n"
				    "diskgroup spare: set (none), fsck-parallel 4, kill-grace 1s\n"
				    "  meta: /dev/loop8\n"
				    "  meta on n1: /dev/loop9\n"));
	assert_non_null(strstr(out, "  takeover order: n1 n2\n  diskgroups: logs data\n"));
	free(out);
}

struct bad {
	const char *text; /* appended to the prologue unless it starts with '!' */
	const char *err;  /* exact expected message */
};

#define PRO "cluster 1\nlinks priv pub\n" /* lines 1-2 */
#define NODE_A "node a {\n id 0\n public p0\n link priv e0 198.19.0.1\n link pub p0 198.18.0.1\n}\n"
#define NODE_B "node b {\n id 1\n public p0\n link priv e0 198.19.0.2\n link pub p0 198.18.0.2\n}\n"
#define NODES NODE_A NODE_B /* lines 3-14 */

static const struct bad bad_cases[] = {
	{"intervall 2ms\n", "t.conf:3: unknown directive \"intervall\""},
	{"interval 2\n", "t.conf:3: interval: \"2\" needs a unit (ms or s)"},
	{"interval 1.5s\n", "t.conf:3: interval: \"1.5s\": durations are whole numbers (use ms)"},
	{"interval 2us\n", "t.conf:3: interval: \"2us\": unknown unit \"us\" (expected ms or s)"},
	{"interval 0ms\n", "t.conf:3: interval: 0ms is out of range (1ms..1s)"},
	{"interval 2s\n", "t.conf:3: interval: 2s is out of range (1ms..1s)"},
	{"interval -2ms\n",
	 "t.conf:3: interval: \"-2ms\" is not a duration (expected e.g. 500ms or 2s)"},
	{"interval 99999999999999999999ms\n",
	 "t.conf:3: interval: 99999999999999999999ms is out of range (1ms..1s)"},
	{"!cluster 0\n", "t.conf:1: cluster: 0 is out of range (1..4294967295)"},
	{"!cluster 4294967296\n", "t.conf:1: cluster: 4294967296 is out of range (1..4294967295)"},
	{"!cluster -1\n",
	 "t.conf:1: cluster: \"-1\" is not a number (expected an integer 1..4294967295)"},
	{"!cluster 12abc\n",
	 "t.conf:1: cluster: \"12abc\" is not a number (expected an integer 1..4294967295)"},
	{"!cluster 0x10\n",
	 "t.conf:1: cluster: \"0x10\" is not a number (expected an integer 1..4294967295)"},
	{"!cluster\n", "t.conf:1: cluster: expected \"cluster ID\""},
	{"!cluster 1 2\n", "t.conf:1: cluster: expected \"cluster ID\""},
	{"!cluster 1\ncluster 2\n", "t.conf:2: cluster: duplicate directive (first on line 1)"},
	{"port 0\n", "t.conf:3: port: 0 is out of range (1..65535)"},
	{"port 65536\n", "t.conf:3: port: 65536 is out of range (1..65535)"},
	{"detect-mult 1\n", "t.conf:3: detect-mult: 1 is out of range (2..100)"},
	{"daemon-deadline 61s\n", "t.conf:3: daemon-deadline: 61s is out of range (1ms..60s)"},
	{"daemon-deadline 20ms\ninterval 2ms\ndetect-mult 5\n" NODES,
	 "t.conf:3: daemon-deadline 20ms must be greater than 2 x detect-mult x interval (20ms)"},
	{"interval 100ms\ndetect-mult 5\n" NODES,
	 "t.conf:3: daemon-deadline 500ms must be greater than 2 x detect-mult x interval "
	 "(1000ms)"},
	{"garp-count 51\n", "t.conf:3: garp-count: 51 is out of range (1..50)"},
	{"garp-spacing 0\n", "t.conf:3: garp-spacing: \"0\" needs a unit (ms or s)"},
	{"notify\n", "t.conf:3: notify: expected \"notify COMMAND\""},
	{"notify \"x\" y\n", "t.conf:3: notify: text after the closing quote"},
	{"notify \"\"\n", "t.conf:3: notify: empty command"},
	{"notify \"abc # no end\n", "t.conf:3: unterminated quoted string (missing '\"')"},
	{"socket-group a/b\n",
	 "t.conf:3: socket-group: group \"a/b\" may only use letters, digits, '_', '.' and '-'"},
	{"!cluster 1\nlinks a b c d e\n",
	 "t.conf:2: links: 5 links given, at most 4 are supported"},
	{"!cluster 1\nlinks a b a\n", "t.conf:2: links: link \"a\" is listed twice"},
	{"id 3\n", "t.conf:3: \"id\" is not allowed at top level (it belongs in a node block)"},
	{"node a {\n vip 198.18.0.5\n}\n",
	 "t.conf:4: node a: \"vip\" is not allowed in a node block (it belongs in a set block)"},
	{"node a\n", "t.conf:3: node: expected \"node NAME {\""},
	{"port 1 {\n", "t.conf:3: port: unexpected \"{\": \"port\" does not open a block"},
	{"{\n", "t.conf:3: \"{\" must end a directive line (e.g. \"node NAME {\")"},
	{"}\n", "t.conf:3: unexpected \"}\" (no block is open)"},
	{"node a {\n id 0 }\n", "t.conf:4: node a: id: expected \"id NUMBER\""},
	{"node a {\n id 0\n public p0\n} x\n", "t.conf:6: \"}\" must be alone on its line"},
	{"node a {\n id 0\n", "t.conf:3: node a: block is not closed (missing \"}\")"},
	{"set s {\n vip 198.18.0.5\n service x {\n",
	 "t.conf:5: set s: service x: block is not closed (missing \"}\")"},
	{"node a {\n public p0\n}\n", "t.conf:3: node a: missing \"id\" (required)"},
	{"node a {\n id 0\n}\n", "t.conf:3: node a: missing \"public\" (required)"},
	{"node a {\n id 16\n", "t.conf:4: node a: id: 16 is out of range (0..15)"},
	{NODE_A "node b {\n id 0\n", "t.conf:10: node b: id: id 0 is already used by node \"a\""},
	{NODE_A "node a {\n", "t.conf:9: node: node \"a\" is already defined on line 3"},
	{"node a.b-c_d0123456789012345678901234 {\n",
	 "t.conf:3: node: node name \"a.b-c_d0123456789012345678901234\" is longer than 31 "
	 "characters"},
	{"node a {\n public abcdefghijklmnop\n",
	 "t.conf:4: node a: public: interface name \"abcdefghijklmnop\" is longer than 15 "
	 "characters"},
	{"node a {\n link priv e0 198.19.0.256\n",
	 "t.conf:4: node a: link: \"198.19.0.256\" is not an IPv4 address (expected a.b.c.d)"},
	{"node a {\n link priv e0 224.0.0.1\n",
	 "t.conf:4: node a: link: 224.0.0.1 is not a unicast address"},
	{"node a {\n link priv e0\n",
	 "t.conf:4: node a: link: expected \"link NAME IFNAME ADDRESS\""},
	{"node a {\n link priv e0 198.19.0.1\n link priv e1 198.19.0.2\n",
	 "t.conf:5: node a: link: link \"priv\" is already given on line 4"},
	{"node a {\n id 0\n public p0\n link priv e0 198.19.0.1\n}\n",
	 "t.conf:3: node a: missing \"link pub IFNAME ADDRESS\""},
	{"node a {\n id 0\n public p0\n link priv e0 198.19.0.1\n link bogus p0 198.18.0.1\n}\n",
	 "t.conf:7: node a: link \"bogus\" is not one of the \"links\" (line 2)"},
	{"node a {\n id 0\n public p0\n link priv e0 198.19.0.1\n link pub e0 198.18.0.1\n}\n",
	 "t.conf:7: node a: interface e0 already carries link priv"},
	{NODE_A "node b {\n id 1\n public p0\n link priv e0 198.19.0.2\n link pub p0 "
		"198.18.0.1\n}\n",
	 "t.conf:13: node b: address 198.18.0.1 is already used by node a link pub (line 7)"},
	{"!cluster 1\n", "t.conf:0: missing \"links\" (required)"},
	{"!links a\n", "t.conf:0: missing \"cluster\" (required)"},
	{"", "t.conf:0: no node defined (at least one \"node NAME {\" block is required)"},
	{NODES "set web {\n vip 198.18.0.100\n nodes a c\n}\n",
	 "t.conf:17: set web: node \"c\" is not defined"},
	{"set web {\n nodes a a\n", "t.conf:4: set web: nodes: node \"a\" is listed twice"},
	{"set web {\n vip 198.18.0.100\n}\n", "t.conf:3: set web: missing \"nodes\" (required)"},
	{"set web {\n nodes a\n}\n", "t.conf:3: set web: missing \"vip\" (required)"},
	{"set web {\n vip 198.18.0.100/33\n", "t.conf:4: set web: vip: 33 is out of range (1..32)"},
	{"set web {\n vip 198.18.0.100/\n",
	 "t.conf:4: set web: vip: \"\" is not a number (expected an integer 1..32)"},
	{"set web {\n vip 198.18.0.100\n vip 198.18.0.100\n",
	 "t.conf:5: set web: vip: 198.18.0.100 is already a VIP of set \"web\" (line 4)"},
	{"set a {\n vip 198.18.0.100\n nodes a\n}\nset b {\n vip 198.18.0.100\n",
	 "t.conf:8: set b: vip: 198.18.0.100 is already a VIP of set \"a\" (line 4)"},
	{NODES "set web {\n vip 198.18.0.2\n nodes a\n}\n",
	 "t.conf:16: set web: vip 198.18.0.2 is the address of node b link pub"},
	{"set web {\n vmac 03:00:00:00:00:01\n",
	 "t.conf:4: set web: vmac: 03:00:00:00:00:01 is a multicast MAC (bit 0 of the first "
	 "octet must be clear)"},
	{"set web {\n vmac 02:00:00:00:00\n",
	 "t.conf:4: set web: vmac: \"02:00:00:00:00\" is not a MAC address (expected "
	 "xx:xx:xx:xx:xx:xx)"},
	{NODES "set a {\n vip 198.18.0.100\n nodes a\n}\nset b {\n vip 198.18.0.101\n"
	       "vmac 02:00:c6:12:00:64\n nodes a\n}\n",
	 "t.conf:21: set b: vmac 02:00:c6:12:00:64 is already used by set a"},
	{"set web {\n autofailover maybe\n",
	 "t.conf:4: set web: autofailover: \"maybe\" is neither \"yes\" nor \"no\""},
	{"set web {\n failback sometimes\n",
	 "t.conf:4: set web: failback: \"sometimes\" is neither \"auto\" nor \"manual\""},
	{"set web {\n failback auto\n failback manual\n",
	 "t.conf:5: set web: failback: duplicate directive (first on line 4)"},
	{"set web {\n vip 198.18.0.100\n nodes a\n service x {\n start a\n}\n",
	 "t.conf:6: set web: service x: missing \"stop\" (required)"},
	{"set web {\n service x {\n start a\n stop b\n }\n service x {\n",
	 "t.conf:8: set web: service: service \"x\" is already defined on line 4"},
	{"set web {\n service x {\n timeout 601s\n",
	 "t.conf:5: set web: service x: timeout: 601s is out of range (1ms..600s)"},
	{"set web {\n service x {\n links a\n",
	 "t.conf:5: set web: service x: \"links\" is not allowed in a service block (it belongs "
	 "at top level)"},
	{"set web {\n service x {\n start \"\n",
	 "t.conf:5: unterminated quoted string (missing '\"')"},
	/* disk groups */
	{"diskgroup d {\n}\n", "t.conf:3: diskgroup d: missing \"meta PATH\" (required)"},
	{"diskgroup d {\n meta a /dev/a\n}\n",
	 "t.conf:3: diskgroup d: missing \"meta PATH\" (required)"},
	{"diskgroup d {\n meta /dev/a\n",
	 "t.conf:3: diskgroup d: block is not closed (missing \"}\")"},
	{"diskgroup d\n", "t.conf:3: diskgroup: expected \"diskgroup NAME {\""},
	{"diskgroup d/x {\n",
	 "t.conf:3: diskgroup: disk group name \"d/x\" may only use letters, digits, '_', '.' and "
	 "'-'"},
	{"diskgroup d {\n meta /dev/a\n}\ndiskgroup d {\n",
	 "t.conf:6: diskgroup: disk group \"d\" is already defined on line 3"},
	{"diskgroup d {\n meta dev/sdx\n",
	 "t.conf:4: diskgroup d: meta: \"dev/sdx\" is not an absolute path"},
	{"diskgroup d {\n meta /dev/../sda\n",
	 "t.conf:4: diskgroup d: meta: \"/dev/../sda\": \".\" and \"..\" are not allowed in the "
	 "path"},
	{"diskgroup d {\n meta a /dev/a/..\n",
	 "t.conf:4: diskgroup d: meta: \"/dev/a/..\": \".\" and \"..\" are not allowed in the "
	 "path"},
	{"diskgroup d {\n meta /dev/a\n meta /dev/b\n",
	 "t.conf:5: diskgroup d: meta: the metadata device is already given on line 4"},
	{"diskgroup d {\n meta a /dev/a\n meta a /dev/b\n",
	 "t.conf:5: diskgroup d: meta: node \"a\" already has a metadata path on line 4"},
	{"diskgroup d {\n meta\n", "t.conf:4: diskgroup d: meta: expected \"meta [NODE] PATH\""},
	{"diskgroup d {\n meta a b /dev/x\n",
	 "t.conf:4: diskgroup d: meta: expected \"meta [NODE] PATH\""},
	{"diskgroup d {\n meta a:b /dev/x\n",
	 "t.conf:4: diskgroup d: meta: node name \"a:b\" may only use letters, digits, '_', '.' "
	 "and '-'"},
	{NODES "diskgroup d {\n meta /dev/a\n meta c /dev/c\n}\n",
	 "t.conf:17: diskgroup d: meta: node \"c\" is not defined"},
	{NODES "diskgroup d {\n meta /dev/a\n}\ndiskgroup e {\n meta /dev/b\n meta b /dev/a\n}\n",
	 "t.conf:18: diskgroup e: node b would use /dev/a, the metadata device of diskgroup d "
	 "(line 15)"},
	{NODES "diskgroup d {\n meta /dev//sdq\n}\ndiskgroup e {\n meta /dev/sdq/\n}\n",
	 "t.conf:18: diskgroup e: node a would use /dev/sdq/, the metadata device of diskgroup d "
	 "(line 15)"},
	{"diskgroup d {\n fsck-parallel 0\n",
	 "t.conf:4: diskgroup d: fsck-parallel: 0 is out of range (1..64)"},
	{"diskgroup d {\n fsck-parallel 65\n",
	 "t.conf:4: diskgroup d: fsck-parallel: 65 is out of range (1..64)"},
	{"diskgroup d {\n fsck-parallel 2\n fsck-parallel 3\n",
	 "t.conf:5: diskgroup d: fsck-parallel: duplicate directive (first on line 4)"},
	{"diskgroup d {\n kill-grace 61s\n",
	 "t.conf:4: diskgroup d: kill-grace: 61s is out of range (0ms..60s)"},
	{"diskgroup d {\n kill-grace 1\n", "t.conf:4: diskgroup d: kill-grace: \"1\" needs a unit "
					   "(ms or s)"},
	{"meta /dev/a\n",
	 "t.conf:3: \"meta\" is not allowed at top level (it belongs in a diskgroup block)"},
	{"node a {\n kill-grace 1s\n",
	 "t.conf:4: node a: \"kill-grace\" is not allowed in a node block (it belongs in a "
	 "diskgroup block)"},
	{"diskgroup d {\n vip 198.18.0.5\n",
	 "t.conf:4: diskgroup d: \"vip\" is not allowed in a diskgroup block (it belongs in a set "
	 "block)"},
	{"diskgroup d {\n diskgroup e {\n",
	 "t.conf:4: diskgroup d: \"diskgroup\" is not allowed in a diskgroup block (it belongs at "
	 "top level)"},
	{NODES "set web {\n vip 198.18.0.100\n nodes a\n diskgroup x\n}\n",
	 "t.conf:18: set web: disk group \"x\" is not defined"},
	{"set web {\n diskgroup d {\n",
	 "t.conf:4: set web: diskgroup: unexpected \"{\": \"diskgroup\" does not open a block"},
	{"set web {\n diskgroup d\n diskgroup d\n",
	 "t.conf:5: set web: diskgroup: disk group \"d\" is already listed on line 4"},
	{"set web {\n diskgroup a\n diskgroup b\n diskgroup c\n diskgroup d\n diskgroup e\n",
	 "t.conf:8: set web: diskgroup: too many disk groups (at most 4 per set)"},
	{NODES "diskgroup d {\n meta /dev/a\n}\nset web {\n vip 198.18.0.100\n nodes a\n"
	       " diskgroup d\n}\nset mail {\n vip 198.18.0.101\n nodes a\n diskgroup d\n}\n",
	 "t.conf:26: set mail: disk group \"d\" already belongs to set web (line 21)"},
	/* service health and dampening */
	{"set web {\n service x {\n restart 3\n",
	 "t.conf:5: set web: service x: restart: a count needs a window (e.g. \"restart 3 in "
	 "60s\")"},
	{"set web {\n service x {\n restart\n",
	 "t.conf:5: set web: service x: restart: expected \"restart COUNT in DURATION\""},
	{"set web {\n service x {\n restart 3 in\n",
	 "t.conf:5: set web: service x: restart: expected \"restart COUNT in DURATION\""},
	{"set web {\n service x {\n restart 3 within 60s\n",
	 "t.conf:5: set web: service x: restart: expected \"in\" between the count and the "
	 "window, not \"within\""},
	{"set web {\n service x {\n restart many in 60s\n",
	 "t.conf:5: set web: service x: restart: \"many\" is not a number (expected an integer "
	 "0..32)"},
	{"set web {\n service x {\n restart 33 in 60s\n",
	 "t.conf:5: set web: service x: restart: 33 is out of range (0..32)"},
	{"set web {\n service x {\n restart 3 in 60\n",
	 "t.conf:5: set web: service x: restart: \"60\" needs a unit (ms or s)"},
	{"set web {\n service x {\n restart 3 in 999ms\n",
	 "t.conf:5: set web: service x: restart: 999ms is out of range (1s..86400s)"},
	{"set web {\n service x {\n restart 1 in 1s\n restart 2 in 2s\n",
	 "t.conf:6: set web: service x: restart: duplicate directive (first on line 5)"},
	{"set web {\n restart 1 in 1s\n",
	 "t.conf:4: set web: \"restart\" is not allowed in a set block (it belongs in a service "
	 "block)"},
	{"set web {\n on-failure reboot\n",
	 "t.conf:4: set web: on-failure: \"reboot\" is not one of failover, halt, ignore"},
	{"set web {\n on-failure\n",
	 "t.conf:4: set web: on-failure: expected \"on-failure failover|halt|ignore\""},
	{"set web {\n on-failure halt ignore\n",
	 "t.conf:4: set web: on-failure: expected \"on-failure failover|halt|ignore\""},
	{"set web {\n service x {\n on-failure halt\n",
	 "t.conf:5: set web: service x: \"on-failure\" is not allowed in a service block (it "
	 "belongs in a set block)"},
	{"set web {\n dampen 0 in 60s\n", "t.conf:4: set web: dampen: 0 is out of range (1..64)"},
	{"set web {\n dampen 65 in 60s\n", "t.conf:4: set web: dampen: 65 is out of range (1..64)"},
	{"set web {\n dampen 3\n",
	 "t.conf:4: set web: dampen: a count needs a window (e.g. \"dampen 3 in 60s\")"},
	{"set web {\n dampen never\n",
	 "t.conf:4: set web: dampen: \"never\" is not a number (expected an integer 1..64)"},
	{"set web {\n dampen off in 60s\n",
	 "t.conf:4: set web: dampen: \"off\" is not a number (expected an integer 1..64)"},
	{"set web {\n dampen 3 in 2d\n",
	 "t.conf:4: set web: dampen: \"2d\": unknown unit \"d\" (expected ms or s)"},
	{"set web {\n dampen 3 in 86401s\n",
	 "t.conf:4: set web: dampen: 86401s is out of range (1s..86400s)"},
	{"set web {\n dampen off\n dampen 3 in 60s\n",
	 "t.conf:5: set web: dampen: duplicate directive (first on line 4)"},
	{"set web {\n failback manual after 2s\n",
	 "t.conf:4: set web: failback: a delay (\"after\") only goes with \"auto\""},
	{"set web {\n failback auto after\n",
	 "t.conf:4: set web: failback: expected \"failback manual|auto [after DURATION]\""},
	{"set web {\n failback auto later 2s\n",
	 "t.conf:4: set web: failback: expected \"failback manual|auto [after DURATION]\""},
	{"set web {\n failback auto after 2\n",
	 "t.conf:4: set web: failback: \"2\" needs a unit (ms or s)"},
	{"set web {\n failback auto after 86401s\n",
	 "t.conf:4: set web: failback: 86401s is out of range (0ms..86400s)"},
	{"set web {\n failback auto after 2s 3s\n",
	 "t.conf:4: set web: failback: expected \"failback manual|auto [after DURATION]\""},
};

static void run_bad(const char *text, const char *expect)
{
	char buf[8192], err[512];
	const char *t;
	int n, ret;

	if (text[0] == '!')
		n = snprintf(buf, sizeof(buf), "%s", text + 1);
	else
		n = snprintf(buf, sizeof(buf), "%s%s", PRO, text);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	t = buf;
	memset(err, 0, sizeof(err));
	ret = hbpf_config_parse("t.conf", t, (size_t)n, cfg, err, sizeof(err));
	if (ret != -EINVAL || strcmp(err, expect))
		fail_msg("input:\n%s\nexpected: %s\ngot (%d): %s", buf, expect, ret, err);
}

/* xdp-mode: each value, and what is refused. */
static void test_xdp_mode(void **state)
{
	static const struct {
		const char *word;
		int mode;
	} ok[] = {{"auto", HBPF_XDP_AUTO},
		  {"native", HBPF_XDP_NATIVE},
		  {"generic", HBPF_XDP_GENERIC}};
	char text[512], err[256];
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = snprintf(text, sizeof(text), PRO "xdp-mode %s\n" NODES, ok[i].word);
		assert_int_equal(
			hbpf_config_parse("t.conf", text, (size_t)n, cfg, err, sizeof(err)), 0);
		assert_int_equal(cfg->xdp_mode, ok[i].mode);
	}
	run_bad("xdp-mode fast\n",
		"t.conf:3: xdp-mode: \"fast\" is not one of auto, native, generic");
	run_bad("xdp-mode Native\n",
		"t.conf:3: xdp-mode: \"Native\" is not one of auto, native, generic");
	run_bad("xdp-mode\n", "t.conf:3: xdp-mode: expected \"xdp-mode auto|native|generic\"");
	run_bad("xdp-mode auto generic\n",
		"t.conf:3: xdp-mode: expected \"xdp-mode auto|native|generic\"");
}

static void test_bad_inputs(void **state)
{
	size_t i;

	(void)state;
	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 30);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		run_bad(bad_cases[i].text, bad_cases[i].err);
}

/*
 * One metadata device under two names (a device node and a link to another
 * node of the same device, as /dev/disk/by-id/... is): refused by st_rdev.
 */
static void test_dg_same_device(void **state)
{
	char dir[] = "/tmp/hbpf-cfgdev.XXXXXX", x[64], y[64], z[64], text[2048], expect[512];

	(void)state;
	if (geteuid() != 0)
		skip(); /* mknod of a block device node needs root; the tests run as root */
	assert_non_null(mkdtemp(dir));
	snprintf(x, sizeof(x), "%s/loopX", dir);
	snprintf(z, sizeof(z), "%s/loopZ", dir);
	snprintf(y, sizeof(y), "%s/by-id-link", dir);
	assert_int_equal(mknod(x, S_IFBLK | 0600, makedev(7, 201)), 0);
	assert_int_equal(mknod(z, S_IFBLK | 0600, makedev(7, 201)), 0);
	assert_int_equal(symlink(z, y), 0);
	snprintf(text, sizeof(text),
		 NODES "diskgroup d {\n meta %s\n}\ndiskgroup e {\n meta %s\n}\n", x, y);
	snprintf(expect, sizeof(expect),
		 "t.conf:18: diskgroup e: node a would use %s, the metadata device of diskgroup d "
		 "(line 15) (%s: the same block device 7:201)",
		 y, x);
	run_bad(text, expect);
	unlink(y);
	unlink(z);
	unlink(x);
	rmdir(dir);
}

/* Inputs that cannot be written as C strings in the table. */
static void test_bad_bytes(void **state)
{
	static const char nul[] = "cluster 1\nlinks a\x00 b\n";
	char big[1200], cmd[HBPF_CMD_MAX + 1], err[256];
	int n;

	(void)state;
	assert_int_equal(hbpf_config_parse("t.conf", nul, sizeof(nul) - 1, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:2: NUL byte in line");

	assert_int_equal(hbpf_config_parse("t.conf", "cluster 1\n\tport\x1b 2\r\n", 18, cfg, err,
					   sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:2: control character 0x1b in column 6");

	n = snprintf(big, sizeof(big), "cluster 1\nnotify %1018s\n", "y"); /* 1025 bytes */
	assert_int_equal(hbpf_config_parse("t.conf", big, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:2: line is longer than 1024 bytes");

	memset(cmd, 'z', sizeof(cmd) - 1); /* one byte more than fits */
	cmd[sizeof(cmd) - 1] = '\0';
	n = snprintf(big, sizeof(big), "cluster 1\nnotify %s\n", cmd);
	assert_int_equal(hbpf_config_parse("t.conf", big, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:2: notify: command is longer than 511 bytes");

	/* a tiny error buffer is truncated, never overrun; NULL is allowed */
	assert_int_equal(hbpf_config_parse("t.conf", "x\n", 2, cfg, err, 8), -EINVAL);
	assert_string_equal(err, "t.conf:");
	assert_int_equal(hbpf_config_parse("t.conf", "x\n", 2, cfg, NULL, 0), -EINVAL);
}

static void test_limits(void **state)
{
	char buf[32768], err[256];
	int n, i;

	(void)state;
	/* 16 nodes are fine, the 17th is not */
	n = snprintf(buf, sizeof(buf), "cluster 1\nlinks l\n");
	for (i = 0; i < 17; i++)
		n += snprintf(buf + n, sizeof(buf) - n,
			      "node n%d {\n id %d\n public e0\n link l e0 198.18.2.%d\n}\n", i,
			      i % 16, i + 1);
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:83: node: too many nodes (at most 16)");

	/* 32 sets are fine, the 33rd is not */
	n = snprintf(buf, sizeof(buf),
		     "cluster 1\nlinks l\nnode a {\n id 0\n public e0\n link l e0 198.18.2.1\n}\n");
	for (i = 0; i < 32; i++)
		n += snprintf(buf + n, sizeof(buf) - n,
			      "set s%d {\n vip 198.18.3.%d\n nodes a\n}\n", i, i + 1);
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->nsets, 32);
	assert_int_equal(cfg->sets[31].id, 31);
	n += snprintf(buf + n, sizeof(buf) - n, "set s32 {\n");
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:136: set: too many sets (at most 32)");

	/* 16 VIPs per set */
	n = snprintf(buf, sizeof(buf), "cluster 1\nlinks l\nset s {\n");
	for (i = 0; i < 17; i++)
		n += snprintf(buf + n, sizeof(buf) - n, " vip 198.18.4.%d\n", i + 1);
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:20: set s: vip: too many VIPs in one set (at most 16)");

	/* 16 services per set */
	n = snprintf(buf, sizeof(buf), "cluster 1\nlinks l\nset s {\n");
	for (i = 0; i < 17; i++)
		n += snprintf(buf + n, sizeof(buf) - n, " service v%d {\n start a\n stop b\n }\n",
			      i);
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "t.conf:68: set s: service: too many services (at most 16 per set)");

	/* 16 disk groups are fine, the 17th is not */
	n = snprintf(buf, sizeof(buf),
		     "cluster 1\nlinks l\nnode a {\n id 0\n public e0\n link l e0 198.18.2.1\n}\n");
	for (i = 0; i < 16; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "diskgroup g%d {\n meta /dev/loop%d\n}\n",
			      i, i);
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->ndgs, 16);
	n += snprintf(buf + n, sizeof(buf) - n, "diskgroup g16 {\n");
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:56: diskgroup: too many disk groups (at most 16)");

	/* a metadata path of HBPF_PATH_MAX - 1 bytes fits, one more does not */
	n = snprintf(buf, sizeof(buf), "cluster 1\nlinks l\ndiskgroup g {\n meta /%0254d\n}\n", 0);
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:0: no node defined (at least one \"node NAME {\" block is "
				 "required)");
	n = snprintf(buf, sizeof(buf), "cluster 1\nlinks l\ndiskgroup g {\n meta /%0255d\n}\n", 0);
	assert_int_equal(hbpf_config_parse("t.conf", buf, (size_t)n, cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:4: diskgroup g: meta: path is longer than 255 characters");
}

static void test_load_and_dump(void **state)
{
	char path[] = "/tmp/hbpf-test-config-XXXXXX";
	char err[256], *out = NULL;
	size_t outlen = 0;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	assert_int_equal(hbpf_config_load(path, cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->path, path);
	assert_int_equal(cfg->nsets, 2);

	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	hbpf_config_dump(cfg, f);
	fclose(f);
	assert_non_null(strstr(out, "cluster 7, port 7301"));
	assert_non_null(strstr(out, "interval 3ms, detect-mult 4: peer dead after 12ms; "
				    "daemon-deadline 1s"));
	assert_non_null(strstr(out, "node a: id 0, public pub0\n"
				    "  link 0 priv: veth-p 198.19.1.1\n"
				    "  link 1 pub: pub0 198.18.0.11\n"));
	assert_non_null(strstr(out, "set web: id 0, vmac 02:00:c6:12:00:64, autofailover no, "
				    "failback auto after 1s\n"
				    "  on-failure failover, dampen 3 moves in 300s\n"
				    "  vips: 198.18.0.100/24 198.18.0.101/32\n"
				    "  takeover order: b a\n"));
	assert_non_null(strstr(out, "service http: timeout 2s, monitor every 750ms, no restart"));
	assert_non_null(strstr(out, "set mail: id 1, vmac 02:aa:00:00:00:01"));
	free(out);
	unlink(path);

	assert_int_equal(hbpf_config_load(path, cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, ":0: cannot open: No such file or directory"));
	assert_int_equal(hbpf_config_load("/tmp", cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/tmp:0: not a regular file");
}

/* Service restarts, on-failure, dampening and failback delays, and their defaults. */
static void test_policies(void **state)
{
	static const char text[] = PRO NODES "set web {\n"
					     " vip 198.18.0.100\n"
					     " nodes a b\n"
					     " failback auto after 2500ms\n"
					     " on-failure halt\n"
					     " dampen 2 in 60s\n"
					     " service http {\n"
					     "  start s\n  stop t\n  monitor m\n"
					     "  restart 3 in 90s\n"
					     " }\n"
					     " service db {\n  start s\n  stop t\n  restart 0\n }\n"
					     "}\n"
					     "set mail {\n"
					     " vip 198.18.0.101\n"
					     " nodes a\n"
					     " failback auto\n"
					     " on-failure ignore\n"
					     " dampen off\n"
					     " service smtp {\n  start s\n  stop t\n }\n"
					     "}\n"
					     "set dns {\n vip 198.18.0.102\n nodes b a\n"
					     " failback auto after 0ms\n on-failure failover\n}\n"
					     "set ntp {\n vip 198.18.0.103\n nodes b\n}\n";
	const struct hbpf_cfg_set *web, *mail, *dns, *ntp;
	char err[256], *out = NULL;
	size_t outlen = 0;
	FILE *f;

	(void)state;
	if (hbpf_config_parse("p.conf", text, strlen(text), cfg, err, sizeof(err)))
		fail_msg("%s", err);
	web = hbpf_config_set(cfg, "web");
	mail = hbpf_config_set(cfg, "mail");
	dns = hbpf_config_set(cfg, "dns");
	ntp = hbpf_config_set(cfg, "ntp");
	assert_non_null(web);
	assert_non_null(mail);
	assert_non_null(dns);
	assert_non_null(ntp);
	assert_int_equal(web->failback, HBPF_FAILBACK_AUTO);
	assert_int_equal(web->failback_after_ms, 2500);
	assert_int_equal(web->on_failure, HBPF_ONFAIL_HALT);
	assert_int_equal(web->dampen_moves, 2);
	assert_int_equal(web->dampen_window_ms, 60000);
	assert_int_equal(web->services[0].restart_max, 3);
	assert_int_equal(web->services[0].restart_window_ms, 90000);
	assert_int_equal(web->services[1].restart_max, 0);
	assert_int_equal(web->services[1].restart_window_ms, 0);
	/* auto without "after" keeps the 1 s hold */
	assert_int_equal(mail->failback, HBPF_FAILBACK_AUTO);
	assert_int_equal(mail->failback_after_ms, 1000);
	assert_int_equal(mail->on_failure, HBPF_ONFAIL_IGNORE);
	assert_int_equal(mail->dampen_moves, 0);
	assert_int_equal(mail->services[0].restart_max, 0);
	assert_int_equal(dns->failback_after_ms, 0);
	assert_int_equal(dns->on_failure, HBPF_ONFAIL_FAILOVER);
	/* defaults: manual failback, failover, 3 moves in 300 s */
	assert_int_equal(ntp->failback, HBPF_FAILBACK_MANUAL);
	assert_int_equal(ntp->on_failure, HBPF_ONFAIL_FAILOVER);
	assert_int_equal(ntp->dampen_moves, 3);
	assert_int_equal(ntp->dampen_window_ms, 300000);

	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	hbpf_config_dump(cfg, f);
	fclose(f);
	assert_non_null(strstr(out, "autofailover yes, failback auto after 2500ms\n"
				    "  on-failure halt, dampen 2 moves in 60s\n"));
	assert_non_null(strstr(out, "service http: timeout 10s, monitor every 5s, restart 3 "
				    "times in 90s\n"));
	assert_non_null(strstr(out, "service db: timeout 10s, monitor every 5s, no restart\n"));
	assert_non_null(strstr(out, "failback auto after 1s\n  on-failure ignore, dampen off\n"));
	assert_non_null(strstr(out, "set ntp: id 3, vmac 02:00:c6:12:00:67, autofailover yes, "
				    "failback manual\n  on-failure failover, dampen 3 moves in "
				    "300s\n"));
	free(out);
}

/* The shipped example must stay valid: it is what people copy. */
static void test_example_file(void **state)
{
	char path[512], err[256];
	const char *slash = strrchr(__FILE__, '/');

	(void)state;
	snprintf(path, sizeof(path), "%.*s/../../etc/hbpf.conf.example",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	if (hbpf_config_load(path, cfg, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(cfg->nnodes, 2);
	assert_int_equal(cfg->nlinks, 2);
	assert_int_equal(cfg->nsets, 2);
	assert_non_null(hbpf_config_set(cfg, "web"));
	assert_int_equal(cfg->ndgs, 1);
	assert_int_equal(hbpf_config_set(cfg, "web")->ndgs, 1);
}

/* "key-file PATH": absolute, once; absent is fine for the parser (hbpfd insists). */
static void test_key_file_directive(void **state)
{
	static const char *const bad[][2] = {
		{"cluster 1\nkey-file hbpf.key\n",
		 "t.conf:2: key-file: \"hbpf.key\" is not an absolute path"},
		{"cluster 1\nkey-file /a/../b\n",
		 "t.conf:2: key-file: \"/a/../b\": \".\" and \"..\""},
		{"cluster 1\nkey-file\n", "t.conf:2: "},
		{"cluster 1\nkey-file /a /b\n", "t.conf:2: "},
		{"cluster 1\nkey-file /a/..\n", "t.conf:2: key-file: \"/a/..\": \".\" and \"..\""},
		{"cluster 1\nkey-file /a\nkey-file /b\n", "t.conf:3: "},
	};
	char err[256], text[sizeof(good) + 64];
	int n;

	(void)state;
	assert_int_equal(hbpf_config_parse("hbpf.conf", good, strlen(good), cfg, err, sizeof(err)),
			 0);
	assert_string_equal(cfg->key_file, "");
	n = snprintf(text, sizeof(text), "key-file /etc/hbpf/hbpf.key\n%s", good);
	assert_int_equal(hbpf_config_parse("hbpf.conf", text, (size_t)n, cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->key_file, "/etc/hbpf/hbpf.key");
	/* "/" alone is short: the suffix checks must not read before it */
	n = snprintf(text, sizeof(text), "key-file /\n%s", good);
	assert_int_equal(hbpf_config_parse("hbpf.conf", text, (size_t)n, cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->key_file, "/");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(hbpf_config_parse("t.conf", bad[i][0], strlen(bad[i][0]), cfg, err,
						   sizeof(err)),
				 -EINVAL);
		if (strncmp(err, bad[i][1], strlen(bad[i][1])))
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err, bad[i][1]);
	}
}

/* Key-file text: one or two "KEYID HEX32" lines, each mistake named with its line. */
static void test_key_file_text(void **state)
{
	static const char *const bad[][2] = {
		{"", "k: no key"},
		{"# only a comment\n\n", "k: no key"},
		{"1\n", "k:1: expected \"KEYID HEX32\""},
		{"1 00112233445566778899aabbccddeeff extra\n",
		 "k:1: expected \"KEYID HEX32\", found more"},
		{"0 00112233445566778899aabbccddeeff\n",
		 "k:1: key id \"0\" is not a number 1..255"},
		{"256 00112233445566778899aabbccddeeff\n", "k:1: key id \"256\""},
		{"-1 00112233445566778899aabbccddeeff\n", "k:1: key id \"-1\""},
		{"x 00112233445566778899aabbccddeeff\n", "k:1: key id \"x\""},
		{"1 00112233445566778899aabbccddeef\n",
		 "k:1: key must be 32 hex digits (128 bits), found 31"},
		{"1 00112233445566778899aabbccddeeff0\n", "k:1: key must be 32 hex digits"},
		{"1 00112233445566778899aabbccddeefg\n", "k:1: key has a non-hex character"},
		{"1 00000000000000000000000000000000\n", "k:1: key is all zeros"},
		{"1 00112233445566778899aabbccddeeff\n1 ffeeddccbbaa99887766554433221100\n",
		 "k:2: key id 1 is used twice"},
		{"1 00112233445566778899aabbccddeeff\n2 00112233445566778899aabbccddeeff\n"
		 "3 00112233445566778899aabbccddeeff\n",
		 "k:3: more than 2 keys"},
	};
	static const char two[] = "# rollover\n5 000102030405060708090a0b0c0d0e0f  # new\n"
				  "\t4 F0E1D2C3B4A5968778695A4B3C2D1E0F\r\n";
	struct hbpf_keyset ks;
	char err[256], line[64];

	(void)state;
	assert_int_equal(hbpf_keyfile_parse("k", two, strlen(two), &ks, err, sizeof(err)), 0);
	assert_int_equal(ks.n, 2);
	assert_int_equal(ks.k[0].keyid, 5);
	assert_int_equal(ks.k[0].key[0], 0x00);
	assert_int_equal(ks.k[0].key[15], 0x0f);
	assert_int_equal(ks.k[1].keyid, 4);
	assert_int_equal(ks.k[1].key[0], 0xf0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(hbpf_keyfile_parse("k", bad[i][0], strlen(bad[i][0]), &ks, err,
						    sizeof(err)),
				 -EINVAL);
		if (strncmp(err, bad[i][1], strlen(bad[i][1])))
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err, bad[i][1]);
	}
	assert_int_equal(hbpf_keyfile_parse("k", "1 0\0", 4, &ks, err, sizeof(err)), -EINVAL);

	/* keygen output parses back, and two runs differ */
	assert_int_equal(hbpf_keyfile_gen(3, line, sizeof(line)), 0);
	assert_int_equal(strlen(line), 2 + 32 + 1);
	assert_int_equal(hbpf_keyfile_parse("gen", line, strlen(line), &ks, err, sizeof(err)), 0);
	assert_int_equal(ks.k[0].keyid, 3);
	{
		char line2[64];

		assert_int_equal(hbpf_keyfile_gen(3, line2, sizeof(line2)), 0);
		assert_string_not_equal(line, line2);
	}
	assert_int_equal(hbpf_keyfile_gen(0, line, sizeof(line)), -EINVAL);
	assert_int_equal(hbpf_keyfile_gen(1, line, 10), -EINVAL);
}

/* The file itself: missing, group/other permissions, wrong owner, not a file. */
static void test_key_file_load(void **state)
{
	char dir[] = "/tmp/hbpf-keytest.XXXXXX", path[64], err[512];
	struct hbpf_keyset ks;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	assert_int_equal(hbpf_keyfile_load(path, &ks, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no such file (generate one with: hbpfctl keygen >"));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "9 00112233445566778899aabbccddeeff\n", 35), 35);
	close(fd);
	if (geteuid() == 0) {
		assert_int_equal(hbpf_keyfile_load(path, &ks, err, sizeof(err)), 0);
		assert_int_equal(ks.n, 1);
		assert_int_equal(ks.k[0].keyid, 9);
		assert_int_equal(chmod(path, 0604), 0);
		assert_int_equal(hbpf_keyfile_load(path, &ks, err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, "mode 0604 lets group or others read it"));
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(chown(path, 65534, 0), 0);
		assert_int_equal(hbpf_keyfile_load(path, &ks, err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, "owned by uid 65534, must be owned by root"));
	} else {
		/* not root: the file is ours, and that alone is refused */
		assert_int_equal(hbpf_keyfile_load(path, &ks, err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, "must be owned by root"));
	}
	unlink(path);
	assert_int_equal(hbpf_keyfile_load(dir, &ks, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	rmdir(dir);
}

/* Two nodes, one set without disk groups: the split-brain case. */
static const char two[] = "cluster 1\n"
			  "links pub\n"
			  "daemon-deadline 600ms\n"
			  "%s\n"
			  "node a {\n\tid 0\n\tpublic p0\n\tlink pub p0 198.18.0.11\n}\n"
			  "node b {\n\tid 1\n\tpublic p0\n\tlink pub p0 198.18.0.12\n}\n"
			  "set web {\n\tvip 198.18.0.100\n\tnodes a b\n%s}\n";

static int parse_two(const char *top, const char *set_extra, char *err, size_t errlen)
{
	char text[1024];
	int n = snprintf(text, sizeof(text), two, top, set_extra);

	err[0] = '\0';
	return hbpf_config_parse("t.conf", text, (size_t)n, cfg, err, errlen);
}

/* "tie-breaker ADDRESS [interval D] [timeout D]" and "tie-breaker none". */
static void test_tiebreak(void **state)
{
	static const char *const bad[][2] = {
		{"tie-breaker", "t.conf:4: "},
		{"tie-breaker 198.18.0.2.1",
		 "t.conf:4: tie-breaker: \"198.18.0.2.1\" is not an IPv4"},
		{"tie-breaker 224.0.0.1", "t.conf:4: tie-breaker: 224.0.0.1 is not a unicast"},
		{"tie-breaker none interval 5ms",
		 "t.conf:4: tie-breaker: \"none\" takes no options"},
		{"tie-breaker 198.18.0.2 every 5ms",
		 "t.conf:4: tie-breaker: unknown option \"every\" (expected interval or timeout)"},
		{"tie-breaker 198.18.0.2 interval", "t.conf:4: tie-breaker: \"interval\" needs a"},
		{"tie-breaker 198.18.0.2 interval 5", "t.conf:4: tie-breaker: \"5\" needs a unit"},
		{"tie-breaker 198.18.0.2 interval 0ms",
		 "t.conf:4: tie-breaker: 0ms is out of range"},
		{"tie-breaker 198.18.0.2 interval 5ms interval 6ms",
		 "t.conf:4: tie-breaker: \"interval\" given twice"},
		{"tie-breaker 198.18.0.2 interval 2s timeout 1s",
		 "t.conf:4: tie-breaker: interval 2s is longer than timeout 1s"},
		{"tie-breaker 198.18.0.12",
		 "t.conf:4: tie-breaker: 198.18.0.12 is node b's own address"},
		{"tie-breaker 198.18.0.100",
		 "t.conf:4: tie-breaker: 198.18.0.100 is a VIP of set web"},
		{"tie-breaker none\ntie-breaker 198.18.0.2", "t.conf:5: "},
		{"state-dir var/lib/hbpf",
		 "t.conf:4: state-dir: \"var/lib/hbpf\" is not an absolute"},
	};
	char err[512];

	(void)state;
	/* Defaults from the daemon deadline (600ms): probe every 120ms, 600ms timeout. */
	assert_int_equal(parse_two("tie-breaker 198.18.0.2", "", err, sizeof(err)), 0);
	assert_int_equal(cfg->tiebreak, HBPF_TB_ADDRESS);
	assert_int_equal(cfg->tb_addr.s_addr, ip("198.18.0.2"));
	assert_int_equal(cfg->tb_interval_ms, 120);
	assert_int_equal(cfg->tb_timeout_ms, 600);
	assert_int_equal(cfg->nwarnings, 0);
	assert_string_equal(cfg->state_dir, HBPF_STATE_DIR_DEFAULT);
	assert_int_equal(
		parse_two("tie-breaker 198.18.0.2 timeout 2s interval 50ms\nstate-dir /run/x", "",
			  err, sizeof(err)),
		0);
	assert_int_equal(cfg->tb_interval_ms, 50);
	assert_int_equal(cfg->tb_timeout_ms, 2000);
	assert_string_equal(cfg->state_dir, "/run/x");
	assert_int_equal(parse_two("tie-breaker none", "", err, sizeof(err)), 0);
	assert_int_equal(cfg->tiebreak, HBPF_TB_NONE);
	assert_int_equal(cfg->nwarnings, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_two(bad[i][0], "", err, sizeof(err)), -EINVAL);
		if (strncmp(err, bad[i][1], strlen(bad[i][1])))
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err, bad[i][1]);
	}
}

/* Without a tie-breaker, a two-node set without disks warns (and still parses). */
static void test_split_brain_warning(void **state)
{
	char err[512], out[4096] = "";
	FILE *f;

	(void)state;
	assert_int_equal(parse_two("", "", err, sizeof(err)), 0);
	assert_int_equal(cfg->tiebreak, HBPF_TB_UNSET);
	assert_int_equal(cfg->nwarnings, 1);
	assert_non_null(strstr(cfg->warnings[0], "t.conf:15: warning: set web: "));
	assert_non_null(strstr(cfg->warnings[0], "split the brain"));
	assert_non_null(strstr(cfg->warnings[0], "add \"tie-breaker ADDRESS\""));
	/* hbpfctl check prints it after the summary. */
	f = fmemopen(out, sizeof(out) - 1, "w");
	assert_non_null(f);
	hbpf_config_dump(cfg, f);
	fclose(f);
	assert_non_null(strstr(out, "tie-breaker: (none configured"));
	assert_non_null(strstr(out, cfg->warnings[0]));
	/* No automatic takeover: nothing to split. */
	assert_int_equal(parse_two("", "\tautofailover no\n", err, sizeof(err)), 0);
	assert_int_equal(cfg->nwarnings, 0);
	assert_int_equal(parse_two("tie-breaker 198.18.0.2", "", err, sizeof(err)), 0);
	assert_int_equal(cfg->nwarnings, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_xdp_mode),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_dg_same_device),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_and_dump),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_diskgroups),
		cmocka_unit_test(test_key_file_directive),
		cmocka_unit_test(test_key_file_text),
		cmocka_unit_test(test_key_file_load),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_tiebreak),
		cmocka_unit_test(test_split_brain_warning),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
