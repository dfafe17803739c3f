// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side of a vmqnet port: what the NIC does with a frame that
 * arrives from the wire, and the NAPI poll that hands it to the stack.
 *
 * The "device" half (vmq_rx_frame(), softirq, any CPU):
 *   1. classify by destination MAC, plus VLAN id for tagged frames, through
 *      the RCU snapshot of the filters: a match goes to its queue if that
 *      queue is Running; broadcast, subscribed multicast, the port's own
 *      MAC, a match on a queue that is not Running, and anything in
 *      promiscuous mode go to the default queue; the rest is dropped;
 *   2. "DMA": under the queue's producer lock, with DMA on, take the
 *      receive buffer of the next descriptor if NAPI has returned it, copy
 *      the frame into it through the block's mapping (split at the
 *      lookahead size into the lookahead and post-lookahead buffers with
 *      lookahead split), write the completion into the descriptor in
 *      shared memory and schedule the ring's NAPI. No buffer or DMA
 *      stopped: the frame is dropped and counted by cause.
 *
 * Checksums: a frame the sender left CHECKSUM_PARTIAL gets its checksum
 * filled in while it is copied, as the sender's NIC would on transmit, and
 * is reported verified (CHECKSUM_UNNECESSARY), as the receiver's NIC would.
 *
 * TSO/LRO: the ports offer TSO (netdev.c), and a TSO super-frame crosses
 * the wire whole: the receiving device does what LRO (GRO_HW) hardware
 * does with the segments the sender's TSO would cut from it, and writes it
 * as one frame into consecutive receive buffers, chained in their
 * completions with VMQ_RXD_F_MORE; its first completion carries the GSO
 * type, segment size and segment count. NAPI builds one skb with those GSO
 * fields, headers in the linear part and the rest in page fragments,
 * reported verified: each segment's checksum was the sender's TSO's to
 * fill in and the receiving device's to check. It is one frame in every
 * counter (one packet of skb->len bytes, or one drop), as the stack
 * counts it on both ports, and it is taken whole or dropped whole: a
 * queue without free buffers for all of it drops it (no_buffer), and one
 * that could never hold it (more buffers than the ring has) too
 * (oversize). Lookahead split applies to each buffer of the chain alike,
 * so the bytes the stack receives do not depend on it.
 * VLAN: a tag the sender kept out of band (TX VLAN offload) stays out of
 * the buffer and is reported in the completion, as RX VLAN stripping would
 * report it; a tag in the frame stays there for the stack to remove.
 *
 * The driver half (vmq_rx_poll(), NAPI) copies every frame out of shared
 * memory into a fresh skb and returns the buffer at once, rather than
 * lending the shared memory pages to the stack: the memory is DMA memory
 * that belongs to the queue, and FREE_QUEUE (or ethtool -G, or a halt)
 * must be able to free it as soon as NAPI is drained, not whenever the
 * last socket lets go of an skb. The copy is what buys that: "every
 * indicated buffer has been returned" holds the moment a poll ends.
 *
 * NAPI hands a frame to the port, or, on a queue a macvlan owns
 * (l2-fwd-offload, macvlan.c), to the macvlan itself.
 *
 * The descriptor ring is the free list: buffer i belongs to descriptor i,
 * which is free when its DONE flag is clear. The device sets DONE last
 * with a release store, NAPI clears it last with a release store once it
 * is done with the buffer; each side reads it with an acquire load.
 */

#include <linux/bitfield.h>
#include <linux/crc32.h>
#include <linux/etherdevice.h>
#include <linux/if_macvlan.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/checksum.h>

#include "rxq.h"

/* The completion also says the L4 checksum was filled in and is good. */
#define VMQ_RXD_F_CSUM_OK		BIT(3)

/* Where a frame lands in a queue's buffers: one piece, or two with
 * lookahead split.
 */
struct vmq_rx_seg {
	u8 *p[2];
	u32 len[2];
};

/**
 * vmq_rx_dma_start() - let the device write into a queue's memory
 * @q: the queue, with memory and its NAPI enabled
 */
void vmq_rx_dma_start(struct vmq_rxq *q)
{
	spin_lock_bh(&q->lock);
	q->dma_on = true;
	spin_unlock_bh(&q->lock);
}

/**
 * vmq_rx_dma_stop() - stop the device writing into a queue's memory
 * @q: the queue
 *
 * Once this returns, no frame is written into the queue's memory until
 * vmq_rx_dma_start(): a producer checks the flag under the same lock.
 */
void vmq_rx_dma_stop(struct vmq_rxq *q)
{
	spin_lock_bh(&q->lock);
	q->dma_on = false;
	spin_unlock_bh(&q->lock);
}

/* ---- Classification ----------------------------------------------------- */

/* Multicast hash filter bit of an address, as NICs compute it. */
static unsigned int vmq_rx_mc_bit(const u8 *addr)
{
	return ether_crc(ETH_ALEN, addr) >> 24;
}

/**
 * vmq_rx_set_rx_mode() - ndo_set_rx_mode: promiscuity and multicast list
 * @netdev: a vmqnet port
 *
 * Programs the filter the way a NIC's registers are written: the receive
 * path may see a half-written hash for an instant, and only multicast
 * frames in flight can notice.
 *
 * Context: netif_addr_lock_bh held, atomic.
 */
void vmq_rx_set_rx_mode(struct net_device *netdev)
{
	struct vmq_port_rx *rx = vmq_netdev_port(netdev)->rx;
	DECLARE_BITMAP(hash, 256);
	struct netdev_hw_addr *ha;

	bitmap_zero(hash, 256);
	netdev_for_each_mc_addr(ha, netdev)
		__set_bit(vmq_rx_mc_bit(ha->addr), hash);
	bitmap_copy(rx->mc_hash, hash, 256);
	WRITE_ONCE(rx->allmulti, !!(netdev->flags & IFF_ALLMULTI));
	/* Also covers secondary unicast addresses: without IFF_UNICAST_FLT
	 * the core turns promiscuity on for them.
	 */
	WRITE_ONCE(rx->promisc, !!(netdev->flags & IFF_PROMISC));
}

/* The 802.1Q VLAN id of a frame, from the out-of-band tag or the header. */
static bool vmq_rx_vlan_id(const struct sk_buff *skb, const struct ethhdr *eth,
			   u16 *vid)
{
	struct vlan_hdr _vh;
	const struct vlan_hdr *vh;

	if (skb_vlan_tag_present(skb)) {
		*vid = skb_vlan_tag_get_id(skb);
		return true;
	}
	if (eth->h_proto != htons(ETH_P_8021Q))
		return false;
	vh = skb_header_pointer(skb, ETH_HLEN, sizeof(_vh), &_vh);
	if (!vh)
		return false;
	*vid = ntohs(vh->h_vlan_TCI) & VLAN_VID_MASK;
	return true;
}

/* The ring a frame goes to, or -1 if the port does not take it. */
static int vmq_rx_classify(struct vmq_port_rx *rx, const struct sk_buff *skb)
{
	const struct ethhdr *eth;
	struct ethhdr _eth;
	bool tagged;
	u16 vid = 0;
	int ring;

	eth = skb_header_pointer(skb, 0, sizeof(_eth), &_eth);
	if (!eth)
		return -1;
	if (is_multicast_ether_addr(eth->h_dest)) {
		if (is_broadcast_ether_addr(eth->h_dest) ||
		    READ_ONCE(rx->promisc) || READ_ONCE(rx->allmulti) ||
		    test_bit(vmq_rx_mc_bit(eth->h_dest), rx->mc_hash))
			return 0;
		return -1;
	}

	tagged = vmq_rx_vlan_id(skb, eth, &vid);
	rcu_read_lock();
	ring = vmq_filter_match(rcu_dereference(rx->snap), eth->h_dest,
				tagged, vid);
	rcu_read_unlock();
	if (ring > 0 && READ_ONCE(rx->q[ring].state) == VMQ_QS_RUNNING)
		return ring;
	/* A filtered MAC is one the port wants, even while its queue is not
	 * Running: then the default queue takes it.
	 */
	if (ring >= 0 || ether_addr_equal(eth->h_dest, rx->netdev->dev_addr) ||
	    READ_ONCE(rx->promisc))
		return 0;
	return -1;
}

/* ---- The device: "DMA" into shared memory ------------------------------ */

static void vmq_rx_seg_init(const struct vmq_rxq_mem *m, u32 i, u32 len,
			    struct vmq_rx_seg *s)
{
	if (!m->la_size) {
		s->p[0] = (u8 *)m->bufs.vaddr + (size_t)i * m->buf_size;
		s->len[0] = len;
		s->len[1] = 0;
		return;
	}
	s->p[0] = (u8 *)m->bufs.vaddr + (size_t)i * m->la_size;
	s->len[0] = min(len, m->la_size);
	/* After the back-fill room, where the lookahead part would go. */
	s->p[1] = (u8 *)m->post.vaddr + (size_t)i * m->buf_size + m->la_size;
	s->len[1] = len - s->len[0];
}

/* Fill in the checksum a CHECKSUM_PARTIAL frame left to the hardware, in
 * the copy: the sum from csum_start to the end, stored at csum_offset.
 */
static bool vmq_rx_csum_fill(const struct vmq_rx_seg *s,
			     const struct sk_buff *skb, u32 len)
{
	u32 start = skb_checksum_start_offset(skb);
	u32 at = start + skb->csum_offset;
	u32 base = 0, from, to, k;
	__wsum csum = 0;
	__sum16 sum;
	u8 *p;

	if (skb->csum_not_inet || start >= len || at + sizeof(sum) > len)
		return false;
	for (k = 0; k < 2; base += s->len[k], k++) {
		from = max(start, base);
		to = base + s->len[k];
		if (from < to)
			csum = csum_block_add(csum,
					      csum_partial(s->p[k] + from - base,
							   to - from, 0),
					      from - start);
	}
	sum = csum_fold(csum) ?: CSUM_MANGLED_0;
	/* The field may straddle the lookahead boundary. */
	for (k = 0; k < sizeof(sum); k++, at++) {
		p = at < s->len[0] ? s->p[0] + at : s->p[1] + at - s->len[0];
		*p = ((u8 *)&sum)[k];
	}
	return true;
}

static void vmq_rx_count_drop(struct vmq_rxq *q, u64 *counter)
{
	u64_stats_update_begin(&q->stats.syncp);
	(*counter)++;
	u64_stats_update_end(&q->stats.syncp);
}

/* Descriptor @i + @k of the ring, @k <= nbufs. */
static u32 vmq_rx_add(const struct vmq_rxq_mem *m, u32 i, u32 k)
{
	return i + k >= m->nbufs ? i + k - m->nbufs : i + k;
}

static u32 vmq_rx_next(const struct vmq_rxq_mem *m, u32 i)
{
	return vmq_rx_add(m, i, 1);
}

/* Receive buffers @skb fills: one for a plain frame, which must fit in one
 * as on the wire; as many as it takes for a GSO super-frame, which the
 * device coalesces (LRO) rather than have its segments cross the wire one
 * by one. 0 if the queue cannot take it at all.
 */
static u32 vmq_rx_bufs_needed(const struct vmq_rxq_mem *m,
			      const struct sk_buff *skb)
{
	u32 n;

	if (!skb_is_gso(skb))
		return skb->len <= m->buf_size;
	n = DIV_ROUND_UP(skb->len, m->buf_size);
	return n <= m->nbufs ? n : 0;
}

/* Copy @len bytes of @skb from @off into buffer @i and describe them in
 * its descriptor @d; returns VMQ_RXD_F_SPLIT if they took two pieces.
 */
static u16 vmq_rx_put(const struct vmq_rxq_mem *m, u32 i,
		      const struct sk_buff *skb, u32 off, u32 len,
		      struct vmq_rx_desc *d, struct vmq_rx_seg *s)
{
	vmq_rx_seg_init(m, i, len, s);
	skb_copy_bits(skb, off, s->p[0], s->len[0]);
	d->shmem_handle = cpu_to_le32(m->bufs.shmem_handle);
	d->offset = cpu_to_le32(s->p[0] - (u8 *)m->bufs.vaddr);
	d->len = cpu_to_le16(s->len[0]);
	if (!s->len[1])
		return 0;
	skb_copy_bits(skb, off + s->len[0], s->p[1], s->len[1]);
	d->post_shmem_handle = cpu_to_le32(m->post.shmem_handle);
	d->post_offset = cpu_to_le32(s->p[1] - (u8 *)m->post.vaddr);
	d->post_len = cpu_to_le16(s->len[1]);
	return VMQ_RXD_F_SPLIT;
}

/* The GSO fields of a frame's first descriptor, and whether its checksums
 * count as verified: each wire segment's were filled in by the sender's
 * TSO and checked by the receiving device before it coalesced them, so a
 * super-frame is reported like one from GRO_HW. One whose checksums were
 * neither left to the hardware nor verified already gets no such report.
 */
static u16 vmq_rx_put_gso(const struct sk_buff *skb, struct vmq_rx_desc *d)
{
	const struct skb_shared_info *si = skb_shinfo(skb);

	if (!skb_is_gso(skb)) {
		d->gso_type = 0;
		d->gso_size = 0;
		d->gso_segs = 0;
		return 0;
	}
	d->gso_type = cpu_to_le32(si->gso_type);
	d->gso_size = cpu_to_le16(si->gso_size);
	d->gso_segs = cpu_to_le16(si->gso_segs);
	if (skb->ip_summed == CHECKSUM_PARTIAL ||
	    skb->ip_summed == CHECKSUM_UNNECESSARY)
		return VMQ_RXD_F_CSUM_OK;
	return 0;
}

/* Write @skb into @q's next receive buffers and complete it: all of its
 * buffers or none, since it is one packet and is counted (or dropped) as
 * one, whatever number of wire segments a super-frame stands for.
 */
static int vmq_rx_dma(struct vmq_rxq *q, const struct sk_buff *skb)
{
	const struct vmq_rxq_mem *m = &q->mem;
	u32 len = skb->len, head, i, k, n, off, piece;
	struct vmq_rx_desc *ring, *d;
	u16 flags, more, epoch;
	struct vmq_rx_seg s;
	int err = 0;

	vmq_race_window();
	spin_lock(&q->lock);
	/* Nothing of the queue's layout is read before this point: ethtool
	 * -G swaps it under this lock (queue.c vmq_rxq_mem_swap()).
	 */
	if (unlikely(!q->dma_on)) {
		vmq_rx_count_drop(q, &q->stats.drops_not_running);
		err = -ENETDOWN;
		goto out;
	}
	/* The classification saw a filter of a queue that has just lost its
	 * last one: the default queue takes the frame (vmq_rx_frame()).
	 */
	if (unlikely(q->ring && READ_ONCE(q->state) != VMQ_QS_RUNNING)) {
		err = -EAGAIN;
		goto out;
	}
	ring = m->ring.vaddr;
	epoch = FIELD_PREP(VMQ_RXD_F_EPOCH, q->epoch);
	n = vmq_rx_bufs_needed(m, skb);
	if (unlikely(!n)) {
		vmq_rx_count_drop(q, &q->stats.drops_oversize);
		err = -EMSGSIZE;
		goto out;
	}
	head = q->prod;
	for (k = 0, i = head; k < n; k++, i = vmq_rx_next(m, i)) {
		/* Acquire: NAPI has finished reading buffer i before we
		 * write it.
		 */
		if (le16_to_cpu(smp_load_acquire(&ring[i].flags)) &
		    VMQ_RXD_F_DONE) {
			vmq_rx_count_drop(q, &q->stats.drops_no_buffer);
			err = -ENOBUFS;
			goto out;
		}
	}

	/* The continuation buffers first, complete as they are written: NAPI
	 * does not look past the first descriptor until that is complete.
	 */
	for (k = n - 1, off = (n - 1) * m->buf_size; k; k--) {
		i = vmq_rx_add(m, head, k);
		piece = len - off;
		d = &ring[i];
		flags = vmq_rx_put(m, i, skb, off, piece, d, &s);
		more = k + 1 < n ? VMQ_RXD_F_MORE : 0;
		/* Release: as for the first descriptor, below. */
		smp_store_release(&d->flags,
				  cpu_to_le16(VMQ_RXD_F_DONE | flags | more |
					      epoch));
		len = off;
		off -= m->buf_size;
	}

	d = &ring[head];
	flags = VMQ_RXD_F_DONE | epoch | (n > 1 ? VMQ_RXD_F_MORE : 0);
	flags |= vmq_rx_put(m, head, skb, 0, len, d, &s);
	flags |= vmq_rx_put_gso(skb, d);
	if (!skb_is_gso(skb) && skb->ip_summed == CHECKSUM_PARTIAL &&
	    vmq_rx_csum_fill(&s, skb, len))
		flags |= VMQ_RXD_F_CSUM_OK;
	if (skb_vlan_tag_present(skb)) {
		d->vlan_tci = cpu_to_le16(skb_vlan_tag_get(skb));
		flags |= VMQ_RXD_F_VLAN;
	}
	/* Release: the buffers and descriptors are written before NAPI sees
	 * DONE on the first one.
	 */
	smp_store_release(&d->flags, cpu_to_le16(flags));
	q->prod = vmq_rx_add(m, head, n);
out:
	spin_unlock(&q->lock);
	if (!err)
		napi_schedule(&q->napi);
	return err;
}

/**
 * vmq_rx_frame() - a frame arrives on a port from the wire
 * @port: the receiving port; the caller keeps it alive (RCU)
 * @skb: the frame, data at the Ethernet header; always consumed
 *
 * Context: softirq or BH disabled (the peer's ndo_start_xmit); may run
 * concurrently on several CPUs for one port.
 * Return: 0 if the frame was DMA'd into a queue, or a negative errno if it
 * was dropped (counted by cause): -EADDRNOTAVAIL not for this port,
 * -ENETDOWN the queue's DMA is stopped, -ENOBUFS no free receive buffer,
 * -EMSGSIZE longer than a receive buffer, -ENOMEM.
 */
int vmq_rx_frame(struct vmq_port *port, struct sk_buff *skb)
{
	struct vmq_port_rx *rx = port->rx;
	int ring, err;

	/* Only 802.1Q tags are reported out of band; others go on the wire. */
	if (skb_vlan_tag_present(skb) && skb->vlan_proto != htons(ETH_P_8021Q)) {
		skb = __vlan_hwaccel_push_inside(skb);
		if (!skb)
			return -ENOMEM;
	}

	ring = vmq_rx_classify(rx, skb);
	if (ring < 0) {
		atomic64_inc(&rx->drops_filtered);
		err = -EADDRNOTAVAIL;
		goto drop;
	}
	err = vmq_rx_dma(&rx->q[ring], skb);
	if (err == -EAGAIN)
		err = vmq_rx_dma(&rx->q[0], skb);
	if (err)
		goto drop;
	dev_consume_skb_any(skb);
	return 0;

drop:
	dev_kfree_skb_any(skb);
	return err;
}

/* ---- The driver: NAPI --------------------------------------------------- */

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
 * last (acquire), so the rest of the chain is there.
 */
static u32 vmq_rx_chain_len(const struct vmq_rxq *q, u16 flags)
{
	const struct vmq_rxq_mem *m = &q->mem;
	const struct vmq_rx_desc *ring = m->ring.vaddr;
	u32 n = 1, i = q->cons;

	while (flags & VMQ_RXD_F_MORE) {
		i = vmq_rx_next(m, i);
		flags = le16_to_cpu(READ_ONCE(ring[i].flags));
		if (WARN_ON_ONCE(i == q->cons || !(flags & VMQ_RXD_F_DONE)))
			return 1;
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
		i = vmq_rx_next(m, i);
		f = le16_to_cpu(READ_ONCE(ring[i].flags));
		total += le16_to_cpu(ring[i].len);
		if (f & VMQ_RXD_F_SPLIT)
			total += le16_to_cpu(ring[i].post_len);
	}

	skb = vmq_rx_alloc_frags(&q->napi, total);
	if (!skb)
		return NULL;
	for (k = 0, i = q->cons, off = 0; k < n; k++, i = vmq_rx_next(m, i)) {
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
	struct vmq_netdev *vn = netdev_priv(napi->dev);
	struct vmq_ring_stats *stats = &vn->rx_stats[q->ring];
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
	u32 n;
	u16 flags;

	while (done < budget) {
		d = ring + q->cons;
		/* Acquire: the device wrote the buffer before DONE. */
		flags = le16_to_cpu(smp_load_acquire(&d->flags));
		if (!(flags & VMQ_RXD_F_DONE))
			break;
		n = vmq_rx_chain_len(q, flags);
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
			skb = vmq_rx_build(q, d, flags, n);
			drops += !skb;
		}
		do {
			/* Release: the buffer is back once the copy is made. */
			smp_store_release(&ring[q->cons].flags, 0);
			q->cons = vmq_rx_next(m, q->cons);
		} while (--n);
		done++;
		if (!skb)
			continue;
		packets++;
		bytes += skb->len;
		vmq_rx_deliver(q, napi, skb);
	}

	u64_stats_update_begin(&stats->syncp);
	stats->packets += packets;
	stats->bytes += bytes;
	stats->drops += drops;
	u64_stats_update_end(&stats->syncp);
	if (unlikely(paused)) {
		spin_lock(&q->lock);
		u64_stats_update_begin(&q->stats.syncp);
		q->stats.drops_paused += paused;
		u64_stats_update_end(&q->stats.syncp);
		spin_unlock(&q->lock);
	}

	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/* ---- Counters ----------------------------------------------------------- */

/**
 * vmq_rx_stats_read() - a consistent copy of a queue's drop counters
 * @q: the queue
 * @out: receives the counters (not @out->syncp)
 */
void vmq_rx_stats_read(struct vmq_rxq *q, struct vmq_rxq_stats *out)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&q->stats.syncp);
		out->drops_no_buffer = q->stats.drops_no_buffer;
		out->drops_not_running = q->stats.drops_not_running;
		out->drops_oversize = q->stats.drops_oversize;
		out->drops_paused = q->stats.drops_paused;
	} while (u64_stats_fetch_retry(&q->stats.syncp, start));
}

/**
 * vmq_rx_get_stats64() - add the device's receive drops of a port
 * @port: the port
 * @tot: rx_dropped is added to
 *
 * Every queue, not only the active ones: counts survive a shrink. Frames
 * that were not for the port are not drops of its, as on a NIC.
 */
void vmq_rx_get_stats64(struct vmq_port *port, struct rtnl_link_stats64 *tot)
{
	struct vmq_rxq_stats s;
	unsigned int r;

	for (r = 0; r < VMQ_QUEUES_MAX; r++) {
		vmq_rx_stats_read(&port->rx->q[r], &s);
		tot->rx_dropped += s.drops_no_buffer + s.drops_not_running +
				   s.drops_oversize + s.drops_paused;
	}
}
