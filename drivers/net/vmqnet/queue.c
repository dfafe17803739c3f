// SPDX-License-Identifier: GPL-2.0
/*
 * VM queues: the NDIS queue lifecycle on the RX rings of a port.
 *
 * rxq.h describes the objects, the states and when a
 * queue holds shared memory. This file moves queues through their states
 * (with vmq_queue_next_state(), which alone decides what is legal), gives
 * them and takes back their shared memory, and starts and stops their
 * "DMA" and NAPI; hw.c and rx.c are the data path that runs in between.
 *
 * Every function here runs in process context under RTNL, except
 * vmq_queues_create() and vmq_queues_destroy(), which run while the
 * netdev is not registered, and vmq_queue_shmem_valid(), the pool's hook.
 */

#include <linux/bitops.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "compat.h"
#include "rxq.h"

/**
 * vmq_queue_refuse() - refuse a request on a queue, saying why
 * @port: the port
 * @ring: the queue the request was about
 * @extack: the request's extack, or NULL
 * @err: the error to return
 * @why: the reason, a static string
 *
 * The reason goes to @extack when the request has one. ethtool's channel
 * and rxnfc ops carry none in 6.1, so the kernel log (ratelimited) names
 * the queue and the reason as well. Most reasons are string literals, but
 * those of the filter table and the state machine are chosen at run time,
 * hence vmq_extack_set() rather than NL_SET_ERR_MSG_MOD().
 *
 * Return: @err.
 */
int vmq_queue_refuse(struct vmq_port *port, unsigned int ring,
		     struct netlink_ext_ack *extack, int err, const char *why)
{
	vmq_extack_set(extack, why);
	if (net_ratelimit())
		netdev_info(port->rx->netdev, "queue %u: %s (%pe)\n", ring, why,
			    ERR_PTR(err));
	return err;
}

/* Where the transition @ev takes the queue, in @next; refuse it if it
 * may not be taken from the queue's state.
 */
static int vmq_rxq_next_state(struct vmq_rxq *q, enum vmq_queue_event ev,
			      enum vmq_queue_state *next,
			      struct netlink_ext_ack *extack)
{
	const char *why;
	int err;

	err = vmq_queue_next_state(q->state, ev, next, &why);
	if (err)
		return vmq_queue_refuse(q->port, q->ring, extack, err, why);
	return 0;
}

/* Whether the queue's state allows the transition @ev; refuse it if not. */
static int vmq_rxq_event_check(struct vmq_rxq *q, enum vmq_queue_event ev,
			       struct netlink_ext_ack *extack)
{
	enum vmq_queue_state next;

	return vmq_rxq_next_state(q, ev, &next, extack);
}

/* Take the transition @ev from the queue's state, or refuse it: the one
 * place a queue's state changes. Operations that have work to do between
 * the check and the change (memory to allocate, a filter to publish) call
 * vmq_rxq_event_check() first, and this once the work is done.
 */
static int vmq_rxq_event(struct vmq_rxq *q, enum vmq_queue_event ev,
			 struct netlink_ext_ack *extack)
{
	enum vmq_queue_state next;
	int err;

	err = vmq_rxq_next_state(q, ev, &next, extack);
	if (!err)
		WRITE_ONCE(q->state, next);
	return err;
}

/* Queue @ring of @port if the event @ev may be taken from its state, or
 * an ERR_PTR: -EINVAL for a ring out of range, or the state machine's.
 */
static struct vmq_rxq *vmq_rxq_at(struct vmq_port *port, unsigned int ring,
				  enum vmq_queue_event ev,
				  struct netlink_ext_ack *extack)
{
	int err;

	if (ring >= VMQ_QUEUES_MAX)
		return ERR_PTR(vmq_queue_refuse(port, ring, extack, -EINVAL,
						"no such ring"));
	err = vmq_rxq_event_check(&port->rx->q[ring], ev, extack);
	return err ? ERR_PTR(err) : &port->rx->q[ring];
}

/**
 * vmq_rx_params_init() - default receive parameters of a device
 * @vdev: the device
 *
 * The values devlink params start from; allocation complete reads them.
 */
void vmq_rx_params_init(struct vmq_dev *vdev)
{
	vdev->rx_lookahead_split = false;
	vdev->rx_lookahead_size = VMQ_LOOKAHEAD_DEFAULT;
	vdev->rx_buffer_size = VMQ_RX_BUF_SIZE_DEFAULT;
	vdev->rx_contiguous = false;
	vdev->rx_lend = true;
	vdev->rx_lend_wait_ms = VMQ_RX_LEND_WAIT_MS;
}

/**
 * vmq_queue_shmem_state() - the shared memory pool's queue check
 * @priv: the struct vmq_dev
 * @queue_id: a shared memory queue ID
 *
 * Context: any; under the pool lock.
 * Return: VMQ_SHMEM_Q_LIVE from vmq_queue_alloc() until FREE_QUEUE (or
 * the halt) stops the queue's DMA, VMQ_SHMEM_Q_FREEING from then until its
 * memory is gone, VMQ_SHMEM_Q_NONE otherwise.
 */
enum vmq_shmem_qstate vmq_queue_shmem_state(void *priv, u32 queue_id)
{
	struct vmq_dev *vdev = priv;

	if (queue_id >= VMQ_PORTS_MAX * VMQ_QUEUES_MAX ||
	    !test_bit(queue_id, vdev->rx_queues))
		return VMQ_SHMEM_Q_NONE;
	return test_bit(queue_id, vdev->rx_queues_live) ? VMQ_SHMEM_Q_LIVE :
							  VMQ_SHMEM_Q_FREEING;
}

/* ---- The NDIS lifecycle ---------------------------------------------- */

/* Steps 1 and 2 of FREE_QUEUE (@ev VMQ_QE_FREE) and of a halt
 * (VMQ_QE_HALT): stop DMA, then DMA stopped. From here on the pool refuses
 * new blocks for the queue. The state is readable without RTNL (debugfs)
 * while the free waits for NAPI.
 */
static void vmq_rxq_stop_service(struct vmq_rxq *q, enum vmq_queue_event ev)
{
	vmq_hw_dma_stop(q);
	clear_bit(vmq_rxq_shmem_id(q), q->port->vdev->rx_queues_live);
	WARN_ON(vmq_rxq_event(q, ev, NULL));
}

/* The rest of FREE_QUEUE and of a halt: NAPI returns every buffer
 * (Freeing), the memory goes, and the queue is Undefined.
 */
static void vmq_rxq_retire(struct vmq_rxq *q, bool halt)
{
	vmq_rxq_quiesce(q);
	WARN_ON(vmq_rxq_event(q, VMQ_QE_BUFFERS_BACK, NULL));
	vmq_rxq_mem_release(q, halt);
	clear_bit(vmq_rxq_shmem_id(q), q->port->vdev->rx_queues);
	WARN_ON(vmq_rxq_event(q, VMQ_QE_FREED, NULL));
}

/**
 * vmq_queue_alloc() - allocate a VM queue (OID_RECEIVE_FILTER_ALLOCATE_QUEUE)
 * @port: the port
 * @ring: the ring it is, < VMQ_QUEUES_MAX
 * @extack: for the reason of a refusal, or NULL
 *
 * The queue is Allocated and exists for the shared memory pool; it has no
 * memory until vmq_queue_complete(). The caller keeps the netdev's
 * real_num_rx_queues above @ring.
 *
 * Context: RTNL, or the port's netdev not registered.
 * Return: 0, -EINVAL for a ring out of range, -EBUSY if it exists,
 * -ENOSPC beyond the devlink resource vm_queues.
 */
int vmq_queue_alloc(struct vmq_port *port, unsigned int ring,
		    struct netlink_ext_ack *extack)
{
	struct vmq_rxq *q;

	q = vmq_rxq_at(port, ring, VMQ_QE_ALLOC, extack);
	if (IS_ERR(q))
		return PTR_ERR(q);
	/* The devlink resource vm_queues caps VM queues device-wide. */
	if (ring && vmq_vm_queues_occupancy(port->vdev) >=
		    port->vdev->vm_queues_max)
		return vmq_queue_refuse(port, ring, extack, -ENOSPC,
					"vm_queues resource exhausted");
	set_bit(vmq_rxq_shmem_id(q), port->vdev->rx_queues);
	set_bit(vmq_rxq_shmem_id(q), port->vdev->rx_queues_live);
	return vmq_rxq_event(q, VMQ_QE_ALLOC, extack);
}

/**
 * vmq_queue_complete() - OID_RECEIVE_FILTER_QUEUE_ALLOCATION_COMPLETE
 * @port: the port
 * @ring: an Allocated or Set queue
 * @extack: for the reason of a failure, or NULL
 *
 * Allocates the queue's shared memory with the device's receive parameters
 * as they are now: Allocated -> Paused, Set -> Running. DMA starts at once
 * if the port is up, else at open. On failure the queue keeps its state
 * and has no memory.
 *
 * Context: RTNL, or the port's netdev not registered.
 * Return: 0, -EINVAL if the state does not allow it, or the allocator's
 * error (-ENOSPC: shared_memory budget exhausted, -ENOMEM).
 */
int vmq_queue_complete(struct vmq_port *port, unsigned int ring,
		       struct netlink_ext_ack *extack)
{
	struct vmq_rxq *q = &port->rx->q[ring];
	struct vmq_rxq_mem m, old;
	int err;

	err = vmq_rxq_event_check(q, VMQ_QE_ALLOC_COMPLETE, extack);
	if (err)
		return err;
	err = vmq_rxq_mem_alloc(q, &m);
	if (err == -ENOSPC)
		return vmq_queue_refuse(port, ring, extack, err,
					"shared_memory budget exhausted");
	if (err)
		return vmq_queue_refuse(port, ring, extack, err,
					"shared memory allocation failed");
	vmq_rxq_mem_swap(q, &m, &old);
	WARN_ON(vmq_rxq_event(q, VMQ_QE_ALLOC_COMPLETE, NULL));
	vmq_rxq_start(q);
	return 0;
}

/* The end of a queue without the state machine: the port halts. All of
 * its memory goes; what another client still holds on a VM queue is that
 * client's leak, reported as the device halting.
 */
static void vmq_rxq_halt(struct vmq_rxq *q)
{
	vmq_rxq_stop_service(q, VMQ_QE_HALT);
	vmq_rxq_retire(q, true);
}

/**
 * vmq_queue_free() - free a VM queue (OID_RECEIVE_FILTER_FREE_QUEUE)
 * @port: the port
 * @ring: an Allocated or Paused VM queue (no filters left)
 * @extack: for the reason of a refusal, or NULL
 *
 * In NDIS order: DMA stops (no frame is written into the queue's memory
 * from then on), the queue is DMA stopped (logged, and shown by debugfs),
 * NAPI returns every buffer, dropping what is left (a queue without
 * filters indicates nothing), and is disabled (Freeing), all of the
 * queue's shared memory is freed, blocks other clients left on it as
 * their leak, and the queue is Undefined.
 *
 * Context: RTNL.
 * Return: 0, -EINVAL for the default queue or a queue that does not
 * exist, -EBUSY if it has filters, is being freed or has an AF_XDP socket
 * bound.
 */
int vmq_queue_free(struct vmq_port *port, unsigned int ring,
		   struct netlink_ext_ack *extack)
{
	struct vmq_rxq *q;

	if (!ring)
		return vmq_queue_refuse(port, ring, extack, -EINVAL,
					"the default queue is never freed");
	q = vmq_rxq_at(port, ring, VMQ_QE_FREE, extack);
	if (IS_ERR(q))
		return PTR_ERR(q);
	/* The socket's UMEM is a block of the queue: freeing the queue would
	 * free it under the socket, which the core only unbinds itself.
	 */
	if (q->xsk)
		return vmq_queue_refuse(port, ring, extack, -EBUSY,
					"an AF_XDP socket is bound to the queue");
	vmq_rxq_stop_service(q, VMQ_QE_FREE);
	/* The one queue state change NDIS requires a miniport to indicate;
	 * a halt, which ends every queue at once, does not.
	 */
	netdev_info(port->rx->netdev,
		    "queue %u: DMA stopped; waiting for its receive buffers\n",
		    ring);
	vmq_rxq_retire(q, false);
	return 0;
}

/**
 * vmq_queue_restart_check() - whether a queue's memory may be replaced
 * @port: the port
 * @ring: the queue
 *
 * A queue restart (queue_mgmt.c) gives a queue new shared memory while it
 * keeps its state and filters: only a Running queue, which has memory and
 * receives. The reason of a refusal is logged.
 *
 * Context: RTNL.
 * Return: 0, -EINVAL for a ring that does not exist, a queue without
 * memory yet (Allocated, Set) or a Paused one, -EBUSY for a queue being
 * freed.
 */
int vmq_queue_restart_check(struct vmq_port *port, unsigned int ring)
{
	struct vmq_rxq *q;

	ASSERT_RTNL();
	q = vmq_rxq_at(port, ring, VMQ_QE_RESTART, NULL);
	if (IS_ERR(q))
		return PTR_ERR(q);
	/* Running without memory only between a restart's stop and start. */
	if (WARN_ON_ONCE(!vmq_rxq_has_mem(q)))
		return -EINVAL;
	return 0;
}

/* ---- Filters ----------------------------------------------------------- */

/* Publish the table to the receive path. */
static int vmq_filters_publish(struct vmq_port_rx *rx, gfp_t gfp)
{
	struct vmq_filter_snap *snap, *old;

	snap = vmq_filter_snap_build(&rx->filters, gfp);
	if (!snap)
		return -ENOMEM;
	old = rcu_replace_pointer(rx->snap, snap, lockdep_rtnl_is_held());
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * vmq_queue_filter_set() - add a receive filter (OID_RECEIVE_FILTER_SET_FILTER)
 * @port: the port
 * @f: the filter; f->queue is an existing VM queue
 * @loc: its location, or VMQ_FILTER_LOC_ANY
 * @extack: for the reason of a refusal, or NULL
 *
 * The queue goes Allocated/Set -> Set or Running/Paused -> Running.
 *
 * Context: RTNL.
 * Return: the location, or -EINVAL (bad filter or queue, or a queue
 * being freed), -EEXIST (duplicate, or the location is taken), -ENOSPC
 * (table full), -ENOMEM.
 */
int vmq_queue_filter_set(struct vmq_port *port, const struct vmq_filter *f,
			 u32 loc, struct netlink_ext_ack *extack)
{
	struct vmq_port_rx *rx = port->rx;
	const char *why;
	struct vmq_rxq *q;
	int err, at;

	ASSERT_RTNL();
	if (!f->queue || f->queue >= rx->netdev->real_num_rx_queues)
		return vmq_queue_refuse(port, f->queue, extack, -EINVAL,
					"filters steer to an existing VM queue, not the default queue");
	q = &rx->q[f->queue];
	err = vmq_filter_validate(f, &why);
	if (err)
		return vmq_queue_refuse(port, f->queue, extack, err, why);
	err = vmq_rxq_event_check(q, VMQ_QE_FILTER_SET, extack);
	if (err)
		return err;

	at = vmq_filter_add(&rx->filters, f, loc, &why);
	if (at < 0)
		return vmq_queue_refuse(port, f->queue, extack, at, why);
	err = vmq_filters_publish(rx, GFP_KERNEL);
	if (err) {
		vmq_filter_del(&rx->filters, at, NULL);
		return err;
	}
	WARN_ON(vmq_rxq_event(q, VMQ_QE_FILTER_SET, NULL));
	return at;
}

/* The queue's last filter is gone: Set -> Allocated or Running -> Paused,
 * and "a miniport driver must not indicate packets on a nondefault queue
 * if it has completed the OID_RECEIVE_FILTER_CLEAR_FILTER request to clear
 * the last filter on the queue". Under the producer lock, so that the
 * device writes nothing more into the queue (hw.c sends it to the default
 * queue), and with a new epoch, so that NAPI drops what the device wrote
 * before, however late it runs. Once a poll that may have seen the old
 * epoch has ended, nothing of the queue is indicated any more.
 */
static void vmq_rxq_filters_gone(struct vmq_rxq *q)
{
	spin_lock_bh(&q->lock);
	WARN_ON(vmq_rxq_event(q, VMQ_QE_FILTER_CLEARED, NULL));
	WRITE_ONCE(q->epoch, q->epoch + 1);
	spin_unlock_bh(&q->lock);
	synchronize_net();
	/* Return the buffers of what is left, now rather than at the next
	 * frame, which will not come.
	 */
	if (q->napi_on) {
		local_bh_disable();
		napi_schedule(&q->napi);
		local_bh_enable();
	}
}

/**
 * vmq_queue_filter_clear() - remove a filter (OID_RECEIVE_FILTER_CLEAR_FILTER)
 * @port: the port
 * @loc: the filter's location
 * @extack: for the reason of a refusal, or NULL
 *
 * Clearing the last filter of a queue takes it Set -> Allocated or
 * Running -> Paused: from then on its frames go to the default queue, and
 * frames still in its ring are dropped (drops_paused), not indicated.
 * It cannot fail but for a filter that is not there, as CLEAR_FILTER
 * cannot: callers undoing their own filters rely on that.
 *
 * Context: RTNL.
 * Return: 0, or -ENOENT if there is no filter at @loc.
 */
int vmq_queue_filter_clear(struct vmq_port *port, u32 loc,
			   struct netlink_ext_ack *extack)
{
	struct vmq_port_rx *rx = port->rx;
	struct vmq_filter old;

	ASSERT_RTNL();
	if (vmq_filter_del(&rx->filters, loc, &old))
		return vmq_queue_refuse(port, 0, extack, -ENOENT,
					"no filter at that location");
	/* A snapshot of at most VMQ_FILTERS_MAX entries, a few hundred
	 * bytes: worth waiting for rather than leaving a filter behind.
	 */
	WARN_ON(vmq_filters_publish(rx, GFP_KERNEL | __GFP_NOFAIL));
	if (!vmq_filter_queue_count(&rx->filters, old.queue))
		vmq_rxq_filters_gone(&rx->q[old.queue]);
	return 0;
}

/* ---- The queues of a port ---------------------------------------------- */

/* Complete the allocation of queues [from, to) that wait for it, as one
 * batch with a status per queue: each failure is logged with its queue,
 * and the others complete all the same. Return: the first error.
 */
static int vmq_queues_complete(struct vmq_port *port, unsigned int from,
			       unsigned int to)
{
	unsigned int r;
	int err = 0;

	for (r = from; r < to; r++) {
		enum vmq_queue_state s = port->rx->q[r].state;

		if (s == VMQ_QS_ALLOCATED || s == VMQ_QS_SET)
			err = vmq_queue_complete(port, r, NULL) ?: err;
	}
	return err;
}

/* Free VM queues [from, to), highest first, whatever their filters: for
 * undoing a grow, where none can have any yet.
 */
static void vmq_queues_free_range(struct vmq_port *port, unsigned int from,
				  unsigned int to)
{
	while (to-- > from)
		vmq_queue_free(port, to, NULL);
}

/**
 * vmq_queues_set_count() - change the number of RX rings (ethtool -L)
 * @port: the port
 * @nr: the new number of queues, 1 .. VMQ_QUEUES_MAX
 * @extack: for the reason of a refusal, or NULL
 *
 * Growing allocates the new queues and, if the port is up, completes their
 * allocation as one batch; if any of them fails, they are all freed again
 * and the old configuration stays as it was. Shrinking frees the removed
 * queues in NDIS order, and is refused as a whole if one of them has
 * filters or belongs to a macvlan.
 *
 * Context: RTNL.
 * Return: 0 or a negative errno.
 */
int vmq_queues_set_count(struct vmq_port *port, unsigned int nr,
			 struct netlink_ext_ack *extack)
{
	struct net_device *netdev = port->rx->netdev;
	unsigned int old = netdev->real_num_rx_queues, r;
	int err;

	ASSERT_RTNL();
	if (!nr || nr > VMQ_QUEUES_MAX)
		return vmq_queue_refuse(port, nr, extack, -EINVAL,
					"queue count out of range");

	for (r = nr; r < old; r++) {
		struct vmq_rxq *q = &port->rx->q[r];

		if (vmq_filter_queue_count(&port->rx->filters, r))
			return vmq_queue_refuse(port, r, extack, -EBUSY,
						"queue still has filters");
		if (q->owner)
			return vmq_queue_refuse(port, r, extack, -EBUSY,
						"queue belongs to a macvlan");
	}
	if (nr < old) {
		vmq_queues_free_range(port, nr, old);
		return netif_set_real_num_rx_queues(netdev, nr);
	}

	for (r = old; r < nr; r++) {
		err = vmq_queue_alloc(port, r, extack);
		if (err)
			goto err_free;
	}
	err = netif_set_real_num_rx_queues(netdev, nr);
	if (err)
		goto err_free;
	if (netif_running(netdev)) {
		err = vmq_queues_complete(port, old, nr);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack,
					   "allocation complete failed for a new queue (see the kernel log); queue count unchanged");
			goto err_real;
		}
	}
	return 0;

err_real:
	vmq_queues_free_range(port, old, nr);
	netif_set_real_num_rx_queues(netdev, old);
	return err;
err_free:
	vmq_queues_free_range(port, old, r);
	return err;
}

/**
 * vmq_queues_open() - the port comes up (ndo_open)
 * @port: the port
 *
 * Allocation completes for the queues that waited for it; a queue whose
 * completion fails stays Allocated/Set (logged) and waits for the next
 * open, it does not keep the port down. Then DMA and NAPI start on every
 * queue with memory.
 *
 * Context: RTNL.
 * Return: 0.
 */
int vmq_queues_open(struct vmq_port *port)
{
	unsigned int r;

	if (vmq_queues_complete(port, 0, VMQ_QUEUES_MAX))
		netdev_warn(port->rx->netdev,
			    "queues whose allocation did not complete wait for the next open\n");
	for (r = 0; r < VMQ_QUEUES_MAX; r++)
		vmq_rxq_start(&port->rx->q[r]);
	return 0;
}

/**
 * vmq_queues_stop() - the port goes down (ndo_stop)
 * @port: the port
 *
 * DMA stops on every queue and NAPI delivers what was written and is
 * disabled. Queues keep their memory, state and filters.
 *
 * Context: RTNL.
 */
void vmq_queues_stop(struct vmq_port *port)
{
	unsigned int r;

	for (r = 0; r < VMQ_QUEUES_MAX; r++)
		vmq_rxq_quiesce(&port->rx->q[r]);
}

/**
 * vmq_queues_create() - the receive side of a new port
 * @port: the port
 * @netdev: its net_device, allocated and not registered yet
 * @nr: queues to create, 1 .. VMQ_QUEUES_MAX
 *
 * The default queue gets its shared memory now and is Running: it takes
 * every frame no filter claims, as if it had a filter that matches them
 * all. VM queues 1 .. @nr - 1 are Allocated.
 *
 * Return: 0 and port->rx set, or a negative errno with nothing left.
 */
int vmq_queues_create(struct vmq_port *port, struct net_device *netdev,
		      unsigned int nr)
{
	struct vmq_port_rx *rx;
	char name[32];
	unsigned int r;
	int err;

	rx = kzalloc(sizeof(*rx), GFP_KERNEL);
	if (!rx)
		return -ENOMEM;
	rx->netdev = netdev;
	rx->nbufs = VMQ_RX_BUFS_DEFAULT;
	/* As NICs come: DIM finds what suits the machine, TCG or not. */
	rx->coal_adaptive = true;
	atomic64_set(&rx->drops_filtered, 0);
	snprintf(name, sizeof(name), "%s:port%u", VMQ_DRV_NAME, port->index);
	rx->shmem = vmq_shmem_pool_open_own(port->vdev->shmem, name);
	if (IS_ERR(rx->shmem)) {
		err = PTR_ERR(rx->shmem);
		kfree(rx);
		return err;
	}
	for (r = 0; r < VMQ_QUEUES_MAX; r++) {
		struct vmq_rxq *q = &rx->q[r];

		q->port = port;
		q->ring = r;
		spin_lock_init(&q->lock);
		u64_stats_init(&q->stats.napi_syncp);
		u64_stats_init(&q->stats.dev_syncp);
		netif_napi_add(netdev, &q->napi, vmq_rx_poll);
		vmq_hw_irq_init(q);
		vmq_coal_init(q);
		/* Page-backed buffers lent to a redirect target come back
		 * as lent skbs do: through the page's references.
		 */
		err = xdp_rxq_info_reg(&q->xdp_rxq, netdev, r,
				       q->napi.napi_id) ?:
		      xdp_rxq_info_reg_mem_model(&q->xdp_rxq,
						 MEM_TYPE_PAGE_SHARED, NULL);
		if (err)
			goto err_xdp;
	}
	port->rx = rx;

	for (r = 0; r < nr; r++)
		WARN_ON(vmq_queue_alloc(port, r, NULL));
	WARN_ON(vmq_rxq_event(&rx->q[0], VMQ_QE_FILTER_SET, NULL));
	err = vmq_queue_complete(port, 0, NULL);
	if (err) {
		vmq_queues_destroy(port);
		return err;
	}
	return 0;

err_xdp:
	/* Unregistering one that is not registered only warns. */
	if (xdp_rxq_info_is_reg(&rx->q[r].xdp_rxq))
		xdp_rxq_info_unreg(&rx->q[r].xdp_rxq);
	netif_napi_del(&rx->q[r].napi);
	while (r--) {
		xdp_rxq_info_unreg(&rx->q[r].xdp_rxq);
		netif_napi_del(&rx->q[r].napi);
	}
	vmq_shmem_close(rx->shmem);
	kfree(rx);
	return err;
}

/**
 * vmq_queues_destroy() - halt the receive side of a port
 * @port: the port; its netdev is unregistered (so stopped) or was never
 *	registered
 *
 * Every queue, the default one included, loses its shared memory and is
 * Undefined, whatever its filters: the port halts.
 */
void vmq_queues_destroy(struct vmq_port *port)
{
	struct vmq_port_rx *rx = port->rx;
	unsigned int r;

	for (r = VMQ_QUEUES_MAX; r--; ) {
		/* The core unbinds every AF_XDP socket as the port
		 * unregisters: a UMEM still bound would be freed here by
		 * the halt, before its socket's pool.
		 */
		WARN_ON_ONCE(rx->q[r].xsk);
		if (rx->q[r].state != VMQ_QS_UNDEFINED)
			vmq_rxq_halt(&rx->q[r]);
		vmq_hw_irq_fini(&rx->q[r]);
		vmq_coal_fini(&rx->q[r]);
		xdp_rxq_info_unreg(&rx->q[r].xdp_rxq);
		netif_napi_del(&rx->q[r].napi);
	}
	kfree_rcu(rcu_dereference_protected(rx->snap, true), rcu);
	vmq_shmem_close(rx->shmem);
	port->rx = NULL;
	kfree(rx);
}
