/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every part of the hbpf object stands on: the kernel's types
 * (vmlinux.h), libbpf's helper macros and the shared ABI.  vmlinux.h carries
 * types but no macros, so the errno, clock and time constants the programs
 * use are spelled out here (the packet ones are in pkt.bpf.h).
 */
#ifndef HBPF_BASE_BPF_H
#define HBPF_BASE_BPF_H

/* vmlinux.h has a typedef named "config", the name of our config map. */
#define config hbpf_vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <hbpf/abi.h>

#define CLOCK_MONOTONIC 1
#define EINVAL 22

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_MSEC 1000000ull

#endif /* HBPF_BASE_BPF_H */
