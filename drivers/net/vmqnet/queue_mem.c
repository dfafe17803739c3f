// SPDX-License-Identifier: GPL-2.0
/*
 * A VM queue's shared memory: its layout (descriptor ring, receive
 * buffers, post-lookahead buffers), allocating and freeing it, swapping it
 * under the producer lock, and starting and quiescing the device and NAPI
 * around it; ethtool -G, which lays out every queue again. queue.c decides
 * when, from the queue's state.
 *
 * Every function here runs in process context under RTNL, or while the
 * port's netdev is not registered.
 */

#include <linux/bpf.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "compat.h"
#include "rxq.h"

static int vmq_rxq_blk_alloc(struct vmq_rxq *q, struct vmq_rxq_blk *blk,
			     enum vmq_shmem_usage usage, size_t length,
			     bool contiguous)
{
	struct vmq_shmem_params params = {
		.flags = contiguous ? VMQ_SHMEM_F_CONTIGUOUS : 0,
		.queue_id = vmq_rxq_shmem_id(q),
		.usage = usage,
		.node = NUMA_NO_NODE,
		.length = length,
	};
	int err;

	err = vmq_shmem_alloc(q->port->rx->shmem, &params, &blk->alloc_handle);
	if (err)
		return err;
	blk->vaddr = params.vaddr;
	blk->sgt = params.sgt;
	blk->shmem_handle = params.shmem_handle;
	blk->length = length;
	return 0;
}

/**
 * vmq_rxq_blk_free() - free a block of a queue, if it has one
 * @q: the queue
 * @blk: the block, cleared on return
 */
void vmq_rxq_blk_free(struct vmq_rxq *q, struct vmq_rxq_blk *blk)
{
	/* Our own handle: only a vmqnet bug can make this fail. */
	if (blk->vaddr)
		WARN_ON(vmq_shmem_free(q->port->rx->shmem, blk->alloc_handle));
	*blk = (struct vmq_rxq_blk){};
}

/* The three blocks of a queue laid out as @m: its descriptor ring, its
 * buffers (the lookahead parts under a split), and its post-lookahead
 * buffers (only under a split).
 */
static size_t vmq_rxq_ring_len(const struct vmq_rxq_mem *m)
{
	return (size_t)m->nbufs * sizeof(struct vmq_rx_desc);
}

static size_t vmq_rxq_bufs_len(const struct vmq_rxq_mem *m)
{
	return (size_t)vmq_rxq_mem_slots(m) * vmq_rxq_mem_stride(m);
}

static size_t vmq_rxq_post_len(const struct vmq_rxq_mem *m)
{
	return m->la_size ? (size_t)vmq_rxq_mem_slots(m) * m->buf_stride : 0;
}

static const char * const vmq_rx_mode_names[] = {
	[VMQ_RX_LEND]		= "lend",
	[VMQ_RX_COPY_OFF]	= "copy:off",
	[VMQ_RX_COPY_CONTIG]	= "copy:contiguous",
	[VMQ_RX_COPY_BUF_SIZE]	= "copy:buf_size",
	[VMQ_RX_COPY_PROVIDER]	= "copy:provider",
	[VMQ_RX_COPY_NOMEM]	= "copy:nomem",
};

/**
 * vmq_rx_mode_name() - how a queue indicates frames, for debugfs
 * @q: the queue
 *
 * Return: "xsk" while an AF_XDP socket is bound, else "lend", or "copy:"
 * and the reason it does not lend.
 */
const char *vmq_rx_mode_name(const struct vmq_rxq *q)
{
	u8 mode = READ_ONCE(q->mem.mode);

	if (READ_ONCE(q->xsk))
		return "xsk";
	return mode < ARRAY_SIZE(vmq_rx_mode_names) ?
	       vmq_rx_mode_names[mode] : "?";
}

/**
 * vmq_rxq_mem_plan() - decide whether a queue laid out as @m will lend
 * @vdev: its device
 * @m: the layout: nbufs, buf_size, la_size and contiguous set
 *
 * Sets @m->mode, @m->buf_stride and @m->spares, which the size of its
 * buffer blocks depends on: a queue that will lend gets a spare for each
 * of its descriptors, up to VMQ_RX_SPARES_MAX, and its buffers spread out
 * so that none crosses a page (Documentation/vmqnet.rst, "Lending
 * receive buffers"). The
 * provider is checked again once the blocks exist (vmq_rxq_mem_alloc()).
 */
void vmq_rxq_mem_plan(const struct vmq_dev *vdev, struct vmq_rxq_mem *m)
{
	m->spares = 0;
	m->buf_stride = m->buf_size;
	/* An XDP frame is a page: its headroom, the frame, and room at the
	 * end for the skb_shared_info of an skb built on it (xdp.c).
	 */
	m->headroom = m->xdp_prog ? XDP_PACKET_HEADROOM : 0;
	if (m->xdp_prog)
		m->buf_stride = PAGE_SIZE;
	if (!READ_ONCE(vdev->rx_lend))
		m->mode = VMQ_RX_COPY_OFF;
	else if (m->contiguous)
		m->mode = VMQ_RX_COPY_CONTIG;
	else if (m->buf_size > PAGE_SIZE)
		m->mode = VMQ_RX_COPY_BUF_SIZE;
	else if (!vmq_shmem_pool_lends(vdev->shmem))
		m->mode = VMQ_RX_COPY_PROVIDER;
	else
		m->mode = VMQ_RX_LEND;
	/* Spares cover what the stack holds at once, not the ring: a queue
	 * of thousands of descriptors would otherwise double its memory
	 * and take from the budget ethtool -G grows into.
	 */
	if (m->mode != VMQ_RX_LEND)
		return;
	m->spares = min_t(u32, m->nbufs, VMQ_RX_SPARES_MAX);
	/* 1536-byte buffers two to a page, 2048 bytes apart. */
	if (!m->xdp_prog)
		m->buf_stride = PAGE_SIZE / (PAGE_SIZE / m->buf_size);
}

/* Post buffer i at descriptor i: the state of a queue's ring before its
 * first frame, whether it lends or not.
 */
static void vmq_rxq_ring_post(struct vmq_rxq_mem *m)
{
	struct vmq_rx_desc *ring = m->ring.vaddr;
	u32 i;

	for (i = 0; i < m->nbufs; i++)
		ring[i].offset = cpu_to_le32(i * vmq_rxq_mem_stride(m));
}

/**
 * vmq_rxq_mem_units() - shared memory units a queue laid out as @m takes
 * @m: the layout: nbufs, buf_size, la_size and spares (vmq_rxq_mem_plan())
 *	set
 *
 * Return: what vmq_rxq_mem_alloc() charges the budget for it.
 */
u64 vmq_rxq_mem_units(const struct vmq_rxq_mem *m)
{
	return (u64)vmq_shmem_units(vmq_rxq_ring_len(m)) +
	       vmq_shmem_units(vmq_rxq_bufs_len(m)) +
	       vmq_shmem_units(vmq_rxq_post_len(m));
}

/* Allocate the memory of @q laid out from the device's parameters as they
 * are now and the port's buffer count, into @m; all or nothing.
 */
int vmq_rxq_mem_alloc(struct vmq_rxq *q, struct vmq_rxq_mem *m)
{
	struct vmq_dev *vdev = q->port->vdev;
	struct vmq_rxq_blk *data;
	int err;

	*m = (struct vmq_rxq_mem){
		.nbufs = q->port->rx->nbufs,
		.buf_size = vdev->rx_buffer_size,
		.la_size = vdev->rx_lookahead_split ?
			   vdev->rx_lookahead_size : 0,
		.contiguous = vdev->rx_contiguous,
		.xdp_prog = q->port->rx->xdp_prog,
	};
	vmq_rxq_mem_plan(vdev, m);

	/* The ring is written descriptor by descriptor, as a device would:
	 * always contiguous, whatever the buffers are.
	 */
	err = vmq_rxq_blk_alloc(q, &m->ring, VMQ_SHMEM_USAGE_OTHER,
				vmq_rxq_ring_len(m), true);
	if (err)
		return err;
	if (!m->la_size) {
		err = vmq_rxq_blk_alloc(q, &m->bufs, VMQ_SHMEM_USAGE_RECEIVE,
					vmq_rxq_bufs_len(m), m->contiguous);
		if (err)
			goto err_ring;
		goto lend;
	}

	err = vmq_rxq_blk_alloc(q, &m->bufs, VMQ_SHMEM_USAGE_RECEIVE_LOOKAHEAD,
				vmq_rxq_bufs_len(m), m->contiguous);
	if (err)
		goto err_ring;
	/* Each post-lookahead buffer starts with la_size bytes of back-fill
	 * room, where the lookahead part fits in front of the rest to make
	 * the whole frame contiguous: buf_size bytes, as without the split.
	 */
	err = vmq_rxq_blk_alloc(q, &m->post,
				VMQ_SHMEM_USAGE_RECEIVE_POST_LOOKAHEAD,
				vmq_rxq_post_len(m), m->contiguous);
	if (err)
		goto err_bufs;

lend:
	vmq_rxq_ring_post(m);
	if (m->mode != VMQ_RX_LEND)
		return 0;
	/* Lending is a way to indicate frames, not a need: a queue that
	 * cannot lend copies, with its spares unused but still its own.
	 */
	data = m->la_size ? &m->post : &m->bufs;
	if (!vmq_shmem_block_lendable(q->port->rx->shmem, data->alloc_handle))
		m->mode = VMQ_RX_COPY_PROVIDER;
	else if (vmq_rx_lend_init(m, data))
		m->mode = VMQ_RX_COPY_NOMEM;
	return 0;

err_bufs:
	vmq_rxq_blk_free(q, &m->bufs);
err_ring:
	vmq_rxq_blk_free(q, &m->ring);
	return err;
}

/* Free memory that is out of the device's and NAPI's hands (quiesced, or
 * never started). A lending queue's buffer blocks are freed only once the
 * stack has given back what it was lent, or the wait for it ran out and
 * the pages it holds were handed off to it (rx.c vmq_rx_lend_fini()).
 */
void vmq_rxq_mem_free(struct vmq_rxq *q, struct vmq_rxq_mem *m)
{
	if (m->lend)
		vmq_rx_lend_fini(q, m, READ_ONCE(q->port->vdev->rx_lend_wait_ms));
	vmq_rxq_blk_free(q, &m->post);
	vmq_rxq_blk_free(q, &m->bufs);
	vmq_rxq_blk_free(q, &m->ring);
}

/* Give @q the memory @m (or none), returning what it had in @old. The
 * producer reads the layout only under the queue's lock, so a frame is
 * written into either the old memory or the new, never into a mix, and
 * never into memory already freed. DMA is off and NAPI disabled.
 */
void vmq_rxq_mem_swap(struct vmq_rxq *q, const struct vmq_rxq_mem *m,
		      struct vmq_rxq_mem *old)
{
	spin_lock_bh(&q->lock);
	*old = q->mem;
	if (m)
		q->mem = *m;
	else
		q->mem = (struct vmq_rxq_mem){};
	q->prod = 0;
	spin_unlock_bh(&q->lock);
	q->cons = 0;
}

/* Free all of @q's memory: its own blocks, then (as leaks) what other
 * clients still hold on it. The pool refuses new blocks for the queue
 * already: vmq_rxq_stop_service() ran.
 */
void vmq_rxq_mem_release(struct vmq_rxq *q, bool halt)
{
	struct vmq_rxq_mem old;

	vmq_rxq_mem_swap(q, NULL, &old);
	vmq_rxq_mem_free(q, &old);
	vmq_shmem_queue_release(q->port->vdev->shmem, vmq_rxq_shmem_id(q),
				halt);
}

/**
 * vmq_queue_shmem_bytes() - shared memory a queue holds
 * @q: the queue
 *
 * Return: the bytes of its blocks (their requested lengths), the UMEM of
 * an AF_XDP socket bound to it among them.
 */
u64 vmq_queue_shmem_bytes(const struct vmq_rxq *q)
{
	return q->mem.ring.length + q->mem.bufs.length + q->mem.post.length +
	       READ_ONCE(q->xsk_bytes);
}

/**
 * vmq_queue_shmem_blocks() - shared memory blocks a queue holds
 * @q: the queue
 *
 * Return: its blocks, the UMEM of an AF_XDP socket bound to it among them.
 */
u32 vmq_queue_shmem_blocks(const struct vmq_rxq *q)
{
	return !!q->mem.ring.vaddr + !!q->mem.bufs.vaddr +
	       !!q->mem.post.vaddr + !!READ_ONCE(q->xsk_bytes);
}

/* Let the device write into the queue and NAPI read it, if the port is up
 * and the queue has memory.
 */
void vmq_rxq_start(struct vmq_rxq *q)
{
	if (q->napi_on || !vmq_rxq_has_mem(q) ||
	    !netif_running(q->port->rx->netdev))
		return;
	vmq_xsk_start(q);
	napi_enable(&q->napi);
	q->napi_on = true;
	/* Ring r is RX queue r, and its NAPI serves it only while enabled:
	 * netdev netlink shows the link, and user space busy polls the
	 * NAPI it names, from now until vmq_rxq_quiesce().
	 */
	vmq_netif_queue_set_napi_rx(q->port->rx->netdev, q->ring, &q->napi);
	vmq_hw_dma_start(q);
	if (q->xsk)
		vmq_xsk_kick(q);
}

/* Stop the device, then let NAPI deliver what it wrote so far and disable
 * it: afterwards the ring is empty, every buffer is back and nothing
 * touches the queue's memory.
 */
void vmq_rxq_quiesce(struct vmq_rxq *q)
{
	vmq_hw_dma_stop(q);
	if (!q->napi_on)
		return;
	/* With DMA off nothing new arrives, so polls end once the ring is
	 * empty; napi_synchronize() waits for that, and napi_disable() for
	 * a poll that a late producer scheduled in between.
	 */
	local_bh_disable();
	napi_schedule(&q->napi);
	local_bh_enable();
	napi_synchronize(&q->napi);
	vmq_netif_queue_set_napi_rx(q->port->rx->netdev, q->ring, NULL);
	napi_disable(&q->napi);
	vmq_hw_irq_fini(q);
	vmq_coal_fini(q);
	q->napi_on = false;
	vmq_xsk_stop(q);
}

/**
 * vmq_queues_relayout() - lay every queue with memory out again
 * @port: the port, whose buffer count or XDP program the new layout
 *	follows
 * @why: the reason of a failure to allocate, for @extack
 * @extack: for the reason of a failure, or NULL
 *
 * Queues with memory switch to new memory: all of it is allocated first,
 * then each queue in turn stops, swaps, starts and frees its old memory,
 * keeping its state and filters. If any allocation fails, nothing
 * changes. Queues without memory take the new layout at allocation
 * complete.
 *
 * Context: RTNL.
 * Return: 0 or a negative errno.
 */
int vmq_queues_relayout(struct vmq_port *port, const char *why,
			struct netlink_ext_ack *extack)
{
	struct vmq_port_rx *rx = port->rx;
	struct vmq_rxq_mem *mem, old;
	unsigned int r;
	int err = 0;

	ASSERT_RTNL();
	mem = kcalloc(VMQ_QUEUES_MAX, sizeof(*mem), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;

	for (r = 0; r < VMQ_QUEUES_MAX; r++) {
		if (!vmq_rxq_has_mem(&rx->q[r]))
			continue;
		err = vmq_rxq_mem_alloc(&rx->q[r], &mem[r]);
		if (err) {
			vmq_queue_refuse(port, r, extack, err, why);
			goto err_free;
		}
	}

	for (r = 0; r < VMQ_QUEUES_MAX; r++) {
		struct vmq_rxq *q = &rx->q[r];
		bool was_on = q->napi_on;

		if (!mem[r].ring.vaddr)
			continue;
		vmq_rxq_quiesce(q);
		vmq_rxq_mem_swap(q, &mem[r], &old);
		if (was_on)
			vmq_rxq_start(q);
		vmq_rxq_mem_free(q, &old);
	}
	kfree(mem);
	return 0;

err_free:
	while (r--)
		vmq_rxq_mem_free(&rx->q[r], &mem[r]);
	kfree(mem);
	return err;
}

/**
 * vmq_queues_set_nbufs() - change the receive buffers per queue (ethtool -G)
 * @port: the port
 * @nbufs: VMQ_RX_BUFS_MIN .. VMQ_RX_BUFS_MAX
 * @extack: for the reason of a failure, or NULL
 *
 * See vmq_queues_relayout(): all queues change, or none.
 *
 * Context: RTNL.
 * Return: 0 or a negative errno.
 */
int vmq_queues_set_nbufs(struct vmq_port *port, u32 nbufs,
			 struct netlink_ext_ack *extack)
{
	static const char why[] =
		"no shared memory for the new receive buffers; old ones kept";
	struct vmq_port_rx *rx = port->rx;
	u32 old_nbufs = rx->nbufs;
	int err;

	ASSERT_RTNL();
	if (nbufs < VMQ_RX_BUFS_MIN || nbufs > VMQ_RX_BUFS_MAX)
		return vmq_queue_refuse(port, 0, extack, -EINVAL,
					"receive buffer count out of range");
	rx->nbufs = nbufs;
	err = vmq_queues_relayout(port, why, extack);
	if (err)
		rx->nbufs = old_nbufs;
	return err;
}
