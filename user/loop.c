// SPDX-License-Identifier: GPL-2.0-only
/* io_uring reactor (see loop.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "log.h"
#include "loop.h"

int loop_init(struct loop *l, unsigned entries)
{
	int err;

	memset(l, 0, sizeof(*l));
	err = io_uring_queue_init(entries, &l->ring, 0);
	if (err)
		log_warnx("io_uring_queue_init: %s", strerror(-err));
	return err;
}

void loop_fini(struct loop *l)
{
	io_uring_queue_exit(&l->ring);
}

static struct io_uring_sqe *get_sqe(struct loop *l)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe) {
		io_uring_submit(&l->ring);
		sqe = io_uring_get_sqe(&l->ring);
	}
	return sqe;
}

/* Queue one read or write; the buffer must stay valid until op->cb runs. */
static int queue_rw(struct loop *l, struct uop *op, int write, int fd, void *buf, unsigned len,
		    uint64_t off)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	if (!sqe)
		return -EBUSY;
	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
	op->kind = LOOP_UOP;
	op->busy = 1;
	io_uring_sqe_set_data(sqe, op);
	l->pending++;
	return 0;
}

int loop_read(struct loop *l, struct uop *op, int fd, void *buf, unsigned len, uint64_t off)
{
	return queue_rw(l, op, 0, fd, buf, len, off);
}

int loop_write(struct loop *l, struct uop *op, int fd, const void *buf, unsigned len, uint64_t off)
{
	return queue_rw(l, op, 1, fd, (void *)buf, len, off);
}

int loop_watch(struct loop *l, struct watch *w)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	if (!sqe)
		return -EBUSY;
	w->kind = LOOP_WATCH;
	if (w->multishot)
		io_uring_prep_poll_multishot(sqe, w->fd, w->events);
	else
		io_uring_prep_poll_add(sqe, w->fd, w->events);
	io_uring_sqe_set_data(sqe, w);
	w->armed = 1;
	l->pending++;
	return 0;
}

static void dispatch(struct loop *l, struct io_uring_cqe *cqe)
{
	struct watch *w = io_uring_cqe_get_data(cqe);
	int res = cqe->res, more = cqe->flags & IORING_CQE_F_MORE;

	if (!w)
		return;
	if (w->kind == LOOP_UOP) {
		struct uop *op = (struct uop *)w;

		op->busy = 0;
		op->cb(op, res);
		return;
	}
	if (!more)
		w->armed = 0;
	if (w->multishot && !more && res != -ECANCELED) {
		/* The kernel ended the multishot poll (overflow, error): re-arm. */
		if (loop_watch(l, w))
			log_warnx("cannot re-arm the poll on %s", w->what ? w->what : "?");
	}
	w->cb(w, res);
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000,
				       .tv_nsec = (long long)(timeout_ms % 1000) * 1000000};
	struct io_uring_cqe *cqe;
	unsigned n = 0;
	int err;

	err = io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, &ts, NULL);
	l->pending = 0;
	if (err < 0 && err != -ETIME && err != -EINTR)
		return err;
	while (n++ < 256 && io_uring_peek_cqe(&l->ring, &cqe) == 0) {
		/* Copy out before marking seen: the callback may queue new SQEs. */
		struct io_uring_cqe c = *cqe;

		io_uring_cqe_seen(&l->ring, cqe);
		dispatch(l, &c);
	}
	return 0;
}
