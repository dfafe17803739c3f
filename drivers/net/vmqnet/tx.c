// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit side of a vmqnet port: frames go over the "wire" to the
 * linked peer port and are received there by vmq_hw_rx_frame().
 *
 * Queue selection is the stack's (XPS, else the flow hash): the peer
 * classifies by destination MAC/VLAN on receive, so which TX queue carried a
 * frame does not matter to it, and netdev_pick_tx() already keeps a flow on
 * one queue, which is all ordering needs. Hence no ndo_select_queue.
 *
 * Delivery is synchronous: by the time ndo_start_xmit returns, the frame
 * has been copied into the peer's queue memory or dropped, and the skb is
 * gone. So a TX queue never holds anything in flight and is never stopped
 * for lack of room, and a peer that is down, stopped, gone or full costs a
 * counted drop, never a stall. BQL does not fit: it limits the bytes
 * queued to hardware between xmit and TX completion, and here that is
 * always zero; netdev_tx_sent_queue() + netdev_tx_completed_queue() on
 * every frame would be pure overhead.
 *
 * Counters, the drop causes included, are per TX queue and written only
 * under that queue's xmit lock (no LLTX), so they need no atomics.
 */

#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>

#include "rxq.h"

enum vmq_tx_result {
	VMQ_TX_SENT,
	VMQ_TX_DROP,		/* the peer dropped it, and counts why */
	VMQ_TX_NO_PEER,
	VMQ_TX_MTU,
};

static void vmq_tx_count(struct vmq_txq_stats *stats, unsigned int len,
			 enum vmq_tx_result res)
{
	struct vmq_txq_counters *c = &stats->c;

	u64_stats_update_begin(&stats->syncp);
	if (res == VMQ_TX_SENT) {
		c->packets++;
		c->bytes += len;
	} else {
		c->drops++;
		c->drops_no_peer += res == VMQ_TX_NO_PEER;
		c->drops_mtu += res == VMQ_TX_MTU;
	}
	u64_stats_update_end(&stats->syncp);
}

/* The peer to deliver to, or NULL to drop, with the cause in @res.
 * Context: RCU read side.
 */
static struct vmq_port *vmq_tx_peer(struct vmq_netdev *vn,
				    const struct sk_buff *skb,
				    enum vmq_tx_result *res)
{
	struct vmq_port *peer = rcu_dereference(vn->port->peer);

	if (!peer || !netif_running(peer->netdev)) {
		*res = VMQ_TX_NO_PEER;
		return NULL;
	}
	/* The peer's MTU, as a switch port would enforce it. */
	if (!is_skb_forwardable(peer->netdev, skb)) {
		*res = VMQ_TX_MTU;
		return NULL;
	}
	return peer;
}

/**
 * vmq_start_xmit() - ndo_start_xmit of a vmqnet port
 * @skb: the frame, its data at the Ethernet header
 * @netdev: the port's net_device
 *
 * Hands @skb to the linked peer's receive side like veth does: scrubbed of
 * everything that belongs to this namespace when it crosses into another.
 *
 * Context: softirq or process context with BH off, TX queue lock held.
 * Return: NETDEV_TX_OK always; @skb is consumed.
 */
netdev_tx_t vmq_start_xmit(struct sk_buff *skb, struct net_device *netdev)
{
	struct vmq_netdev *vn = netdev_priv(netdev);
	enum vmq_tx_result res = VMQ_TX_DROP;
	struct vmq_txq_stats *stats;
	unsigned int len = skb->len;
	struct vmq_port *peer;

	stats = &vn->tx[skb_get_queue_mapping(skb)];

	rcu_read_lock();
	peer = vmq_tx_peer(vn, skb, &res);
	if (!peer) {
		dev_kfree_skb_any(skb);
		goto out;
	}
	skb_tx_timestamp(skb);
	skb_scrub_packet(skb, !net_eq(dev_net(netdev),
				      dev_net(peer->netdev)));
	/* Dropped on the peer's side is counted there, by cause; here it
	 * counts as a TX drop too, so that tx = sent + dropped.
	 */
	if (!vmq_hw_rx_frame(peer, skb))
		res = VMQ_TX_SENT;
out:
	rcu_read_unlock();
	vmq_tx_count(stats, len, res);
	return NETDEV_TX_OK;
}
