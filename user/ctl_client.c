// SPDX-License-Identifier: GPL-2.0-only
/* The client side of the control socket (see ctl.h for the protocol). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl.h"
#include "ctl_client.h"

int hbpf_ctl_request(const char *path, const char *req, int timeout_ms, char **reply, char *why,
		     size_t whylen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct pollfd pfd;
	size_t len = 0, cap = 4096;
	char line[HBPF_CTL_MAX];
	char *buf = NULL;
	int fd, ret, n;

	n = snprintf(line, sizeof(line), "%s\n", req);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		snprintf(why, whylen, "request longer than %d bytes", HBPF_CTL_MAX - 1);
		return -EMSGSIZE;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "socket: %s", strerror(-ret));
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		snprintf(why, whylen, "cannot connect to %s: %s", path, strerror(-ret));
		goto out;
	}
	if (send(fd, line, n, MSG_NOSIGNAL) != n) {
		ret = errno ? -errno : -EIO;
		snprintf(why, whylen, "cannot send to %s: %s", path, strerror(-ret));
		goto out;
	}
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t r;

		pfd.fd = fd;
		pfd.events = POLLIN;
		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			ret = ret ? -errno : -ETIMEDOUT;
			snprintf(why, whylen, "no reply on %s within %d ms", path, timeout_ms);
			goto out;
		}
		if (len + 1 >= cap) {
			char *nb;

			if (cap >= HBPF_REPLY_MAX) {
				ret = -EMSGSIZE;
				snprintf(why, whylen, "reply on %s longer than %d bytes", path,
					 HBPF_REPLY_MAX);
				goto out;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				ret = -ENOMEM;
				snprintf(why, whylen, "out of memory");
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			snprintf(why, whylen, "cannot read from %s: %s", path, strerror(-ret));
			goto out;
		}
		if (!r)
			break;
		len += r;
	}
	buf[len] = '\0';
	if (!len) {
		ret = -ECONNRESET;
		snprintf(why, whylen, "%s closed the connection without a reply", path);
		goto out;
	}
	*reply = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

char *hbpf_reply_last_line(char *reply)
{
	size_t len = strlen(reply);
	char *nl;

	while (len && reply[len - 1] == '\n')
		reply[--len] = '\0';
	nl = strrchr(reply, '\n');
	if (!nl)
		return reply;
	*nl = '\0';
	return nl + 1;
}
