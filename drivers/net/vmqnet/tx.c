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
 * Counters are per TX queue and written only under that queue's xmit lock
 * (no LLTX), so they need no atomics.
 */

#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>

#include "rxq.h"

static void vmq_tx_count(struct vmq_ring_stats *stats, unsigned int len,
			 bool sent)
{
	u64_stats_update_begin(&stats->syncp);
	if (sent) {
		stats->packets++;
		stats->bytes += len;
	} else {
		stats->drops++;
	}
	u64_stats_update_end(&stats->syncp);
}

/* The peer to deliver to, or NULL to drop (counted by cause).
 * Context: RCU read side.
 */
static struct vmq_port *vmq_tx_peer(struct vmq_netdev *vn,
				    const struct sk_buff *skb)
{
	struct vmq_port *peer = rcu_dereference(vn->port->peer);

	if (!peer || !netif_running(peer->netdev)) {
		atomic64_inc(&vn->tx_drops_no_peer);
		return NULL;
	}
	/* The peer's MTU, as a switch port would enforce it. */
	if (!is_skb_forwardable(peer->netdev, skb)) {
		atomic64_inc(&vn->tx_drops_mtu);
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
	struct vmq_ring_stats *stats;
	unsigned int len = skb->len;
	struct vmq_port *peer;
	bool sent = false;

	stats = &vn->tx_stats[skb_get_queue_mapping(skb)];

	rcu_read_lock();
	peer = vmq_tx_peer(vn, skb);
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
	sent = !vmq_hw_rx_frame(peer, skb);
out:
	rcu_read_unlock();
	vmq_tx_count(stats, len, sent);
	return NETDEV_TX_OK;
}

/**
 * vmq_ring_stats_read() - a consistent snapshot of one queue's counters
 * @stats: the counters
 * @packets: packets
 * @bytes: bytes
 * @drops: drops
 */
void vmq_ring_stats_read(const struct vmq_ring_stats *stats, u64 *packets,
			 u64 *bytes, u64 *drops)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&stats->syncp);
		*packets = stats->packets;
		*bytes = stats->bytes;
		*drops = stats->drops;
	} while (u64_stats_fetch_retry(&stats->syncp, start));
}

/**
 * vmq_tx_get_stats64() - add up the TX counters of a port
 * @vn: the port's netdev_priv()
 * @tot: tx_packets, tx_bytes and tx_dropped are added to
 */
void vmq_tx_get_stats64(struct vmq_netdev *vn, struct rtnl_link_stats64 *tot)
{
	u64 packets, bytes, drops;
	unsigned int i;

	/* All queues, not just the active ones: counts survive a shrink. */
	for (i = 0; i < VMQ_QUEUES_MAX; i++) {
		vmq_ring_stats_read(&vn->tx_stats[i], &packets, &bytes,
				    &drops);
		tot->tx_packets += packets;
		tot->tx_bytes += bytes;
		tot->tx_dropped += drops;
	}
}
