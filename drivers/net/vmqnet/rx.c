// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's receive side: the NAPI poll of a VM queue. It reads the
 * completions the device (hw.c) wrote into the queue's ring, copies each
 * frame out of shared memory into a new skb, returns the buffer at once and
 * hands the skb to the stack: to the port, or to the macvlan that owns the
 * queue. Documentation/vmqnet.rst, "The data path", says why it copies.
 */

#include <linux/bitfield.h>
#include <linux/if_macvlan.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "rxq.h"

/* A completion's piece of a block, checked against the block: the device
 * is ours, so a bad one is a bug, but one that must not become a wild read.
 */
static const u8 *vmq_rx_piece(const struct vmq_rxq_blk *blk, __le32 handle,
			      __le32 offset, u16 len)
{
	u32 off = le32_to_cpu(offset);

	if (WARN_ON_ONCE(le32_to_cpu(handle) != blk->shmem_handle ||
			 off > blk->length || len > blk->length - off))
		return NULL;
	return (const u8 *)blk->vaddr + off;
}

/* The pieces of buffer @d describes, checked; false if one is bad. */
static bool vmq_rx_pieces(const struct vmq_rxq_mem *m,
			  const struct vmq_rx_desc *d, u16 flags,
			  const u8 **p, u16 *len)
{
	len[0] = le16_to_cpu(d->len);
	p[0] = vmq_rx_piece(&m->bufs, d->shmem_handle, d->offset, len[0]);
	len[1] = 0;
	p[1] = NULL;
	if (!p[0])
		return false;
	if (!(flags & VMQ_RXD_F_SPLIT))
		return true;
	len[1] = le16_to_cpu(d->post_len);
	p[1] = vmq_rx_piece(&m->post, d->post_shmem_handle, d->post_offset,
			    len[1]);
	return p[1];
}

/* Linear part of a super-frame's skb: room for its headers, the rest of
 * it goes into page fragments.
 */
#define VMQ_RX_HEAD_LEN		256

/* An skb for a frame of @len bytes that spans several buffers: its
 * headers in the linear part, the rest in page fragments, ready to be
 * filled in with skb_store_bits().
 */
static struct sk_buff *vmq_rx_alloc_frags(struct napi_struct *napi, u32 len)
{
	u32 head = min_t(u32, len, VMQ_RX_HEAD_LEN), rest = len - head, sz;
	struct sk_buff *skb;
	struct page *page;
	unsigned int k;
	void *va;

	skb = napi_alloc_skb(napi, head);
	if (!skb)
		return NULL;
	skb_put(skb, head);
	for (k = 0; rest; k++, rest -= sz) {
		sz = min_t(u32, rest, PAGE_SIZE);
		va = k < MAX_SKB_FRAGS ? napi_alloc_frag(sz) : NULL;
		if (!va) {
			kfree_skb(skb);
			return NULL;
		}
		page = virt_to_head_page(va);
		skb_add_rx_frag(skb, k, page, va - page_address(page), sz, sz);
	}
	return skb;
}

/* How many descriptors the completed frame at q->cons takes: 1, or its
 * whole chain with VMQ_RXD_F_MORE, all of which go back together whether
 * the frame is indicated or dropped. The first descriptor was completed
 * last (acquire), so the rest of the chain is there. A chain that is not
 * (a device bug) is still released whole, as far as it goes, and the frame
 * dropped (*@broken): a piece of it left in the ring would be parsed as a
 * frame of its own.
 */
static u32 vmq_rx_chain_len(const struct vmq_rxq *q, u16 flags, bool *broken)
{
	const struct vmq_rxq_mem *m = &q->mem;
	const struct vmq_rx_desc *ring = m->ring.vaddr;
	u32 n = 1, i = q->cons;

	*broken = false;
	while (flags & VMQ_RXD_F_MORE) {
		i = vmq_ring_next(m, i);
		if (WARN_ON_ONCE(i == q->cons)) {
			*broken = true;
			break;
		}
		flags = le16_to_cpu(READ_ONCE(ring[i].flags));
		if (WARN_ON_ONCE(!(flags & VMQ_RXD_F_DONE))) {
			*broken = true;
			break;
		}
		n++;
	}
	return n;
}

/* Copy a completed frame out of shared memory into a new skb: the buffer
 * of descriptor q->cons, and the @n - 1 chained to it with VMQ_RXD_F_MORE.
 * NULL for a frame that is dropped.
 */
static struct sk_buff *vmq_rx_build(struct vmq_rxq *q,
				    const struct vmq_rx_desc *d, u16 flags,
				    u32 n)
{
	const struct vmq_rxq_mem *m = &q->mem;
	const struct vmq_rx_desc *ring = m->ring.vaddr;
	u32 total, off, i = q->cons, k;
	struct sk_buff *skb;
	const u8 *p[2];
	u16 f, len[2];

	if (!vmq_rx_pieces(m, d, flags, p, len))
		return NULL;
	total = len[0] + len[1];

	if (likely(n == 1)) {
		skb = napi_alloc_skb(&q->napi, total);
		if (!skb)
			return NULL;
		skb_put_data(skb, p[0], len[0]);
		if (len[1])
			skb_put_data(skb, p[1], len[1]);
		goto meta;
	}

	/* A super-frame. */
	for (k = 1; k < n; k++) {
		i = vmq_ring_next(m, i);
		f = le16_to_cpu(READ_ONCE(ring[i].flags));
		total += le16_to_cpu(ring[i].len);
		if (f & VMQ_RXD_F_SPLIT)
			total += le16_to_cpu(ring[i].post_len);
	}

	skb = vmq_rx_alloc_frags(&q->napi, total);
	if (!skb)
		return NULL;
	for (k = 0, i = q->cons, off = 0; k < n; k++, i = vmq_ring_next(m, i)) {
		f = le16_to_cpu(READ_ONCE(ring[i].flags));
		if (k && !vmq_rx_pieces(m, &ring[i], f, p, len))
			goto err;
		skb_store_bits(skb, off, p[0], len[0]);
		off += len[0];
		if (len[1])
			skb_store_bits(skb, off, p[1], len[1]);
		off += len[1];
	}
meta:
	/* Also for a super-frame that fit in one buffer (a small MSS). */
	if (d->gso_size) {
		skb_shinfo(skb)->gso_size = le16_to_cpu(d->gso_size);
		skb_shinfo(skb)->gso_type = le32_to_cpu(d->gso_type);
		skb_shinfo(skb)->gso_segs = le16_to_cpu(d->gso_segs);
	}
	if (flags & VMQ_RXD_F_CSUM_OK)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (flags & VMQ_RXD_F_VLAN)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
				       le16_to_cpu(d->vlan_tci));
	return skb;

err:
	kfree_skb(skb);
	return NULL;
}

/* Hand a frame to the stack: through the port, or, on a macvlan's queue,
 * straight to the macvlan, as ixgbe does for its l2-fwd-offload rings: the
 * queue only takes frames for the macvlan's MAC, so macvlan's rx_handler
 * lookup on the port would only find the macvlan again. macvlan's own
 * counters count the frame, as its rx_handler would.
 */
static void vmq_rx_deliver(struct vmq_rxq *q, struct napi_struct *napi,
			   struct sk_buff *skb)
{
	/* Cleared, under RTNL, before the queue is quiesced: a poll that
	 * still sees the macvlan runs before its del_station returns.
	 */
	struct net_device *owner = READ_ONCE(q->owner);

	if (!owner) {
		skb->protocol = eth_type_trans(skb, napi->dev);
		skb_record_rx_queue(skb, q->ring);
		napi_gro_receive(napi, skb);
		return;
	}
	skb->protocol = eth_type_trans(skb, owner);
	macvlan_count_rx(netdev_priv(owner), skb->len + ETH_HLEN, true,
			 skb->pkt_type == PACKET_MULTICAST);
	napi_gro_receive(napi, skb);
}

/**
 * vmq_rx_poll() - NAPI poll of one RX ring
 * @napi: the ring's NAPI instance
 * @budget: at most this many frames
 *
 * A super-frame is one frame, one packet in the counters, and one unit of
 * @budget, however many buffers it filled.
 *
 * Return: the number of frames consumed.
 */
int vmq_rx_poll(struct napi_struct *napi, int budget)
{
	struct vmq_rxq *q = container_of(napi, struct vmq_rxq, napi);
	struct vmq_rxq_counters *c = &q->stats.c;
	const struct vmq_rxq_mem *m = &q->mem;
	struct vmq_rx_desc *ring = m->ring.vaddr;
	u64 bytes = 0, packets = 0, drops = 0, paused = 0;
	/* Once per poll: a poll is one RCU read-side section, which the
	 * clear of a queue's last filter waits for after bumping it.
	 */
	u8 epoch = READ_ONCE(q->epoch);
	struct vmq_rx_desc *d;
	struct sk_buff *skb;
	int done = 0;
	bool broken;
	u16 flags;
	u32 n;

	while (done < budget) {
		d = ring + q->cons;
		/* Acquire: the device wrote the buffer before DONE. */
		flags = le16_to_cpu(smp_load_acquire(&d->flags));
		if (!(flags & VMQ_RXD_F_DONE))
			break;
		n = vmq_rx_chain_len(q, flags, &broken);
		/* The epoch is 8 bits: a stale frame would pass for a current
		 * one only if this ring kept it across 256 clears of the
		 * queue's last filter, each of which schedules this poll and
		 * waits out a grace period.
		 */
		if (unlikely(FIELD_GET(VMQ_RXD_F_EPOCH, flags) != epoch)) {
			/* Written before the queue's last filter went. */
			skb = NULL;
			paused++;
		} else {
			skb = broken ? NULL : vmq_rx_build(q, d, flags, n);
			drops += !skb;
		}
		do {
			/* Release: the buffer is back once the copy is made. */
			smp_store_release(&ring[q->cons].flags, 0);
			q->cons = vmq_ring_next(m, q->cons);
		} while (--n);
		done++;
		if (!skb)
			continue;
		packets++;
		bytes += skb->len;
		vmq_rx_deliver(q, napi, skb);
	}

	u64_stats_update_begin(&q->stats.napi_syncp);
	c->packets += packets;
	c->bytes += bytes;
	c->drops_no_mem += drops;
	u64_stats_update_end(&q->stats.napi_syncp);
	if (unlikely(paused)) {
		spin_lock(&q->lock);
		u64_stats_update_begin(&q->stats.dev_syncp);
		c->drops_paused += paused;
		u64_stats_update_end(&q->stats.dev_syncp);
		spin_unlock(&q->lock);
	}

	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}
