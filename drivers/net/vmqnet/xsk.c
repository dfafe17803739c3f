// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDP zero copy on a VM queue: an XDP socket's UMEM becomes the
 * queue's receive memory, and the device writes the queue's frames straight
 * into UMEM frames taken from the socket's fill ring. The binding follows
 * the NDIS lifecycle: binding is QUEUE_ALLOCATION_COMPLETE with memory the
 * consumer brings (the UMEM, a RECEIVE block of the queue whose provider
 * is the XSK pool), and unbinding is FREE_QUEUE's order for that memory:
 * DMA stops, the buffers come back, then the block is freed.
 * Documentation/vmqnet.rst, "AF_XDP", has the rest.
 */

#include <linux/dma-mapping.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/xdp_sock.h>
#include <net/xdp_sock_drv.h>
#include <net/xsk_buff_pool.h>

#include "compat.h"
#include "rxq.h"

/* ---- The UMEM as shared memory ------------------------------------------ */

/* The block is the UMEM's pages, which the socket pinned, neither
 * allocated nor zeroed: described page by page with the DMA addresses the
 * pool mapped them at for the device (xsk_pool_dma_map(), before), since
 * a second mapping of the same pages would overlap the first. The device
 * writes through the CPU mapping, as into every queue's buffers, so the
 * pool is mapped and unmapped without a CPU sync, and no frame is synced:
 * where swiotlb bounces, a sync would copy the bounce buffer, which the
 * device never wrote, over the frame.
 */
static int vmq_xsk_umem_alloc(void *ctx, struct device *dma_dev,
			      struct vmq_shmem_params *params, void **mem_ctx)
{
	struct xsk_buff_pool *pool = ctx;
	struct xdp_umem *umem = pool->umem;
	struct scatterlist *sg;
	size_t left = umem->size;
	unsigned int i;
	int err;

	if (params->length != umem->size || !pool->dma_pages ||
	    pool->dma_pages_cnt < umem->npgs)
		return -EINVAL;
	err = sg_alloc_table(params->sgt, umem->npgs, GFP_KERNEL);
	if (err)
		return err;
	for_each_sgtable_sg(params->sgt, sg, i) {
		u32 len = min_t(size_t, left, PAGE_SIZE);

		sg_set_page(sg, umem->pgs[i], len, 0);
		sg_dma_address(sg) = pool->dma_pages[i] &
				     ~XSK_NEXT_PG_CONTIG_MASK;
		sg_dma_len(sg) = len;
		left -= len;
	}
	params->vaddr = umem->addrs;
	params->shmem_handle = vmq_shmem_new_handle();
	params->mem_node = NUMA_NO_NODE;
	return 0;
}

/* The pool unmaps the pages, after this (vmq_xsk_disable()). */
static void vmq_xsk_umem_free(void *ctx, struct device *dma_dev,
			      const struct vmq_shmem_params *params,
			      void *mem_ctx)
{
	sg_free_table(params->sgt);
}

static const struct vmq_shmem_provider_ops vmq_xsk_umem_ops = {
	.alloc = vmq_xsk_umem_alloc,
	.free = vmq_xsk_umem_free,
};

/* ---- Buffers from the fill ring ----------------------------------------- */

/**
 * vmq_xsk_drop() - give back the UMEM frames of a frame not received
 * @q: the queue, in its NAPI poll
 * @x: its socket
 * @n: the frame's descriptors, from @q->cons
 *
 * A frame from before the queue's last filter went, or one whose
 * completion was bad, is released as one the program dropped: its UMEM
 * frames go back to the pool, and its descriptors, which NAPI releases
 * with no buffer, join the run that vmq_xsk_refill() posts to. A
 * descriptor released with its buffer would break that run: the refill
 * would post over it, and the descriptor after the run would wait for a
 * buffer nothing counts. One that had none (a device that completed it
 * anyway) is in the run already.
 */
void vmq_xsk_drop(struct vmq_rxq *q, struct vmq_rxq_xsk *x, u32 n)
{
	u32 i = q->cons;

	for (; n; n--, i = vmq_ring_next(&q->mem, i)) {
		if (!x->bufs[i])
			continue;
		xsk_buff_free(x->bufs[i]);
		x->bufs[i] = NULL;
		x->unfilled++;
	}
}

/**
 * vmq_xsk_refill() - post UMEM frames from the fill ring
 * @q: the queue, in its NAPI poll or quiesced
 * @x: its socket
 *
 * Descriptors get buffers in ring order, so those without one are always
 * the run from @x->fill_next; the device stops there, dropping frames as
 * it does for a full ring, until the socket's owner fills the ring again.
 *
 * Return: true if every descriptor has a buffer.
 */
bool vmq_xsk_refill(struct vmq_rxq *q, struct vmq_rxq_xsk *x)
{
	struct vmq_rx_desc *ring = q->mem.ring.vaddr;
	struct xdp_buff *xdp;
	u32 i = x->fill_next;

	while (x->unfilled) {
		/* Posted already: the run is broken, and a frame would leak. */
		if (WARN_ON_ONCE(x->bufs[i]))
			break;
		xdp = xsk_buff_alloc(x->pool);
		if (!xdp)
			break;
		x->bufs[i] = xdp;
		/* The device reads the offset of a free descriptor under its
		 * lock; NO_BUF or this, both are whole.
		 */
		WRITE_ONCE(ring[i].offset,
			   cpu_to_le32((u8 *)xdp->data - (u8 *)x->umem.vaddr));
		i = vmq_ring_next(&q->mem, i);
		x->unfilled--;
	}
	x->fill_next = i;
	if (xsk_uses_need_wakeup(x->pool)) {
		if (x->unfilled)
			xsk_set_rx_need_wakeup(x->pool);
		else
			xsk_clear_rx_need_wakeup(x->pool);
	}
	return !x->unfilled;
}

/**
 * vmq_xsk_start() - post buffers before a queue's NAPI and DMA start
 * @q: the queue, quiesced with its memory in place
 *
 * The queue's own buffers that its descriptors held wait for the stop,
 * which posts them again from the driver's record (vmq_rxq_posted()).
 */
void vmq_xsk_start(struct vmq_rxq *q)
{
	struct vmq_rx_desc *ring = q->mem.ring.vaddr;
	struct vmq_rxq_xsk *x = q->xsk;
	u32 i;

	if (!x)
		return;
	for (i = 0; i < q->mem.nbufs; i++)
		ring[i].offset = cpu_to_le32(VMQ_RXD_NO_BUF);
	x->fill_next = q->cons;
	x->unfilled = q->mem.nbufs;
	vmq_xsk_refill(q, x);
}

/**
 * vmq_xsk_kick() - schedule a queue's NAPI, unless it is already
 * @q: the queue
 *
 * NAPI takes its buffers from the fill ring. The owner of a socket that
 * does not use need_wakeup never asks for that, and no frame can arrive
 * to raise the interrupt before there are buffers: so NAPI starts with a
 * poll of its own, and polls on until it has them (rx.c).
 */
void vmq_xsk_kick(struct vmq_rxq *q)
{
	/* A disabled NAPI is marked scheduled: nothing happens then. */
	if (!napi_if_scheduled_mark_missed(&q->napi)) {
		local_bh_disable();
		napi_schedule(&q->napi);
		local_bh_enable();
	}
}

/**
 * vmq_xsk_stop() - give back the buffers of a quiesced queue
 * @q: the queue: DMA stopped, NAPI drained and disabled
 *
 * Posted frames the device never wrote go back to the pool, which hands
 * them out again at the next start or frees them with the socket; the
 * descriptors get the queue's own buffers back.
 */
void vmq_xsk_stop(struct vmq_rxq *q)
{
	struct vmq_rx_desc *ring = q->mem.ring.vaddr;
	struct vmq_rxq_xsk *x = q->xsk;
	u32 i;

	if (!x)
		return;
	for (i = 0; i < q->mem.nbufs; i++)
		vmq_rxq_repost(&q->mem, &ring[i], i);
	for (i = 0; i < ARRAY_SIZE(x->bufs); i++) {
		if (!x->bufs[i])
			continue;
		xsk_buff_free(x->bufs[i]);
		x->bufs[i] = NULL;
	}
	x->unfilled = 0;
}

/**
 * vmq_xsk_tx() - send what the socket put on its TX ring
 * @q: the queue, in its NAPI poll
 * @x: its socket
 * @budget: frames at most
 *
 * The device reads each frame from the UMEM onto the wire and completes it
 * at once: the wire copies (vmq_xdp_wire()), so the frame is free again.
 *
 * Return: true if the TX ring is empty.
 */
bool vmq_xsk_tx(struct vmq_rxq *q, struct vmq_rxq_xsk *x, int budget)
{
	struct net_device *netdev = q->napi.dev;
	bool empty = false;
	struct xdp_desc desc;
	u32 sent = 0;

	rcu_read_lock();
	while (sent < budget) {
		if (!xsk_tx_peek_desc(x->pool, &desc)) {
			empty = true;
			break;
		}
		/* A frame the wire takes or drops is done with either way. */
		vmq_xdp_wire(rcu_dereference(q->port->peer), &q->napi, netdev,
			     xsk_buff_raw_get_data(x->pool, desc.addr),
			     desc.len);
		sent++;
	}
	rcu_read_unlock();
	if (sent) {
		xsk_tx_release(x->pool);
		xsk_tx_completed(x->pool, sent);
		x->tx_frames += sent;
	}
	if (xsk_uses_need_wakeup(x->pool))
		xsk_set_tx_need_wakeup(x->pool);
	return empty;
}

/* ---- Binding ------------------------------------------------------------ */

/* QUEUE_ALLOCATION_COMPLETE with the socket's memory: the UMEM is charged
 * to the queue as a block first, so a bind that does not fit changes
 * nothing; then the queue switches to it while quiesced.
 */
static int vmq_xsk_enable(struct vmq_rxq *q, struct xsk_buff_pool *pool)
{
	const struct vmq_shmem_provider prov = {
		.name = "xsk",
		.ops = &vmq_xsk_umem_ops,
		.ctx = pool,
	};
	struct vmq_shmem_params params = {
		.queue_id = vmq_rxq_shmem_id(q),
		.usage = VMQ_SHMEM_USAGE_RECEIVE,
		.node = NUMA_NO_NODE,
		.length = pool->umem->size,
	};
	struct vmq_port_rx *rx = q->port->rx;
	struct device *dma_dev = vmq_shmem_dma_device(rx->shmem);
	struct vmq_rxq_xsk *x;
	bool was_on;
	int err;

	/* The default queue takes every MAC the filters do not: it is the
	 * port's, not a VM's. Copy mode still binds there.
	 */
	if (!q->ring)
		return -EOPNOTSUPP;
	if (q->owner || q->xsk)
		return -EBUSY;
	/* Allocation completes at the port's next open. */
	if (!vmq_rxq_has_mem(q))
		return -ENETDOWN;
	if (q->mem.la_size)
		return -EOPNOTSUPP;

	x = kvzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	x->pool = pool;
	x->frame_size = xsk_pool_get_rx_frame_size(pool);
	err = xsk_pool_dma_map(pool, dma_dev, DMA_ATTR_SKIP_CPU_SYNC);
	if (err)
		goto err_free;
	err = vmq_shmem_alloc_from(rx->shmem, &params, &prov,
				   &x->umem.alloc_handle);
	if (err)
		goto err_unmap;
	x->umem.vaddr = params.vaddr;
	x->umem.sgt = params.sgt;
	x->umem.shmem_handle = params.shmem_handle;
	x->umem.length = params.length;

	was_on = q->napi_on;
	vmq_rxq_quiesce(q);
	xdp_rxq_info_unreg_mem_model(&q->xdp_rxq);
	/* Cannot fail: no allocator to register for this type. */
	WARN_ON(xdp_rxq_info_reg_mem_model(&q->xdp_rxq,
					   MEM_TYPE_XSK_BUFF_POOL, NULL));
	xsk_pool_set_rxq_info(pool, &q->xdp_rxq);
	spin_lock_bh(&q->lock);
	q->xsk = x;
	spin_unlock_bh(&q->lock);
	WRITE_ONCE(q->xsk_bytes, x->umem.length);
	if (was_on)
		vmq_rxq_start(q);
	return 0;

err_unmap:
	xsk_pool_dma_unmap(pool, DMA_ATTR_SKIP_CPU_SYNC);
err_free:
	kvfree(x);
	return err;
}

/* FREE_QUEUE's order for the UMEM: DMA stops and NAPI drains (the socket
 * gets what was written), the posted buffers go back to the pool, and
 * only then is the block freed. The queue goes on with its own buffers.
 */
static void vmq_xsk_disable(struct vmq_rxq *q)
{
	struct vmq_rxq_xsk *x = q->xsk;
	bool was_on = q->napi_on;

	if (!x)
		return;
	vmq_rxq_quiesce(q);
	WRITE_ONCE(q->xsk_bytes, 0);
	spin_lock_bh(&q->lock);
	q->xsk = NULL;
	spin_unlock_bh(&q->lock);
	xdp_rxq_info_unreg_mem_model(&q->xdp_rxq);
	WARN_ON(xdp_rxq_info_reg_mem_model(&q->xdp_rxq, MEM_TYPE_PAGE_SHARED,
					   NULL));
	vmq_rxq_blk_free(q, &x->umem);
	xsk_pool_dma_unmap(x->pool, DMA_ATTR_SKIP_CPU_SYNC);
	kvfree(x);
	if (was_on)
		vmq_rxq_start(q);
}

/**
 * vmq_xsk_setup() - XDP_SETUP_XSK_POOL: bind or unbind a socket's pool
 * @port: the port
 * @pool: the pool to bind, or NULL to unbind
 * @queue_id: the RX ring
 *
 * Unbinding cannot fail: the core has no way back from it.
 *
 * Context: RTNL.
 * Return: 0; -EINVAL for a ring that does not exist; -EOPNOTSUPP for the
 * default queue or lookahead split; -EBUSY for a queue a macvlan owns or
 * one already bound; -ENETDOWN for a queue whose allocation has not
 * completed (the port has been down since it was allocated); the
 * budget's -ENOSPC for a UMEM that does not fit; -ENOMEM.
 */
int vmq_xsk_setup(struct vmq_port *port, struct xsk_buff_pool *pool,
		  u16 queue_id)
{
	struct vmq_port_rx *rx = port->rx;

	ASSERT_RTNL();
	if (!pool) {
		if (queue_id < VMQ_QUEUES_MAX)
			vmq_xsk_disable(&rx->q[queue_id]);
		return 0;
	}
	if (queue_id >= rx->netdev->real_num_rx_queues)
		return -EINVAL;
	return vmq_xsk_enable(&rx->q[queue_id], pool);
}

/**
 * vmq_xsk_wakeup() - ndo_xsk_wakeup: the socket's owner filled a ring
 * @netdev: the port
 * @queue_id: the socket's ring
 * @flags: XDP_WAKEUP_RX and/or XDP_WAKEUP_TX; NAPI does both
 *
 * Context: process context (sendmsg, recvmsg, poll), under RCU.
 * Return: 0; -ENETDOWN if the port or the queue is not running; -EINVAL
 * for a ring with no socket in zero-copy mode.
 */
int vmq_xsk_wakeup(struct net_device *netdev, u32 queue_id, u32 flags)
{
	struct vmq_port_rx *rx = vmq_netdev_port(netdev)->rx;
	struct vmq_rxq *q;

	if (!netif_running(netdev))
		return -ENETDOWN;
	if (queue_id >= netdev->real_num_rx_queues)
		return -EINVAL;
	q = &rx->q[queue_id];
	if (!READ_ONCE(q->xsk))
		return -EINVAL;
	vmq_xsk_kick(q);
	return 0;
}
