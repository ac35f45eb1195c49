// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the delta-lease decisions (user/lease.c) against a fake
 * clock: free, held-live, held-expired, never-seen, stale reads, force,
 * racing claims, renewal failure and self-fencing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "lease.h"

#define MS 1000000ull
#define TIMEOUT_MS 1000
#define RENEW_MS 100
#define T0 (1000 * MS) /* the fake clock starts here (0 means "never") */

static const uint8_t UUID[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static struct dgm_owner owner(uint8_t node, uint64_t gen)
{
	struct dgm_owner o;

	memset(&o, 0, sizeof(o));
	o.node = node;
	o.generation = gen;
	memcpy(o.uuid, UUID, 16);
	return o;
}

static void see(struct lease *l, int node, uint64_t counter, uint64_t now)
{
	struct dgm_slot s;

	memset(&s, 0, sizeof(s));
	s.node = (uint8_t)node;
	s.counter = counter;
	memcpy(s.uuid, UUID, 16);
	lease_observe(l, node, &s, now);
}

/* Pass a slot through its on-disk form, as the daemon would. */
static struct dgm_owner disk_owner(const struct dgm_owner *o)
{
	uint8_t b[DGM_BLOCK];
	struct dgm_owner out;
	char err[128];

	dgm_owner_encode(o, b);
	assert_int_equal(dgm_owner_decode(b, UUID, &out, err, sizeof(err)), 0);
	return out;
}

static void test_free_claims_at_once(void **state)
{
	struct dgm_owner o = owner(DGM_OWNER_NONE, 4), mine, back;
	struct dgm_slot slot;
	struct lease l;
	int ov = 99;

	(void)state;
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	assert_true(l.timeout_ns == TIMEOUT_MS * MS && l.renew_ns == RENEW_MS * MS);
	/* No observation at all: a free record needs no waiting. */
	assert_int_equal(lease_decide(&l, &o, T0, 0, &ov), LD_CLAIM);
	assert_int_equal(ov, -1);
	lease_claim(&l, &o, T0, &mine, &slot);
	assert_int_equal(mine.node, 1);
	assert_true(mine.generation == 5);
	assert_memory_equal(mine.uuid, UUID, 16);
	assert_int_equal(slot.node, 1);
	assert_true(slot.counter == 1);
	assert_true(slot.generation == 5);
	assert_memory_equal(slot.uuid, UUID, 16);
	assert_true(lease_settle_at(&l) == T0 + 2 * RENEW_MS * MS);

	back = disk_owner(&mine);
	assert_int_equal(lease_confirm(&l, &back), 0);
	assert_int_equal(lease_decide(&l, &back, T0 + 300 * MS, 0, NULL), LD_MINE);
}

/* The owner renews: HELD while it advances; after it stops, WAIT a full timeout, then CLAIM. */
static void test_held_live_then_expired(void **state)
{
	struct dgm_owner o = owner(2, 7);
	uint64_t t, counter = 40, stop;
	struct lease l;
	int ov;

	(void)state;
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	see(&l, 2, counter, T0);
	/* One read proves nothing yet. */
	assert_int_equal(lease_node_live(&l, 2, T0), -1);
	assert_int_equal(lease_decide(&l, &o, T0, 0, &ov), LD_WAIT);
	for (t = T0 + RENEW_MS * MS; t <= T0 + 5000 * MS; t += RENEW_MS * MS) {
		see(&l, 2, ++counter, t);
		assert_int_equal(lease_node_live(&l, 2, t), 1);
		assert_int_equal(lease_decide(&l, &o, t, 0, &ov), LD_HELD);
		assert_int_equal(ov, -1);
	}
	stop = t - RENEW_MS * MS; /* last change seen */
	/* It stops: one missed beat is still "advancing". */
	see(&l, 2, counter, stop + 100 * MS);
	assert_int_equal(lease_decide(&l, &o, stop + 100 * MS, 0, NULL), LD_HELD);
	for (t = stop + 200 * MS; t < stop + TIMEOUT_MS * MS; t += 50 * MS) {
		see(&l, 2, counter, t);
		assert_int_equal(lease_node_live(&l, 2, t), 1);
		assert_int_equal(lease_decide(&l, &o, t, 0, NULL), LD_WAIT);
	}
	see(&l, 2, counter, stop + TIMEOUT_MS * MS);
	assert_int_equal(lease_node_live(&l, 2, stop + TIMEOUT_MS * MS), 0);
	assert_int_equal(lease_decide(&l, &o, stop + TIMEOUT_MS * MS, 0, &ov), LD_CLAIM);
	assert_int_equal(ov, -1);

	/* It comes back: live again at once. */
	see(&l, 2, counter + 1, stop + 1500 * MS);
	assert_int_equal(lease_node_live(&l, 2, stop + 1500 * MS), 1);
	assert_int_equal(lease_decide(&l, &o, stop + 1500 * MS, 0, NULL), LD_HELD);
}

/* A slot that never changes while we watch (never used, or dead before we started). */
static void test_never_seen_slot(void **state)
{
	struct dgm_owner o = owner(3, 2);
	struct lease l;
	uint64_t t;

	(void)state;
	lease_init(&l, 0, TIMEOUT_MS, RENEW_MS);
	/* Not read at all yet. */
	assert_int_equal(lease_node_live(&l, 3, T0), -1);
	assert_int_equal(lease_decide(&l, &o, T0, 0, NULL), LD_WAIT);
	for (t = T0; t < T0 + TIMEOUT_MS * MS; t += RENEW_MS * MS) {
		see(&l, 3, 0, t);
		assert_int_equal(lease_node_live(&l, 3, t), -1);
		assert_int_equal(lease_decide(&l, &o, t, 0, NULL), LD_WAIT);
	}
	see(&l, 3, 0, T0 + TIMEOUT_MS * MS);
	assert_int_equal(lease_node_live(&l, 3, T0 + TIMEOUT_MS * MS), 0);
	assert_int_equal(lease_decide(&l, &o, T0 + TIMEOUT_MS * MS, 0, NULL), LD_CLAIM);
}

/* If our own reads stop, the time passing proves nothing about the peer. */
static void test_stale_reads_stay_unknown(void **state)
{
	struct dgm_owner o = owner(2, 1);
	struct lease l;

	(void)state;
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	see(&l, 2, 10, T0);
	see(&l, 2, 11, T0 + 100 * MS);
	see(&l, 2, 11, T0 + 300 * MS);
	assert_int_equal(lease_node_live(&l, 2, T0 + 900 * MS), 1);
	/* A timeout after the change but our last read was long before that. */
	assert_int_equal(lease_node_live(&l, 2, T0 + 60000 * MS), -1);
	assert_int_equal(lease_decide(&l, &o, T0 + 60000 * MS, 0, NULL), LD_WAIT);
	/* Out-of-range nodes are unknown and never written. */
	see(&l, DGM_MAX_NODES, 5, T0);
	see(&l, -1, 5, T0);
	assert_int_equal(lease_node_live(&l, DGM_MAX_NODES, T0), -1);
	assert_int_equal(lease_node_live(&l, -1, T0), -1);
}

static void test_counter_backwards_is_change(void **state)
{
	struct lease l;

	(void)state;
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	see(&l, 4, 1000, T0);
	see(&l, 4, 3, T0 + 100 * MS);
	assert_int_equal(lease_node_live(&l, 4, T0 + 100 * MS), 1);
}

static void test_force(void **state)
{
	struct dgm_owner o = owner(2, 7);
	struct lease l;
	int ov;

	(void)state;
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	/* Unknown: force overrides without waiting, and says whom. */
	see(&l, 2, 5, T0);
	assert_int_equal(lease_decide(&l, &o, T0, 1, &ov), LD_CLAIM);
	assert_int_equal(ov, 2);
	/* Live. */
	see(&l, 2, 6, T0 + 100 * MS);
	assert_int_equal(lease_decide(&l, &o, T0 + 100 * MS, 0, &ov), LD_HELD);
	assert_int_equal(ov, -1);
	assert_int_equal(lease_decide(&l, &o, T0 + 100 * MS, 1, &ov), LD_CLAIM);
	assert_int_equal(ov, 2);
	/* Expired: nothing is overridden. */
	see(&l, 2, 6, T0 + 1100 * MS);
	assert_int_equal(lease_decide(&l, &o, T0 + 1100 * MS, 1, &ov), LD_CLAIM);
	assert_int_equal(ov, -1);
	/* Free. */
	o = owner(DGM_OWNER_NONE, 7);
	assert_int_equal(lease_decide(&l, &o, T0, 1, &ov), LD_CLAIM);
	assert_int_equal(ov, -1);
	/* An owner id without a slot: refused, overridden only by force. */
	o = owner(DGM_MAX_NODES + 3, 7);
	assert_int_equal(lease_decide(&l, &o, T0, 0, &ov), LD_HELD);
	assert_int_equal(lease_decide(&l, &o, T0, 1, &ov), LD_CLAIM);
	assert_int_equal(ov, DGM_MAX_NODES + 3);
}

/* Two nodes claim a free record at once: the last write wins, the other learns it. */
static void test_racing_claim(void **state)
{
	struct dgm_owner o = owner(DGM_OWNER_NONE, 9), ma, mb, disk;
	struct dgm_slot sa, sb;
	struct lease a, b;
	uint64_t t;

	(void)state;
	lease_init(&a, 1, TIMEOUT_MS, RENEW_MS);
	lease_init(&b, 2, TIMEOUT_MS, RENEW_MS);
	assert_int_equal(lease_decide(&a, &o, T0, 0, NULL), LD_CLAIM);
	assert_int_equal(lease_decide(&b, &o, T0 + 1 * MS, 0, NULL), LD_CLAIM);
	lease_claim(&a, &o, T0 + 2 * MS, &ma, &sa);
	lease_claim(&b, &o, T0 + 3 * MS, &mb, &sb);
	assert_true(ma.generation == 10 && mb.generation == 10);
	disk = disk_owner(&ma);
	disk = disk_owner(&mb); /* b's write lands last */

	assert_int_equal(lease_confirm(&a, &disk), -EBUSY);
	assert_int_equal(lease_confirm(&b, &disk), 0);
	assert_int_equal(lease_decide(&b, &disk, lease_settle_at(&b), 0, NULL), LD_MINE);
	assert_int_equal(lease_decide(&a, &disk, lease_settle_at(&a), 0, NULL), LD_WAIT);

	/* The loser drops its claim; it now sees b renewing and calls it held. */
	lease_drop(&a);
	assert_int_equal(lease_must_fence(&a, T0 + 10000 * MS), 0);
	for (t = T0 + 100 * MS; t <= T0 + 500 * MS; t += RENEW_MS * MS) {
		lease_next_slot(&b, &sb);
		lease_renewed(&b, t);
		see(&a, 2, sb.counter, t);
	}
	assert_int_equal(lease_decide(&a, &disk, t, 0, NULL), LD_HELD);
	assert_int_equal(lease_confirm(&a, &disk), -EBUSY);
}

static void test_renewal_failure_fences(void **state)
{
	struct dgm_owner o = owner(DGM_OWNER_NONE, 0), mine;
	struct dgm_slot slot;
	struct lease l;
	uint64_t t, last, limit = (TIMEOUT_MS - 2 * RENEW_MS) * MS;

	(void)state;
	lease_init(&l, 5, TIMEOUT_MS, RENEW_MS);
	assert_int_equal(lease_must_fence(&l, T0 + 100000 * MS), 0); /* holding nothing */
	lease_claim(&l, &o, T0, &mine, &slot);
	/* Renewals land every period: never fence. */
	for (t = T0 + RENEW_MS * MS; t <= T0 + 3000 * MS; t += RENEW_MS * MS) {
		assert_int_equal(lease_must_fence(&l, t), 0);
		lease_next_slot(&l, &slot);
		lease_renewed(&l, t);
	}
	last = t - RENEW_MS * MS;
	/* Then every write fails: fence after timeout - 2 renew periods, not before. */
	for (t = last; t <= last + limit; t += 10 * MS)
		assert_int_equal(lease_must_fence(&l, t), 0);
	assert_int_equal(lease_must_fence(&l, last + limit + 1), 1);
	assert_int_equal(lease_must_fence(&l, last + 5 * limit), 1);
	lease_drop(&l);
	assert_int_equal(lease_must_fence(&l, last + 5 * limit), 0);

	/* A claim whose writes never land fences on the same clock, from the claim. */
	lease_claim(&l, &o, T0 + 10000 * MS, &mine, &slot);
	assert_int_equal(lease_must_fence(&l, T0 + 10000 * MS + limit), 0);
	assert_int_equal(lease_must_fence(&l, T0 + 10000 * MS + limit + 1), 1);
}

static void test_slots_and_generations(void **state)
{
	struct dgm_owner o = owner(DGM_OWNER_NONE, 41), mine;
	struct dgm_slot slot;
	struct lease l;

	(void)state;
	lease_init(&l, 3, TIMEOUT_MS, RENEW_MS);
	/* Our slot still shows a previous run's counter: continue above it. */
	see(&l, 3, 500, T0);
	lease_claim(&l, &o, T0, &mine, &slot);
	assert_true(slot.counter == 501);
	lease_next_slot(&l, &slot);
	assert_true(slot.counter == 502);
	assert_true(slot.generation == 42);
	assert_int_equal(slot.node, 3);
	assert_memory_equal(slot.uuid, UUID, 16);
	/* Release: the slot keeps advancing but holds no generation. */
	lease_drop(&l);
	lease_next_slot(&l, &slot);
	assert_true(slot.counter == 503);
	assert_true(slot.generation == 0);
	assert_memory_equal(slot.uuid, UUID, 16);
	assert_int_equal(lease_confirm(&l, &mine), -EBUSY);
}

/*
 * The record names us under another generation (our previous run died
 * holding it): nobody may be renewing our slot, so it is watched like anyone
 * else's, which also catches a second node configured with our id.
 */
static void test_self_other_generation(void **state)
{
	struct dgm_owner o = owner(1, 6), mine;
	struct dgm_slot slot;
	struct lease l;
	uint64_t t;

	(void)state;
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	see(&l, 1, 77, T0);
	assert_int_equal(lease_decide(&l, &o, T0, 0, NULL), LD_WAIT);
	see(&l, 1, 77, T0 + TIMEOUT_MS * MS);
	assert_int_equal(lease_decide(&l, &o, T0 + TIMEOUT_MS * MS, 0, NULL), LD_CLAIM);
	lease_claim(&l, &o, T0 + TIMEOUT_MS * MS, &mine, &slot);
	assert_true(mine.generation == 7);
	assert_true(slot.counter == 78);
	assert_int_equal(lease_decide(&l, &mine, T0 + 1200 * MS, 0, NULL), LD_MINE);

	/* A duplicate id advancing "our" slot is held, not ours. */
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	for (t = T0; t <= T0 + 300 * MS; t += RENEW_MS * MS)
		see(&l, 1, t / MS, t);
	assert_int_equal(lease_decide(&l, &o, T0 + 300 * MS, 0, NULL), LD_HELD);
}

/* The claim bound: settle counts from the writes' completion; late writes are refused. */
static void test_claim_bound(void **state)
{
	struct dgm_owner o = owner(DGM_OWNER_NONE, 3), mine;
	struct dgm_slot slot;
	struct lease l;

	(void)state;
	lease_init(&l, 1, TIMEOUT_MS, RENEW_MS);
	lease_claim(&l, &o, T0, &mine, &slot);
	assert_int_equal(lease_claim_written(&l, T0 + 60 * MS), 0);
	assert_true(lease_settle_at(&l) == T0 + 60 * MS + 2 * RENEW_MS * MS);

	lease_claim(&l, &o, T0, &mine, &slot);
	assert_int_equal(lease_claim_written(&l, T0 + RENEW_MS * MS), 0);
	lease_claim(&l, &o, T0, &mine, &slot);
	assert_int_equal(lease_claim_written(&l, T0 + (RENEW_MS + 1) * MS), -ETIMEDOUT);
	assert_int_equal(lease_claim_written(&l, T0 - 1), -ETIMEDOUT);
}

/*
 * Two nodes race for a free record, over every write latency, every offset of
 * the second decision and the earliest or latest landing of each write: the
 * owner record holds the last write landed.  A node that decided on a read
 * showing "free" claims; it confirms only when lease_claim_written accepts
 * its writes and the confirming read (served at lease_settle_at) shows its
 * claim.  Never may both confirm, nor may a claim within the bound land after
 * the other's confirming read.
 */
static void test_claim_race_latencies(void **state)
{
	static const unsigned lat_ms[] = {1, 40, 99, 100, 101, 150, 250, 400};
	const unsigned nlat = sizeof(lat_ms) / sizeof(lat_ms[0]);
	unsigned ia, ib, land, cases = 0, confirmed = 0;
	int64_t off;

	(void)state;
	for (ia = 0; ia < nlat; ia++)
		for (ib = 0; ib < nlat; ib++)
			for (off = -500; off <= 500; off += 7)
				for (land = 0; land < 4; land++) {
					uint64_t dec[2], done[2], landed[2], read_at;
					struct dgm_owner free_o = owner(DGM_OWNER_NONE, 5), m, rec;
					struct dgm_slot sl;
					struct lease l[2];
					int who, first, claims[2], ok[2] = {0, 0};

					dec[0] = T0 + 1000 * MS;
					dec[1] = (uint64_t)((int64_t)dec[0] + off * (int64_t)MS);
					done[0] = dec[0] + lat_ms[ia] * MS;
					done[1] = dec[1] + lat_ms[ib] * MS;
					/* land bit n: node n's write lands at completion, else at
					 * once */
					landed[0] = (land & 1) ? done[0] : dec[0] + 1;
					landed[1] = (land & 2) ? done[1] : dec[1] + 1;
					/* Each decided on a read served at its decision time: the
					 * earlier decider saw "free"; the later one saw free only
					 * if the earlier one's write had not landed by then. */
					first = dec[1] < dec[0];
					claims[first] = 1;
					claims[1 - first] = !(landed[first] <= dec[1 - first]);
					for (who = 0; who < 2; who++) {
						int other = 1 - who, top = -1;

						if (!claims[who])
							continue;
						lease_init(&l[who], who, TIMEOUT_MS, RENEW_MS);
						lease_claim(&l[who], &free_o, dec[who], &m, &sl);
						if (lease_claim_written(&l[who], done[who]))
							continue;
						read_at = lease_settle_at(&l[who]);
						/* the record at read_at: the last claim write
						 * landed by then */
						if (landed[who] <= read_at)
							top = who;
						/* equal landing instants: node 1's write is the
						 * later */
						if (claims[other] && landed[other] <= read_at &&
						    (top < 0 || landed[other] > landed[who] ||
						     (landed[other] == landed[who] && other > who)))
							top = other;
						rec = top < 0 ? free_o : owner((uint8_t)top, 6);
						ok[who] = lease_confirm(&l[who], &rec) == 0;
						/* A claim within the bound lands before the other's
						 * confirming read.  A late one may land after it:
						 * it was dropped (never confirmed), and the holder,
						 * which reads the owner record every renew period,
						 * sees the record change and fences. */
						if (ok[who] && claims[other] &&
						    landed[other] > read_at &&
						    done[other] - dec[other] <= RENEW_MS * MS)
							fail_msg("a write lands after a confirm: "
								 "lat %u/%u ms, "
								 "offset %lld ms, land %u",
								 lat_ms[ia], lat_ms[ib],
								 (long long)off, land);
					}
					cases++;
					confirmed += ok[0] + ok[1];
					if (ok[0] && ok[1])
						fail_msg("two holders: lat %u/%u ms, offset %lld "
							 "ms, land %u",
							 lat_ms[ia], lat_ms[ib], (long long)off,
							 land);
				}
	assert_true(cases > 1000);
	assert_true(confirmed > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_claims_at_once),
		cmocka_unit_test(test_held_live_then_expired),
		cmocka_unit_test(test_never_seen_slot),
		cmocka_unit_test(test_stale_reads_stay_unknown),
		cmocka_unit_test(test_counter_backwards_is_change),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_racing_claim),
		cmocka_unit_test(test_renewal_failure_fences),
		cmocka_unit_test(test_slots_and_generations),
		cmocka_unit_test(test_self_other_generation),
		cmocka_unit_test(test_claim_bound),
		cmocka_unit_test(test_claim_race_latencies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
