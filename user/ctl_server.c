// SPDX-License-Identifier: GPL-2.0-only
/* The control socket: clients, permissions, and the command table. */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl.h"
#include "ctl_server.h"
#include "log.h"
#include "proc.h"

/* One request: the command word, up to two arguments, the client. */
struct ctl_req {
	const char *cmd, *a1, *a2;
	int fd;
	char *out;
	size_t len;
};

struct ctl_cmd {
	const char *name;
	int min_args, max_args;
	int (*run)(struct ctl_server *cs, struct ctl_req *r);
};

static struct setrt *req_set(struct ctl_server *cs, struct ctl_req *r)
{
	const struct hbpf_cfg_set *c = hbpf_config_set(cs->cfg, r->a1);

	if (!c) {
		snprintf(r->out, r->len, "error: unknown set '%s'\n", r->a1);
		return NULL;
	}
	return &cs->sets[c->id];
}

static int cmd_ping(struct ctl_server *cs, struct ctl_req *r)
{
	snprintf(r->out, r->len, "ok pong %s\n", cs->self_name);
	return 0;
}

static int cmd_sets(struct ctl_server *cs, struct ctl_req *r)
{
	size_t off = 0, len = r->len;
	char *out = r->out;
	int i;

	for (i = 0; i < cs->cfg->nsets && off < len; i++) {
		struct setrt *s = &cs->sets[i];
		volatile struct hbpf_set *ks = &cs->k->sets[i];

		/* The flags column comes last: older readers take the first six. */
		off += snprintf(out + off, len - off, "%s %s %s %u %s %.3f %s\n", s->c->name,
				fsm_state_name(s->m.state), peers_name(cs->peers, ks->owner),
				ks->epoch, s->last_step ? fsm_step_name(s->last_step) : "-",
				(double)s->last_step_us / 1000.0, s->dampened ? "dampened" : "-");
	}
	if (off < len)
		snprintf(out + off, len - off, "ok\n");
	return 0;
}

static int cmd_shutdown(struct ctl_server *cs, struct ctl_req *r)
{
	*cs->stopping = 1;
	snprintf(r->out, r->len, "ok releasing sets and exiting\n");
	return 0;
}

static int cmd_restart(struct ctl_server *cs, struct ctl_req *r)
{
	*cs->restarting = 1;
	snprintf(r->out, r->len, "ok exiting for a restart; sets stay here\n");
	return 0;
}

/* move, for a set another node holds: ask the holder to hand it over. */
static int move_remote(struct ctl_server *cs, struct setrt *s, const struct hbpf_cfg_node *n,
		       struct ctl_req *r)
{
	volatile struct hbpf_set *ks = &cs->k->sets[s->id];

	if (ks->owner == HBPF_NODE_NONE || ks->owner == cs->peers->self) {
		snprintf(r->out, r->len, "error: nobody holds %s; use acquire on %s\n", s->c->name,
			 n->name);
		return -1;
	}
	if (ks->owner == n->id) {
		snprintf(r->out, r->len, "ok %s is already on %s\n", s->c->name, n->name);
		return 0;
	}
	set_undampen(s, "operator move");
	sender_move(cs->snd, s->id, n->id, SET_HANDOFF_HOLD_NS);
	snprintf(r->out, r->len, "ok asked %s to move %s to %s\n", peers_name(cs->peers, ks->owner),
		 s->c->name, n->name);
	return 0;
}

static int cmd_move(struct ctl_server *cs, struct ctl_req *r)
{
	struct setrt *s = req_set(cs, r);
	const struct hbpf_cfg_node *n;
	int i, listed = 0;

	if (!s)
		return -1;
	n = hbpf_config_node(cs->cfg, r->a2);
	if (!n) {
		snprintf(r->out, r->len, "error: unknown node '%s'\n", r->a2);
		return -1;
	}
	for (i = 0; i < s->c->nnodes; i++)
		listed |= s->c->prio[i] == n->id;
	if (!listed) {
		snprintf(r->out, r->len, "error: node %s is not in set %s's node list\n", n->name,
			 s->c->name);
		return -1;
	}
	if (!peers_usable(cs->peers, n->id)) {
		snprintf(r->out, r->len,
			 "error: node %s is not usable (dead, daemon down or public "
			 "link down)\n",
			 n->name);
		return -1;
	}
	if (!cs->k->sets[s->id].owned)
		return move_remote(cs, s, n, r);
	if (n->id == cs->peers->self) {
		snprintf(r->out, r->len, "ok %s is already on %s\n", s->c->name, n->name);
		return 0;
	}
	if (s->m.state != FSM_ONLINE) {
		snprintf(r->out, r->len, "error: %s is %s here; try again when online\n",
			 s->c->name, fsm_state_name(s->m.state));
		return -1;
	}
	set_undampen(s, "operator move");
	s->trigger_ns = mono_now_ns();
	set_event(s, FSM_EV_RELEASE, n->id, "move");
	snprintf(r->out, r->len, "ok moving %s to %s\n", s->c->name, n->name);
	return 0;
}

static int cmd_reset(struct ctl_server *cs, struct ctl_req *r)
{
	struct setrt *s = req_set(cs, r);

	if (!s)
		return -1;
	if (s->m.state != FSM_FAILED && !s->dampened) {
		snprintf(r->out, r->len, "error: %s is %s, not failed or dampened\n", s->c->name,
			 fsm_state_name(s->m.state));
		return -1;
	}
	set_undampen(s, "reset command");
	if (s->m.state == FSM_FAILED)
		set_event(s, FSM_EV_RESET, 0, NULL);
	snprintf(r->out, r->len, "ok\n");
	return 0;
}

static int cmd_release(struct ctl_server *cs, struct ctl_req *r)
{
	struct setrt *s = req_set(cs, r);

	if (!s)
		return -1;
	if (s->m.state != FSM_ONLINE && s->m.state != FSM_ACQUIRING) {
		snprintf(r->out, r->len, "error: %s is %s here\n", s->c->name,
			 fsm_state_name(s->m.state));
		return -1;
	}
	s->trigger_ns = mono_now_ns();
	set_event(s, FSM_EV_RELEASE, -1, "release command");
	snprintf(r->out, r->len, "ok releasing %s\n", s->c->name);
	return 0;
}

static int cmd_acquire(struct ctl_server *cs, struct ctl_req *r)
{
	struct setrt *s = req_set(cs, r);
	volatile struct hbpf_set *ks;
	struct hbpf_peer p;

	if (!s)
		return -1;
	if (s->m.state == FSM_ONLINE || s->m.state == FSM_ACQUIRING) {
		snprintf(r->out, r->len, "ok %s is already %s here\n", s->c->name,
			 fsm_state_name(s->m.state));
		return 0;
	}
	ks = &cs->k->sets[s->id];
	if (ks->owner != HBPF_NODE_NONE && ks->owner != cs->peers->self &&
	    peers_state(cs->peers, ks->owner, &p) == HBPF_PEER_ALIVE) {
		snprintf(r->out, r->len, "error: %s is held by %s; use move\n", s->c->name,
			 peers_name(cs->peers, ks->owner));
		return -1;
	}
	s->trigger_ns = mono_now_ns();
	set_event(s, FSM_EV_ACQUIRE, 0, "acquire command");
	snprintf(r->out, r->len, "ok acquiring %s\n", s->c->name);
	return 0;
}

static int cmd_dg(struct ctl_server *cs, struct ctl_req *r)
{
	return dgrun_ctl(cs->dg, r->cmd, r->a1, r->a2, r->fd, r->out, r->len);
}

/* Each command with the argument counts it takes (ctl.h). */
static const struct ctl_cmd ctl_cmds[] = {
	{"ping", 0, 0, cmd_ping},	  {"sets", 0, 0, cmd_sets},
	{"shutdown", 0, 0, cmd_shutdown}, {"restart", 0, 0, cmd_restart},
	{"move", 2, 2, cmd_move},	  {"acquire", 1, 1, cmd_acquire},
	{"release", 1, 1, cmd_release},	  {"reset", 1, 1, cmd_reset},
	{"dg-status", 0, 0, cmd_dg},	  {"dg-import", 1, 2, cmd_dg},
	{"dg-deport", 1, 2, cmd_dg},
};

int ctl_server_request(struct ctl_server *cs, char *line, int fd, char *out, size_t len)
{
	struct ctl_req r = {.fd = fd, .out = out, .len = len};
	char *save = NULL, *extra;
	size_t i;
	int nargs;

	r.cmd = strtok_r(line, " \n", &save);
	r.a1 = strtok_r(NULL, " \n", &save);
	r.a2 = strtok_r(NULL, " \n", &save);
	extra = strtok_r(NULL, " \n", &save);
	if (!r.cmd) {
		snprintf(out, len, "error: empty request\n");
		return -1;
	}
	if (extra) {
		snprintf(out, len, "error: too many arguments\n");
		return -1;
	}
	nargs = !!r.a1 + !!r.a2;
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];

		if (!strcmp(r.cmd, c->name) && nargs >= c->min_args && nargs <= c->max_args)
			return c->run(cs, &r);
	}
	snprintf(out, len, "error: unknown or malformed request '%s' (see hbpfctl(8))\n", r.cmd);
	return -1;
}

/* ---- the socket ----------------------------------------------------------- */

struct ctl_client {
	struct watch w;
	struct ctl_server *cs;
};

static int peer_allowed(struct ctl_server *cs, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct group *g;
	gid_t groups[64];
	int n = 64, i;
	struct passwd *pw;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return 0;
	if (cr.uid == 0)
		return 1;
	if (!cs->cfg->socket_group[0])
		return 0;
	g = getgrnam(cs->cfg->socket_group);
	if (!g)
		return 0;
	if (cr.gid == g->gr_gid)
		return 1;
	pw = getpwuid(cr.uid);
	if (pw && getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) >= 0)
		for (i = 0; i < n; i++)
			if (groups[i] == g->gr_gid)
				return 1;
	return 0;
}

static void on_client(struct watch *w, int res)
{
	struct ctl_client *c = w->arg;
	char line[HBPF_CTL_MAX + 1], out[8192];
	ssize_t n;

	(void)res;
	n = recv(w->fd, line, HBPF_CTL_MAX, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN) {
		if (!loop_watch(c->cs->loop, w))
			return;
	}
	if (n > 0) {
		line[n] = '\0';
		if (!memchr(line, '\n', n) || (size_t)n != strlen(line))
			snprintf(out, sizeof(out),
				 "error: malformed request (one line, at most %d "
				 "bytes, ending in a newline)\n",
				 HBPF_CTL_MAX - 1);
		else if (!peer_allowed(c->cs, w->fd))
			snprintf(out, sizeof(out), "error: permission denied\n");
		else if (ctl_server_request(c->cs, line, w->fd, out, sizeof(out)) == 1) {
			free(c); /* deferred: the fd now belongs to the disk-group runtime */
			return;
		}
		if (send(w->fd, out, strlen(out), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("control reply not delivered: %s", strerror(errno));
	}
	close(w->fd);
	free(c);
}

static void on_accept(struct watch *w, int res)
{
	struct ctl_server *cs = w->arg;
	struct ctl_client *c;
	int fd;

	(void)res;
	while ((fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->cs = cs;
		c->w = (struct watch){.fd = fd,
				      .events = POLLIN,
				      .cb = on_client,
				      .arg = c,
				      .what = "control client"};
		if (loop_watch(cs->loop, &c->w)) {
			close(fd);
			free(c);
		}
	}
}

static int ctl_listen(struct ctl_server *cs)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct group *g = cs->cfg->socket_group[0] ? getgrnam(cs->cfg->socket_group) : NULL;
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(cs->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, cs->path);
	strcpy(dir, cs->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(cs->path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (cs->cfg->socket_group[0] && !g)
		log_warnx("socket-group %s does not exist; only root may use %s",
			  cs->cfg->socket_group, cs->path);
	if (chown(cs->path, 0, g ? g->gr_gid : 0) || chmod(cs->path, 0660))
		log_warn("cannot set the owner/mode of %s", cs->path);
	cs->fd = fd;
	return 0;
}

int ctl_server_open(struct ctl_server *cs)
{
	int err = ctl_listen(cs);

	if (err) {
		log_warnx("control socket %s: %s", cs->path, strerror(-err));
		return err;
	}
	cs->w = (struct watch){.fd = cs->fd,
			       .events = POLLIN,
			       .multishot = 1,
			       .cb = on_accept,
			       .arg = cs,
			       .what = "control socket"};
	return loop_watch(cs->loop, &cs->w) ? -EBUSY : 0;
}

void ctl_server_close(struct ctl_server *cs)
{
	if (cs->fd < 0)
		return;
	close(cs->fd);
	unlink(cs->path);
	cs->fd = -1;
}
