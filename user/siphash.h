/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): the heartbeat MAC.  The same
 * function as bpf/siphash.bpf.h, for any length, for the sender and tests.
 */
#ifndef HBPF_SIPHASH_H
#define HBPF_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of len bytes at data under the 16-byte key (k0, k1 little-endian). */
uint64_t hbpf_siphash24(const uint8_t key[16], const void *data, size_t len);

/* The 64-bit result as the 8 little-endian bytes the reference emits. */
void hbpf_siphash_bytes(uint64_t h, uint8_t out[8]);

#endif /* HBPF_SIPHASH_H */
