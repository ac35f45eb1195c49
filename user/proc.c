// SPDX-License-Identifier: GPL-2.0-only
/* Child processes in their own process group, watched through pidfds. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"

extern char **environ;

#define PROC_KILL_GRACE_MS 1000

static size_t env_name_len(const char *e)
{
	const char *eq = strchr(e, '=');

	return eq ? (size_t)(eq - e) : strlen(e);
}

static int env_overridden(const char *e, char *const extra[])
{
	size_t n = env_name_len(e);

	for (; extra && *extra; extra++)
		if (env_name_len(*extra) == n && !strncmp(e, *extra, n))
			return 1;
	return 0;
}

/* The child's environment: the daemon's, with extra[] added or overriding. */
static char **env_build(char *const extra[])
{
	size_t n = 0, k = 0;
	char **envp;

	for (char **e = environ; e && *e; e++)
		n++;
	for (char *const *e = extra; e && *e; e++)
		n++;
	envp = calloc(n + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (char **e = environ; e && *e; e++)
		if (!env_overridden(*e, extra))
			envp[k++] = *e;
	for (char *const *e = extra; e && *e; e++)
		envp[k++] = *e;
	envp[k] = NULL;
	return envp;
}

/*
 * The child, between fork and exec (so only async-signal-safe calls: the
 * daemon has other threads): its own process group (so a stop reaches every
 * process it makes), every signal at its default action and none blocked (the
 * daemon blocks signals for its signalfd and ignores some; both survive exec,
 * and the service could not be stopped), stdin from /dev/null, and none of the
 * daemon's descriptors beyond stderr (sockets, maps, pidfds).
 */
static void child_exec(const char *cmd, char *const envp[])
{
	char *const argv[] = {"sh", "-c", (char *)cmd, NULL};
	struct sigaction dfl;
	sigset_t none;
	int sig, fd;

	setpgid(0, 0);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* SIGKILL, SIGSTOP, libc's own: refused, harmless */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || (fd != STDIN_FILENO && dup2(fd, STDIN_FILENO) < 0))
		_exit(127);
	if (syscall(SYS_close_range, 3u, ~0u, 0u))
		for (fd = 3; fd < 65536; fd++)
			close(fd);
	execve("/bin/sh", argv, envp);
	_exit(127);
}

/*
 * fork, not posix_spawn.  glibc's posix_spawn starts the child with
 * CLONE_VM | CLONE_VFORK: the caller sleeps until the child has exec'd, and
 * the child runs at normal priority (SCHED_RESET_ON_FORK) from its first
 * instruction.  On a host saturated by normal-priority work that left the
 * real-time event loop waiting for a scheduler slot: 2 ms on average, up
 * to 2.3 s, beside busy VMs, past the self-demotion deadline (the node
 * dropped its set while starting a service).  fork costs the caller 0.3-0.7
 * ms (page tables of the mlocked daemon) whatever the load, and the child
 * then waits for its slot on its own.
 */
int proc_spawn(struct proc *p, const char *cmd, char *const extra_env[], uint64_t timeout_ns)
{
	char **envp;
	pid_t pid;
	int err, fd;

	memset(p, 0, sizeof(*p));
	p->pidfd = -1;
	envp = env_build(extra_env);
	if (!envp)
		return -ENOMEM;
	pid = fork();
	if (pid == 0)
		child_exec(cmd, envp);
	err = pid < 0 ? errno : 0;
	free(envp);
	if (err) {
		errno = err;
		log_warn("cannot start \"%s\"", cmd);
		return -err;
	}
	/* Also here: a stop sent before the child ran must find its group. */
	setpgid(pid, pid);
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		err = -errno;
		log_warn("pidfd_open %d", (int)pid);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return err;
	}
	p->pid = pid;
	p->pgid = pid;
	p->pidfd = fd;
	p->start_ns = mono_now_ns();
	p->deadline_ns = timeout_ns ? p->start_ns + timeout_ns : 0;
	log_debug("started pid %d: %s", (int)pid, cmd);
	return 0;
}

int proc_reap(struct proc *p, int *status)
{
	pid_t r;
	int st;

	if (p->pid <= 0)
		return -ECHILD;
	do
		r = waitpid(p->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	if (status)
		*status = st;
	proc_forget(p);
	return 0;
}

void proc_forget(struct proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	p->pid = 0;
}

int proc_kill(struct proc *p, int sig)
{
	if (p->pgid <= 0)
		return -ESRCH;
	if (kill(-p->pgid, sig) < 0)
		return -errno;
	return 0;
}

int proc_expired(const struct proc *p, uint64_t now_ns)
{
	return p->deadline_ns && now_ns >= p->deadline_ns;
}

/* Wait up to ms (-1: forever) for the pidfd; 1 readable, 0 timeout, -errno. */
static int pidfd_wait(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	uint64_t end = ms < 0 ? 0 : mono_now_ns() + (uint64_t)ms * 1000000ull;
	int r;

	for (;;) {
		int left = -1;

		if (ms >= 0) {
			uint64_t now = mono_now_ns();

			left = now >= end ? 0 : (int)((end - now + 999999) / 1000000);
		}
		r = poll(&pfd, 1, left);
		if (r >= 0)
			return r > 0;
		if (errno != EINTR)
			return -errno;
	}
}

int proc_run_sync(const char *cmd, char *const env[], uint64_t timeout_ns, int *status)
{
	struct proc p;
	int err, r, ms, killed = 0;

	err = proc_spawn(&p, cmd, env, timeout_ns);
	if (err)
		return err;
	ms = timeout_ns ? (int)((timeout_ns + 999999) / 1000000) : -1;
	r = pidfd_wait(p.pidfd, ms);
	if (r == 0) {
		killed = 1;
		proc_kill(&p, SIGTERM);
		r = pidfd_wait(p.pidfd, PROC_KILL_GRACE_MS);
	}
	/* Whatever of the group ignored SIGTERM or outlived the shell goes now. */
	if (killed)
		proc_kill(&p, SIGKILL);
	if (r == 0)
		r = pidfd_wait(p.pidfd, -1);
	if (r < 0) {
		proc_kill(&p, SIGKILL);
		waitpid(p.pid, NULL, 0);
		proc_forget(&p);
		return r;
	}
	err = proc_reap(&p, status);
	if (err)
		return err;
	return killed ? -ETIMEDOUT : 0;
}

const char *proc_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));

		if (name)
			snprintf(buf, len, "killed by SIG%s%s", name,
				 WCOREDUMP(status) ? " (core dumped)" : "");
		else
			snprintf(buf, len, "killed by signal %d%s", WTERMSIG(status),
				 WCOREDUMP(status) ? " (core dumped)" : "");
	} else {
		snprintf(buf, len, "status 0x%x", (unsigned int)status);
	}
	return buf;
}
