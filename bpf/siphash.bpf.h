/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) of the signed part of a heartbeat, for the XDP program.  The input
 * is always HBPF_WIRE_MAC_LEN bytes, a multiple of 8, so the message loop is
 * fully unrolled over constant offsets inside the packet range the caller
 * has already checked, and the final block carries only the length byte.
 * user/siphash.c is the same function for the sender and the tests.
 */
#ifndef HBPF_SIPHASH_BPF_H
#define HBPF_SIPHASH_BPF_H

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

/*
 * The MAC of the HBPF_WIRE_MAC_LEN bytes at w under k (struct hbpf_key),
 * as the 64-bit value whose little-endian bytes go on the wire.  The caller
 * guarantees w + sizeof(struct hbpf_wire) <= data_end.
 */
static __always_inline __u64 wire_siphash(const void *w, const struct hbpf_key *k)
{
	__u64 k0 = sip_le64(*(const __u64 *)&k->key[0]);
	__u64 k1 = sip_le64(*(const __u64 *)&k->key[8]);
	__u64 v0 = k0 ^ 0x736f6d6570736575ull;
	__u64 v1 = k1 ^ 0x646f72616e646f6dull;
	__u64 v2 = k0 ^ 0x6c7967656e657261ull;
	__u64 v3 = k1 ^ 0x7465646279746573ull;
	__u64 m;

#pragma clang loop unroll(full)
	for (int i = 0; i < HBPF_WIRE_MAC_LEN / 8; i++) {
		m = sip_le64(*(const __u64 *)(w + i * 8));
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = (__u64)HBPF_WIRE_MAC_LEN << 56;
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
