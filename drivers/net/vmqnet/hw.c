// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated NIC's receive side: what the device does with a frame that
 * arrives from the wire (tx.c hands it over). It classifies the frame to a
 * VM queue, "DMAs" it into that queue's shared memory, writes the
 * completion and schedules the queue's NAPI (rx.c). Everything here is on
 * the device's side of the bus: it touches the queue's memory only under
 * the queue's producer lock with DMA on. Documentation/vmqnet.rst, "The
 * data path", has the details.
 */

#include <linux/bitfield.h>
#include <linux/crc32.h>
#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/smp.h>
#include <net/checksum.h>

#include "compat.h"
#include "rxq.h"

/* Where a frame lands in a queue's buffers: one piece, or two with
 * lookahead split.
 */
struct vmq_hw_seg {
	u8 *p[2];
	u32 len[2];
};

/**
 * vmq_hw_dma_start() - let the device write into a queue's memory
 * @q: the queue, with memory and its NAPI enabled
 */
void vmq_hw_dma_start(struct vmq_rxq *q)
{
	spin_lock_bh(&q->lock);
	q->dma_on = true;
	spin_unlock_bh(&q->lock);
}

/**
 * vmq_hw_dma_stop() - stop the device writing into a queue's memory
 * @q: the queue
 *
 * Once this returns, no frame is written into the queue's memory until
 * vmq_hw_dma_start(): a producer checks the flag under the same lock.
 */
void vmq_hw_dma_stop(struct vmq_rxq *q)
{
	spin_lock_bh(&q->lock);
	q->dma_on = false;
	spin_unlock_bh(&q->lock);
}

/* ---- The interrupt ----------------------------------------------------- */

/* The queue's MSI-X vector fires on its CPU: NAPI is scheduled there. */
static void vmq_hw_irq(void *info)
{
	struct vmq_rxq *q = info;

	__napi_schedule_irqoff(&q->napi);
}

/* Interrupt now, unless NAPI is scheduled already: then it finds the
 * frames itself, as a NIC's vector stays masked while NAPI polls (the
 * failed napi_schedule_prep() makes it poll once more). The IPI's csd is
 * free again before NAPI can run (async csds are unlocked before their
 * function is called), so it is free whenever napi_schedule_prep()
 * succeeds, and napi_disable() cannot return while one is in flight.
 * Threaded NAPI has its own thread to wake, and an offline CPU no
 * vector: both are scheduled from here.
 */
static void vmq_hw_irq_fire(struct vmq_rxq *q)
{
	int cpu = READ_ONCE(q->irq_cpu);

	if (!napi_schedule_prep(&q->napi))
		return;
	atomic64_inc(&q->irqs);
	if (cpu < 0 || cpu == smp_processor_id() ||
	    test_bit(NAPI_STATE_THREADED, &q->napi.state) ||
	    smp_call_function_single_async(cpu, &q->irq_csd))
		__napi_schedule(&q->napi);
}

/* A moderated interrupt, due: it fires on the CPU that started the
 * timer, and from there reaches the queue's CPU as any other does.
 */
static enum hrtimer_restart vmq_hw_irq_due(struct hrtimer *t)
{
	struct vmq_rxq *q = container_of(t, struct vmq_rxq, irq_timer);

	atomic_set(&q->irq_pending, 0);
	vmq_hw_irq_fire(q);
	return HRTIMER_NORESTART;
}

/**
 * vmq_hw_irq_init() - set up a queue's interrupt
 * @q: the queue, its NAPI added and not yet enabled
 *
 * Spreads a port's queues over the online CPUs, queue r on the r-th, as
 * drivers set their vectors' affinity hints.
 */
void vmq_hw_irq_init(struct vmq_rxq *q)
{
	INIT_CSD(&q->irq_csd, vmq_hw_irq, q);
	q->irq_cpu = cpumask_local_spread(q->ring, NUMA_NO_NODE);
	hrtimer_init(&q->irq_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	q->irq_timer.function = vmq_hw_irq_due;
}

/**
 * vmq_hw_irq_fini() - make sure a queue's interrupt is not held back
 * @q: the queue
 *
 * Once no producer can raise the interrupt again (the port unregistered),
 * nothing of it runs after this returns. Before that, a producer may hold
 * it back again, which only schedules NAPI later, or fails to if NAPI is
 * disabled.
 */
void vmq_hw_irq_fini(struct vmq_rxq *q)
{
	hrtimer_cancel(&q->irq_timer);
}

/**
 * vmq_hw_irq_set_cpu() - move a queue's interrupt to another CPU
 * @q: the queue
 * @cpu: a possible CPU, or -1 for none: NAPI then runs on the CPU of the
 *	sender whose frame it receives, as it does on veth
 *
 * Return: 0, or -EINVAL for a CPU that does not exist.
 */
int vmq_hw_irq_set_cpu(struct vmq_rxq *q, int cpu)
{
	if (cpu < -1 || (cpu >= 0 && (cpu >= nr_cpu_ids || !cpu_possible(cpu))))
		return -EINVAL;
	WRITE_ONCE(q->irq_cpu, cpu);
	return 0;
}

/* Interrupt for a completed frame. Moderated (ethtool -C; with adaptive-rx
 * the queue's DIM profile stands for rx-usecs and rx-frames), an interrupt
 * while NAPI is idle is held back up to rx-usecs after the first frame it
 * covers, or until rx-frames frames are waiting, as a NIC's interrupt
 * throttle does: one interrupt, and under TCG one IPI, for a batch rather
 * than for each frame. The timer is started only when it is not queued:
 * restarting it would push the interrupt back with every frame.
 */
static void vmq_hw_irq_raise(struct vmq_rxq *q)
{
	u32 frames, usecs = vmq_coal_now(q, &frames);

	if (!usecs || test_bit(NAPI_STATE_SCHED, &q->napi.state)) {
		vmq_hw_irq_fire(q);
		return;
	}
	if (frames && atomic_inc_return(&q->irq_pending) >= frames) {
		hrtimer_try_to_cancel(&q->irq_timer);
		atomic_set(&q->irq_pending, 0);
		vmq_hw_irq_fire(q);
		return;
	}
	if (!hrtimer_is_queued(&q->irq_timer))
		hrtimer_start(&q->irq_timer, ns_to_ktime(usecs * NSEC_PER_USEC),
			      HRTIMER_MODE_REL);
}

/* ---- Classification ----------------------------------------------------- */

/* Multicast hash filter bit of an address, as NICs compute it. */
static unsigned int vmq_hw_mc_bit(const u8 *addr)
{
	return ether_crc(ETH_ALEN, addr) >> 24;
}

/**
 * vmq_hw_set_rx_mode() - ndo_set_rx_mode: promiscuity and multicast list
 * @netdev: a vmqnet port
 *
 * Programs the filter the way a NIC's registers are written: the receive
 * path may see a half-written hash for an instant, and only multicast
 * frames in flight can notice.
 *
 * Context: netif_addr_lock_bh held, atomic.
 */
void vmq_hw_set_rx_mode(struct net_device *netdev)
{
	struct vmq_port_rx *rx = vmq_netdev_port(netdev)->rx;
	DECLARE_BITMAP(hash, 256);
	struct netdev_hw_addr *ha;

	bitmap_zero(hash, 256);
	netdev_for_each_mc_addr(ha, netdev)
		__set_bit(vmq_hw_mc_bit(ha->addr), hash);
	bitmap_copy(rx->mc_hash, hash, 256);
	WRITE_ONCE(rx->allmulti, !!(netdev->flags & IFF_ALLMULTI));
	/* Also covers secondary unicast addresses: without IFF_UNICAST_FLT
	 * the core turns promiscuity on for them.
	 */
	WRITE_ONCE(rx->promisc, !!(netdev->flags & IFF_PROMISC));
}

/* The 802.1Q VLAN id of a frame, from the out-of-band tag or the header. */
static bool vmq_hw_vlan_id(const struct sk_buff *skb, const struct ethhdr *eth,
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
static int vmq_hw_classify(struct vmq_port_rx *rx, const struct sk_buff *skb)
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
		    test_bit(vmq_hw_mc_bit(eth->h_dest), rx->mc_hash))
			return 0;
		return -1;
	}

	tagged = vmq_hw_vlan_id(skb, eth, &vid);
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

/* The buffer the driver posted at descriptor @d (rxq.h): false for one
 * that names no buffer of the queue, a driver bug the device refuses
 * rather than write somewhere it was not told to.
 */
static bool vmq_hw_posted(const struct vmq_rxq_mem *m,
			  const struct vmq_rx_desc *d, u32 *b)
{
	u32 off = le32_to_cpu(READ_ONCE(d->offset));
	u32 stride = vmq_rxq_mem_stride(m);

	*b = off / stride;
	return !WARN_ON_ONCE(off % stride || *b >= vmq_rxq_mem_slots(m));
}

static void vmq_hw_seg_init(const struct vmq_rxq_mem *m, u32 b, u32 len,
			    struct vmq_hw_seg *s)
{
	if (!m->la_size) {
		s->p[0] = (u8 *)m->bufs.vaddr + (size_t)b * m->buf_stride +
			  m->headroom;
		s->len[0] = len;
		s->len[1] = 0;
		return;
	}
	s->p[0] = (u8 *)m->bufs.vaddr + (size_t)b * m->la_size;
	s->len[0] = min(len, m->la_size);
	/* After the back-fill room, where the lookahead part would go. */
	s->p[1] = (u8 *)m->post.vaddr + (size_t)b * m->buf_stride +
		  m->la_size;
	s->len[1] = len - s->len[0];
}

/* Fill in the checksum a CHECKSUM_PARTIAL frame left to the hardware, in
 * the copy: the sum from csum_start to the end, stored at csum_offset.
 * The device sums the frame as it reads it, not the buffers it wrote.
 */
static bool vmq_hw_csum_fill(const struct vmq_hw_seg *s,
			     const struct sk_buff *skb, u32 len)
{
	u32 start = skb_checksum_start_offset(skb);
	u32 at = start + skb->csum_offset;
	__sum16 sum;
	u32 k;
	u8 *p;

	if (skb->csum_not_inet || start >= len || at + sizeof(sum) > len)
		return false;
	sum = csum_fold(skb_checksum(skb, start, len - start, 0)) ?:
	      CSUM_MANGLED_0;
	/* The field may straddle the lookahead boundary. */
	for (k = 0; k < sizeof(sum); k++, at++) {
		p = at < s->len[0] ? s->p[0] + at : s->p[1] + at - s->len[0];
		*p = ((u8 *)&sum)[k];
	}
	return true;
}

static void vmq_hw_count_drop(struct vmq_rxq *q, u64 *counter)
{
	u64_stats_update_begin(&q->stats.dev_syncp);
	(*counter)++;
	u64_stats_update_end(&q->stats.dev_syncp);
}

/* Receive buffers @skb fills: one for a plain frame, which must fit in one
 * as on the wire; as many as it takes for a GSO super-frame, which the
 * device coalesces (LRO) rather than have its segments cross the wire one
 * by one. 0 if the queue cannot take it at all.
 */
static u32 vmq_hw_bufs_needed(const struct vmq_rxq_mem *m,
			      const struct sk_buff *skb)
{
	u32 n;

	if (!skb_is_gso(skb))
		return skb->len <= m->buf_size;
	/* An XDP program sees one buffer a frame: vmq_hw_rx_frame()
	 * segments super-frames for such a queue, and one that it let
	 * through as the program came is too long.
	 */
	if (READ_ONCE(m->xdp_prog))
		return 0;
	n = DIV_ROUND_UP(skb->len, m->buf_size);
	return n <= m->nbufs ? n : 0;
}

/* The device's write of @len bytes of @skb, from @off, to @to. A DMA
 * engine writes to memory, not into the sending CPU's cache, and another
 * CPU reads the frame: non-temporal stores, as with NETIF_F_NOCACHE_COPY.
 * vmq_hw_dma() fences them before it completes the frame.
 */
static void vmq_hw_copy(struct sk_buff *skb, u32 off, u8 *to, u32 len)
{
	struct skb_seq_state st;
	u32 done = 0, n;
	const u8 *from;

	skb_prepare_seq_read(skb, off, off + len, &st);
	while (done < len) {
		n = skb_seq_read(done, &from, &st);
		if (WARN_ON_ONCE(!n))
			break;
		n = min(n, len - done);
		memcpy_flushcache(to + done, from, n);
		done += n;
	}
	skb_abort_seq_read(&st);
}

/* Copy @len bytes of @skb from @off into the buffer posted at descriptor
 * @d and describe them there; returns VMQ_RXD_F_SPLIT if they took two
 * pieces.
 */
static u16 vmq_hw_put(const struct vmq_rxq_mem *m, struct sk_buff *skb,
		      u32 off, u32 len, struct vmq_rx_desc *d,
		      struct vmq_hw_seg *s)
{
	u32 b;

	/* Checked before the frame was taken (vmq_hw_dma()). */
	vmq_hw_posted(m, d, &b);
	vmq_hw_seg_init(m, b, len, s);
	vmq_hw_copy(skb, off, s->p[0], s->len[0]);
	d->shmem_handle = cpu_to_le32(m->bufs.shmem_handle);
	/* The buffer's offset, as posted: the frame is @m->headroom in. */
	d->offset = cpu_to_le32(s->p[0] - m->headroom - (u8 *)m->bufs.vaddr);
	d->len = cpu_to_le16(s->len[0]);
	if (!s->len[1])
		return 0;
	vmq_hw_copy(skb, off + s->len[0], s->p[1], s->len[1]);
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
static u16 vmq_hw_put_gso(const struct sk_buff *skb, struct vmq_rx_desc *d)
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

/* debugfs hw_fault: get the completion of @d wrong, as asked. Only what
 * the driver must not trust is got wrong, never the frame's bytes or
 * where they went: the receive path must catch each one (rx.c
 * vmq_rx_frame(), vmq_rx_pieces()).
 */
static void vmq_hw_fault(struct vmq_rxq *q, struct vmq_rx_desc *d,
			 u16 *flags)
{
	struct vmq_hw_fault *f = &q->port->vdev->hw_fault;
	u32 kind = READ_ONCE(f->kind), stride = vmq_rxq_mem_stride(&q->mem);

	if (kind == VMQ_HW_FAULT_NONE ||
	    (kind == VMQ_HW_FAULT_POST && !(*flags & VMQ_RXD_F_SPLIT)) ||
	    ((kind == VMQ_HW_FAULT_CHAIN || kind == VMQ_HW_FAULT_SHORT) &&
	     (*flags & VMQ_RXD_F_MORE)))
		return;
	if (atomic_dec_if_positive(&f->count) < 0)
		return;
	switch (kind) {
	case VMQ_HW_FAULT_OFFSET:
		d->offset = cpu_to_le32(le32_to_cpu(d->offset) ^ stride);
		break;
	case VMQ_HW_FAULT_HANDLE:
		d->shmem_handle = cpu_to_le32(le32_to_cpu(d->shmem_handle) ^ 1);
		break;
	case VMQ_HW_FAULT_LEN:
		d->len = cpu_to_le16(U16_MAX);
		break;
	case VMQ_HW_FAULT_POST:
		d->post_offset = cpu_to_le32(le32_to_cpu(d->post_offset) ^
					     q->mem.buf_stride);
		break;
	case VMQ_HW_FAULT_CHAIN:
		*flags |= VMQ_RXD_F_MORE;
		break;
	case VMQ_HW_FAULT_SHORT:
		d->len = cpu_to_le16(ETH_HLEN - 1);
		*flags &= ~VMQ_RXD_F_SPLIT;
		break;
	case VMQ_HW_FAULT_GSO:
		d->gso_type = cpu_to_le32(SKB_GSO_FRAGLIST);
		d->gso_size = cpu_to_le16(1);
		d->gso_segs = cpu_to_le16(1);
		break;
	}
	atomic_inc(&f->injected);
}

/* Complete the first (or only) descriptor @d of a frame of @n buffers,
 * whose first piece is @s: its checksum and VLAN reports, then DONE, after
 * every byte of the frame.
 */
static void vmq_hw_complete(struct vmq_rxq *q, struct sk_buff *skb,
			    struct vmq_rx_desc *d, const struct vmq_hw_seg *s,
			    u32 len, u16 flags, u32 n)
{
	flags |= vmq_hw_put_gso(skb, d);
	if (!skb_is_gso(skb) && skb->ip_summed == CHECKSUM_PARTIAL &&
	    vmq_hw_csum_fill(s, skb, len))
		flags |= VMQ_RXD_F_CSUM_OK;
	if (skb_vlan_tag_present(skb)) {
		d->vlan_tci = cpu_to_le16(skb_vlan_tag_get(skb));
		flags |= VMQ_RXD_F_VLAN;
	}
	if (unlikely(atomic_read(&q->port->vdev->hw_fault.count)))
		vmq_hw_fault(q, d, &flags);
	/* The buffers' non-temporal stores are not ordered by a release;
	 * the fence orders them before the descriptor.
	 */
	wmb();
	/* Release: the buffers and descriptors are written before NAPI sees
	 * DONE on the first one.
	 */
	smp_store_release(&d->flags, cpu_to_le16(flags));
	q->prod = vmq_ring_add(&q->mem, q->prod, n);
}

/* vmq_hw_dma() on a queue with an AF_XDP socket bound (xsk.c): the frame
 * goes whole into the UMEM frame NAPI posted from the fill ring, or, if
 * NAPI has not posted one there yet, nowhere.
 */
static int vmq_hw_dma_xsk(struct vmq_rxq *q, const struct vmq_rxq_xsk *x,
			  struct sk_buff *skb, u16 epoch)
{
	struct vmq_rx_desc *d = (struct vmq_rx_desc *)q->mem.ring.vaddr +
				q->prod;
	struct vmq_hw_seg s = { .len = { skb->len } };
	u32 off;

	if (unlikely(skb->len > x->frame_size)) {
		vmq_hw_count_drop(q, &q->stats.c.drops_oversize);
		return -EMSGSIZE;
	}
	/* Acquire: NAPI has finished with the descriptor before we read the
	 * buffer it posted there.
	 */
	if (le16_to_cpu(smp_load_acquire(&d->flags)) & VMQ_RXD_F_DONE)
		goto nobuf;
	off = le32_to_cpu(READ_ONCE(d->offset));
	if (off == VMQ_RXD_NO_BUF ||
	    WARN_ON_ONCE(off > x->umem.length - x->frame_size))
		goto nobuf;
	s.p[0] = (u8 *)x->umem.vaddr + off;
	vmq_hw_copy(skb, 0, s.p[0], skb->len);
	d->shmem_handle = cpu_to_le32(x->umem.shmem_handle);
	d->len = cpu_to_le16(skb->len);
	vmq_hw_complete(q, skb, d, &s, skb->len, VMQ_RXD_F_DONE | epoch, 1);
	return 0;

nobuf:
	vmq_hw_count_drop(q, &q->stats.c.drops_no_buffer);
	return -ENOBUFS;
}

/* Write @skb into @q's next receive buffers and complete it: all of its
 * buffers or none, since it is one packet and is counted (or dropped) as
 * one, whatever number of wire segments a super-frame stands for.
 */
static int vmq_hw_dma(struct vmq_rxq *q, struct sk_buff *skb)
{
	const struct vmq_rxq_mem *m = &q->mem;
	u32 len = skb->len, head, i, k, n, off, piece, b;
	struct vmq_rx_desc *ring, *d;
	u16 flags, more, epoch;
	struct vmq_hw_seg s;
	int err = 0;

	vmq_race_window();
	spin_lock(&q->lock);
	/* Nothing of the queue's layout is read before this point: ethtool
	 * -G swaps it under this lock (queue.c vmq_rxq_mem_swap()).
	 */
	if (unlikely(!q->dma_on)) {
		vmq_hw_count_drop(q, &q->stats.c.drops_not_running);
		err = -ENETDOWN;
		goto out;
	}
	/* The classification saw a filter of a queue that has just lost its
	 * last one: the default queue takes the frame (vmq_hw_rx_frame()).
	 */
	if (unlikely(q->ring && READ_ONCE(q->state) != VMQ_QS_RUNNING)) {
		err = -EAGAIN;
		goto out;
	}
	ring = m->ring.vaddr;
	epoch = FIELD_PREP(VMQ_RXD_F_EPOCH, q->epoch);
	if (q->xsk) {
		err = vmq_hw_dma_xsk(q, q->xsk, skb, epoch);
		goto out;
	}
	n = vmq_hw_bufs_needed(m, skb);
	if (unlikely(!n)) {
		vmq_hw_count_drop(q, &q->stats.c.drops_oversize);
		err = -EMSGSIZE;
		goto out;
	}
	head = q->prod;
	for (k = 0, i = head; k < n; k++, i = vmq_ring_next(m, i)) {
		/* Acquire: NAPI has finished reading buffer i before we
		 * write it.
		 */
		if ((le16_to_cpu(smp_load_acquire(&ring[i].flags)) &
		     VMQ_RXD_F_DONE) || !vmq_hw_posted(m, &ring[i], &b)) {
			vmq_hw_count_drop(q, &q->stats.c.drops_no_buffer);
			err = -ENOBUFS;
			goto out;
		}
	}

	/* The continuation buffers first, complete as they are written: NAPI
	 * does not look past the first descriptor until that is complete.
	 */
	for (k = n - 1, off = (n - 1) * m->buf_size; k; k--) {
		i = vmq_ring_add(m, head, k);
		piece = len - off;
		d = &ring[i];
		flags = vmq_hw_put(m, skb, off, piece, d, &s);
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
	flags |= vmq_hw_put(m, skb, 0, len, d, &s);
	vmq_hw_complete(q, skb, d, &s, len, flags, n);
out:
	spin_unlock(&q->lock);
	if (!err)
		vmq_hw_irq_raise(q);
	return err;
}

/* A super-frame for a port with an XDP program, which sees one buffer a
 * frame: the device does not coalesce (as NICs turn LRO off for XDP), so
 * the segments arrive as they crossed the wire, one by one, each with its
 * checksum left to the device. Return: 0, or the first segment's error.
 */
static int vmq_hw_rx_segs(struct vmq_port *port, struct sk_buff *skb)
{
	struct sk_buff *segs, *next;
	int err = 0, e;

	segs = skb_gso_segment(skb, NETIF_F_SG | NETIF_F_HW_CSUM);
	if (IS_ERR_OR_NULL(segs)) {
		dev_kfree_skb_any(skb);
		return segs ? PTR_ERR(segs) : -EINVAL;
	}
	dev_consume_skb_any(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		e = vmq_hw_rx_frame(port, skb);
		err = err ?: e;
	}
	return err;
}

/**
 * vmq_hw_rx_frame() - a frame arrives on a port from the wire
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
int vmq_hw_rx_frame(struct vmq_port *port, struct sk_buff *skb)
{
	struct vmq_port_rx *rx = port->rx;
	int ring, err;

	if (skb_is_gso(skb) && READ_ONCE(rx->xdp_prog))
		return vmq_hw_rx_segs(port, skb);

	/* Only 802.1Q tags are reported out of band; others go on the wire. */
	if (skb_vlan_tag_present(skb) && skb->vlan_proto != htons(ETH_P_8021Q)) {
		skb = __vlan_hwaccel_push_inside(skb);
		if (!skb)
			return -ENOMEM;
	}

	ring = vmq_hw_classify(rx, skb);
	if (ring < 0) {
		atomic64_inc(&rx->drops_filtered);
		err = -EADDRNOTAVAIL;
		goto drop;
	}
	err = vmq_hw_dma(&rx->q[ring], skb);
	if (err == -EAGAIN)
		err = vmq_hw_dma(&rx->q[0], skb);
	if (err)
		goto drop;
	dev_consume_skb_any(skb);
	return 0;

drop:
	dev_kfree_skb_any(skb);
	return err;
}
