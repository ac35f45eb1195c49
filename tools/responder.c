// SPDX-License-Identifier: GPL-2.0-only
/*
 * hbpf-responder: the lab's service.  A UDP server that answers every
 * "HBPF-PROBE <seq> ..." datagram with "<node-name> <seq>", so that the client
 * prober (tools/prober.c) can tell which node served each probe.
 *
 * The answer leaves from the address the probe was sent to (IP_PKTINFO), not
 * from the interface's primary address: a client talks to the VIP, and a reply
 * from another address would not be what a real service behind a VIP sends.
 * It only ever answers senders inside 198.18.0.0/15, the lab's range.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROBE_TAG "HBPF-PROBE "
#define NAME_MAX_LEN 31
#define LAB_NET 0xc6120000u  /* 198.18.0.0 */
#define LAB_MASK 0xfffe0000u /* /15 */

static volatile sig_atomic_t stop;

struct opts {
	const char *name;
	const char *bind_addr;
	const char *pidfile;
	const char *file; /* -f: its first line goes into every reply */
	unsigned int port;
	int daemonize;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Names go into the prober's output verbatim, so keep them to a plain set. */
static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static void usage(void)
{
	fprintf(stderr, "usage: hbpf-responder -n NODE_NAME [-p PORT] [-b BIND_ADDR] "
			"[-D -P PIDFILE] [-f FILE]\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	unsigned long v;
	int c;

	o->bind_addr = "0.0.0.0";
	o->port = 7;
	while ((c = getopt(argc, argv, "n:p:b:DP:f:h")) != -1) {
		switch (c) {
		case 'n':
			o->name = optarg;
			break;
		case 'p':
			if (parse_uint(optarg, 65535, &v) || v == 0) {
				fprintf(stderr, "hbpf-responder: bad port '%s'\n", optarg);
				exit(2);
			}
			o->port = (unsigned int)v;
			break;
		case 'b':
			o->bind_addr = optarg;
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'D':
			o->daemonize = 1;
			break;
		case 'P':
			o->pidfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !o->name)
		usage();
	if (!valid_name(o->name)) {
		fprintf(stderr, "hbpf-responder: bad node name '%s' (1..%d of [A-Za-z0-9_.-])\n",
			o->name, NAME_MAX_LEN);
		exit(2);
	}
	/* A daemon nobody can find by pid could only be killed by name. */
	if (o->daemonize && !o->pidfile) {
		fprintf(stderr, "hbpf-responder: -D needs -P PIDFILE\n");
		exit(2);
	}
}

static int open_socket(const struct opts *o)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(o->port)};
	int one = 1, fd, err;

	if (inet_pton(AF_INET, o->bind_addr, &sin.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int write_pidfile(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;
	int err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", (int)pid) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	/* rename: whoever waits for the file never reads it half written */
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/*
 * Fork into the background.  The parent writes the child's pid and exits only
 * then, and the socket is bound before the fork: when `hbpf-responder -D`
 * returns, the pidfile exists and the service already answers.
 */
static int daemonize(const char *pidfile)
{
	pid_t pid;
	int fd, err;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		err = write_pidfile(pidfile, pid);
		if (err) {
			kill(pid, SIGTERM);
			fprintf(stderr, "hbpf-responder: %s: %s\n", pidfile, strerror(-err));
			_exit(1);
		}
		_exit(0);
	}
	setsid();
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

static int in_lab(const struct sockaddr_in *sin)
{
	return (ntohl(sin->sin_addr.s_addr) & LAB_MASK) == LAB_NET;
}

/* "HBPF-PROBE <seq> ..." -> seq; -EINVAL for anything else. */
static int parse_probe(const char *buf, size_t len, unsigned long long *seq)
{
	size_t tag = sizeof(PROBE_TAG) - 1, i = tag;
	unsigned long long v = 0;

	if (len <= tag || memcmp(buf, PROBE_TAG, tag))
		return -EINVAL;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (i - tag >= 19)
			return -EINVAL;
		v = v * 10 + (unsigned long long)(buf[i] - '0');
	}
	if (i == tag || (i < len && buf[i] != ' '))
		return -EINVAL;
	*seq = v;
	return 0;
}

/* Answer one datagram; 1 if answered, 0 if ignored, -errno on error. */
/* First line of path (what the service serves), or "-" when unreadable. */
static void file_line(const char *path, char *out, size_t len)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, out, len - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(out, len, "-");
		return;
	}
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static int serve_one(int fd, const char *name, const char *file)
{
	char buf[512], reply[256], content[160], cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct sockaddr_in from;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct in_pktinfo *pi = NULL;
	struct cmsghdr *cm;
	unsigned long long seq;
	ssize_t n;
	int len;

	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if ((mh.msg_flags & MSG_TRUNC) || !in_lab(&from) || parse_probe(buf, (size_t)n, &seq))
		return 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_PKTINFO)
			pi = (struct in_pktinfo *)CMSG_DATA(cm);
	if (file) {
		file_line(file, content, sizeof(content));
		len = snprintf(reply, sizeof(reply), "%s %llu %s", name, seq, content);
	} else {
		len = snprintf(reply, sizeof(reply), "%s %llu", name, seq);
	}

	/* Reuse the received control message: source = the probe's destination. */
	iov.iov_base = reply;
	iov.iov_len = (size_t)len;
	mh.msg_flags = 0;
	if (pi) {
		pi->ipi_spec_dst = pi->ipi_addr;
		pi->ipi_ifindex = 0;
	} else {
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	if (sendmsg(fd, &mh, MSG_DONTWAIT) < 0)
		return -errno;
	return 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	unsigned long long answered = 0, errors = 0;
	struct pollfd pfd = {.events = POLLIN};
	struct opts o = {0};
	sigset_t block, wait_mask;
	int fd, err;

	parse_args(argc, argv, &o);
	/*
	 * SIGTERM/SIGINT stay blocked except inside ppoll(), which unblocks them
	 * atomically: a signal can never land between the check of `stop` and
	 * the wait and leave the server blocked until the next datagram.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = open_socket(&o);
	if (fd < 0) {
		fprintf(stderr, "hbpf-responder: %s:%u: %s\n", o.bind_addr, o.port, strerror(-fd));
		return 1;
	}
	if (o.daemonize)
		err = daemonize(o.pidfile);
	else if (o.pidfile)
		err = write_pidfile(o.pidfile, getpid());
	else
		err = 0;
	if (err) {
		fprintf(stderr, "hbpf-responder: %s: %s\n", o.daemonize ? "daemonize" : o.pidfile,
			strerror(-err));
		return 1;
	}
	pfd.fd = fd;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0)
			continue; /* EINTR: the loop condition decides */
		/* Drain what is queued, then wait again. */
		while (!stop && (err = serve_one(fd, o.name, o.file)) != -EAGAIN) {
			if (err > 0)
				answered++;
			else if (err < 0)
				errors++; /* e.g. no route back during a cut link: keep serving */
		}
	}
	close(fd);
	if (!o.daemonize)
		fprintf(stderr, "hbpf-responder: %s answered=%llu errors=%llu\n", o.name, answered,
			errors);
	return 0;
}
