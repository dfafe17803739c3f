// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP programs of xdp.sh, one a section, named after what it does:
 * xdp.sh builds them with clang -target bpf and attaches one with
 * ip link set DEV xdpdrv obj xdp_prog.o sec xdp_<name>; xdp_redirect
 * only with -DVMQ_REDIRECT_IFINDEX=<its target>.
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

char _license[] SEC("license") = "GPL";
