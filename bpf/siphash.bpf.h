/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) of the signed part of a heartbeat, for the XDP program, in three
 * steps (init, one 64-bit block at a time, final) so that the caller can keep
 * the state after a prefix of the message: an ECHO keeps the first
 * HBPF_WIRE_KEPT_LEN bytes of the HB, so signing it under the same key starts
 * from the state the HB's check left there (the same function of the same
 * bytes, computed once).  user/siphash.c is the same function for the
 * sender and the tests.
 */
#ifndef HBPF_SIPHASH_BPF_H
#define HBPF_SIPHASH_BPF_H

#include "base.bpf.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define sip_le64(x) (x)
#else
#define sip_le64(x) __builtin_bswap64(x)
#endif

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIP_ROUND(v0, v1, v2, v3)      \
	do {                           \
		v0 += v1;              \
		v1 = SIP_ROTL(v1, 13); \
		v1 ^= v0;              \
		v0 = SIP_ROTL(v0, 32); \
		v2 += v3;              \
		v3 = SIP_ROTL(v3, 16); \
		v3 ^= v2;              \
		v0 += v3;              \
		v3 = SIP_ROTL(v3, 21); \
		v3 ^= v0;              \
		v2 += v1;              \
		v1 = SIP_ROTL(v1, 17); \
		v1 ^= v2;              \
		v2 = SIP_ROTL(v2, 32); \
	} while (0)

/* The SipHash state; lives in registers once the helpers are inlined. */
struct sip {
	__u64 v0, v1, v2, v3;
};

/* Start a MAC under k (struct hbpf_key: k0 then k1, little-endian). */
static __always_inline void sip_init(struct sip *s, const struct hbpf_key *k)
{
	__u64 k0 = sip_le64(*(const __u64 *)&k->key[0]);
	__u64 k1 = sip_le64(*(const __u64 *)&k->key[8]);

	s->v0 = k0 ^ 0x736f6d6570736575ull;
	s->v1 = k1 ^ 0x646f72616e646f6dull;
	s->v2 = k0 ^ 0x6c7967656e657261ull;
	s->v3 = k1 ^ 0x7465646279746573ull;
}

/* Absorb the 8 message bytes at p (read as a little-endian word). */
static __always_inline void sip_block(struct sip *s, const void *p)
{
	__u64 m = sip_le64(*(const __u64 *)p);
	__u64 v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3;

	v3 ^= m;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	s->v0 = v0;
	s->v1 = v1;
	s->v2 = v2;
	s->v3 = v3;
}

/*
 * The last block of a message of len bytes whose whole words are absorbed:
 * its len % 8 remaining bytes, read as the low bytes of the little-endian
 * word at p (the bytes past the message are masked off, so p may run on
 * into whatever follows), and the length in the top byte.
 */
static __always_inline __u64 sip_last(const void *p, __u32 len)
{
	__u32 rest = len & 7;
	__u64 m = rest ? sip_le64(*(const __u64 *)p) & ((1ull << (rest * 8)) - 1) : 0;

	return m | (__u64)(len & 0xff) << 56;
}

/*
 * The MAC, given the last block m (sip_last), as the 64-bit value whose
 * little-endian bytes go on the wire.
 */
static __always_inline __u64 sip_final(const struct sip *s, __u64 m)
{
	__u64 v0 = s->v0, v1 = s->v1, v2 = s->v2, v3 = s->v3;

	v3 ^= m;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* HBPF_SIPHASH_BPF_H */
