// SPDX-License-Identifier: GPL-2.0
/*
 * XDP on a port's VM queues: the program (ndo_bpf), what it does with a
 * frame, and XDP_TX. NAPI (rx.c) runs the program on the receive buffer
 * the device wrote, in the queue's shared memory, and builds the skb of a
 * frame it passes. Documentation/vmqnet.rst, "XDP", has the layout and
 * the rules.
 */

#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/filter.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/xdp.h>

#include "rxq.h"

/* The largest receive buffer an XDP program can have: a page holds the
 * frame, its headroom and the skb_shared_info of an skb built on it.
 */
#define VMQ_XDP_BUF_MAX	(PAGE_SIZE - XDP_PACKET_HEADROOM - \
			 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))

/**
 * vmq_xdp_wire() - put a frame on a port's wire
 * @peer: the port's linked peer, under RCU, or NULL
 * @napi: the NAPI whose poll this is, or NULL
 * @netdev: the sending port
 * @data: the frame
 * @len: its length
 *
 * As tx.c sends an skb: copied into a new skb (from @napi's cache in its
 * poll), since the "wire" carries skbs and the frame's memory goes back at
 * once. A frame the peer drops is the peer's to count.
 *
 * Return: 0, or -ENETDOWN (no peer up), -ENOMEM, -EMSGSIZE (over the
 * peer's MTU).
 */
int vmq_xdp_wire(struct vmq_port *peer, struct napi_struct *napi,
		 struct net_device *netdev, const void *data, u32 len)
{
	struct sk_buff *skb;

	if (!peer || !netif_running(peer->netdev))
		return -ENETDOWN;
	skb = napi ? napi_alloc_skb(napi, len) : netdev_alloc_skb(netdev, len);
	if (!skb)
		return -ENOMEM;
	skb_put_data(skb, data, len);
	if (!is_skb_forwardable(peer->netdev, skb)) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	vmq_hw_rx_frame(peer, skb);
	return 0;
}

/* XDP_TX: back out of the port the frame came in on. */
static int vmq_xdp_tx(struct vmq_rxq *q, const struct xdp_buff *xdp)
{
	int err;

	rcu_read_lock();
	err = vmq_xdp_wire(rcu_dereference(q->port->peer), &q->napi,
			   q->napi.dev, xdp->data, xdp->data_end - xdp->data);
	rcu_read_unlock();
	return err;
}

/**
 * vmq_xdp_xmit() - ndo_xdp_xmit of a vmqnet port
 * @netdev: the port, target of a redirect
 * @n: frames
 * @frames: the frames
 * @flags: XDP_XMIT_FLUSH or 0; each frame goes out at once anyway
 *
 * Each frame is copied onto the wire to the linked peer and returned.
 *
 * Context: softirq (a redirecting driver's NAPI, or a devmap flush).
 * Return: the frames sent, from the first (the caller returns the rest),
 * or a negative errno for none: -ENETDOWN without a peer running.
 */
int vmq_xdp_xmit(struct net_device *netdev, int n, struct xdp_frame **frames,
		 u32 flags)
{
	struct vmq_netdev *vn = netdev_priv(netdev);
	int sent, drops = 0, err = 0;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;
	rcu_read_lock();
	for (sent = 0; sent < n; sent++) {
		err = vmq_xdp_wire(rcu_dereference(vn->port->peer), NULL,
				   netdev, frames[sent]->data,
				   frames[sent]->len);
		/* A frame over the peer's MTU is gone like one the peer
		 * drops; the others are the caller's to return.
		 */
		if (err && err != -EMSGSIZE)
			break;
		drops += !!err;
		xdp_return_frame(frames[sent]);
	}
	rcu_read_unlock();
	atomic64_add(sent - drops, &vn->xdp_xmit);
	atomic64_add(n - sent + drops, &vn->xdp_xmit_errors);
	return sent ?: err;
}

/**
 * vmq_xdp_run() - run a queue's XDP program on a frame in a buffer
 * @q: the queue, in its NAPI poll
 * @prog: its program
 * @xdp: the frame; on return, as the program left it
 * @c: counts the action
 *
 * Return: XDP_PASS for a frame to indicate (from @xdp), XDP_REDIRECT for
 * one to redirect (from @xdp, not counted yet), or the action that took
 * it: the buffer can be posted again.
 */
u32 vmq_xdp_run(struct vmq_rxq *q, struct bpf_prog *prog,
		struct xdp_buff *xdp, struct vmq_rxq_counters *c)
{
	struct net_device *netdev = q->napi.dev;
	u32 act;

	act = bpf_prog_run_xdp(prog, xdp);
	switch (act) {
	case XDP_PASS:
		c->xdp_pass++;
		return XDP_PASS;
	case XDP_DROP:
		c->xdp_drop++;
		return XDP_DROP;
	case XDP_TX:
		if (!vmq_xdp_tx(q, xdp)) {
			c->xdp_tx++;
			return XDP_TX;
		}
		c->xdp_tx_errors++;
		trace_xdp_exception(netdev, prog, act);
		return XDP_TX;
	case XDP_REDIRECT:
		/* The target holds the buffer: rx.c lends it. */
		return XDP_REDIRECT;
	default:
		bpf_warn_invalid_xdp_action(netdev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		c->xdp_aborted++;
		trace_xdp_exception(netdev, prog, act);
		return XDP_ABORTED;
	}
}

/* Give every queue with memory @prog, in place: a replaced or removed
 * program keeps the layout, so this cannot fail (it runs in the core's
 * unregister path). NAPI reads the program once per poll; the old one is
 * released once no poll can still be running it.
 */
static void vmq_xdp_swap(struct vmq_port *port, struct bpf_prog *prog)
{
	struct vmq_port_rx *rx = port->rx;
	struct bpf_prog *old = rx->xdp_prog;
	unsigned int r;

	WRITE_ONCE(rx->xdp_prog, prog);
	for (r = 0; r < VMQ_QUEUES_MAX; r++)
		if (vmq_rxq_has_mem(&rx->q[r]))
			WRITE_ONCE(rx->q[r].mem.xdp_prog, prog);
	if (old) {
		synchronize_net();
		bpf_prog_put(old);
	}
}

/* XDP_SETUP_PROG: @prog (a reference the core moves to the driver), or
 * NULL to remove the program.
 */
static int vmq_xdp_setup(struct vmq_port *port, struct bpf_prog *prog,
			 struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = port->vdev;
	struct vmq_port_rx *rx = port->rx;
	int err;

	ASSERT_RTNL();
	if (!prog || rx->xdp_prog) {
		vmq_xdp_swap(port, prog);
		return 0;
	}
	if (vdev->rx_lookahead_split) {
		NL_SET_ERR_MSG_MOD(extack,
				   "XDP needs each frame in one buffer: lookahead split is on");
		return -EOPNOTSUPP;
	}
	if (vdev->rx_buffer_size > VMQ_XDP_BUF_MAX) {
		NL_SET_ERR_MSG_MOD(extack,
				   "receive buffers too large for XDP: a frame, its headroom and skb_shared_info must fit in a page");
		return -EOPNOTSUPP;
	}
	/* From now on the device segments super-frames for the port; the
	 * queues take the program with their new layout.
	 */
	WRITE_ONCE(rx->xdp_prog, prog);
	err = vmq_queues_relayout(port,
				  "no shared memory for the receive buffers of XDP; program not attached",
				  extack);
	if (err)
		WRITE_ONCE(rx->xdp_prog, NULL);
	return err;
}

/**
 * vmq_xdp_bpf() - ndo_bpf of a vmqnet port
 * @netdev: the port
 * @bpf: the command
 *
 * Attaching the first program lays the port's queues out again for XDP
 * (a page a buffer, with headroom), all or nothing; replacing or removing
 * it does not.
 *
 * Context: RTNL.
 * Return: 0 or a negative errno (-EOPNOTSUPP for lookahead split or
 * buffers larger than VMQ_XDP_BUF_MAX; the budget's errno if the new
 * layout does not fit), with an extack message.
 */
int vmq_xdp_bpf(struct net_device *netdev, struct netdev_bpf *bpf)
{
	struct vmq_port *port = vmq_netdev_port(netdev);

	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return vmq_xdp_setup(port, bpf->prog, bpf->extack);
	case XDP_SETUP_XSK_POOL:
		return vmq_xsk_setup(port, bpf->xsk.pool, bpf->xsk.queue_id);
	default:
		return -EINVAL;
	}
}
