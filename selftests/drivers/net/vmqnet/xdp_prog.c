// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP programs of xdp.sh, one a section, named after what it does:
 * xdp.sh builds them with clang -target bpf and attaches one with
 * ip link set DEV xdpdrv obj xdp_prog.o sec xdp_<name>; xdp_redirect
 * only with -DVMQ_REDIRECT_IFINDEX=<its target>. xdp_devmap and xdp_cpumap
 * redirect through maps that xdp.sh fills with bpftool.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

SEC("xdp_pass")
int vmq_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp_drop")
int vmq_xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp_aborted")
int vmq_xdp_aborted(struct xdp_md *ctx)
{
	return XDP_ABORTED;
}

/* An action no kernel knows. */
SEC("xdp_bad")
int vmq_xdp_bad(struct xdp_md *ctx)
{
	return 42;
}

/* Back to the sender: the Ethernet addresses swapped, so that it takes
 * the frame as one for it.
 */
SEC("xdp_tx")
int vmq_xdp_tx(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	unsigned char mac[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	return XDP_TX;
}

#ifdef VMQ_REDIRECT_IFINDEX
/* To the port of that ifindex, built for it. */
SEC("xdp_redirect")
int vmq_xdp_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(VMQ_REDIRECT_IFINDEX, 0);
}
#endif

/* Through a devmap, to the port xdp.sh puts in its entry 0. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vmq_devs SEC(".maps");

SEC("xdp_devmap")
int vmq_xdp_devmap(struct xdp_md *ctx)
{
	return bpf_redirect_map(&vmq_devs, 0, 0);
}

/* Through a CPU map, to CPU 1 once xdp.sh gives its entry a queue: the
 * map's kthread there builds each frame an skb for the stack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} vmq_cpus SEC(".maps");

SEC("xdp_cpumap")
int vmq_xdp_cpumap(struct xdp_md *ctx)
{
	return bpf_redirect_map(&vmq_cpus, 1, 0);
}

char _license[] SEC("license") = "GPL";
