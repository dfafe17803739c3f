// SPDX-License-Identifier: GPL-2.0
/*
 * The devlink health reporter "vmq": the VM queues of a device as NDIS
 * would report them.
 *
 *   devlink health diagnose vmqnet/vmqnetN reporter vmq
 *	the capabilities (queues per port, vm_queues, max MAC filters,
 *	lookahead min/max), then per port and per existing queue: id, state,
 *	owner, filters, buffers, buffer size, lookahead, shared memory blocks
 *	and bytes.
 *   devlink health dump show vmqnet/vmqnetN reporter vmq
 *	the same, plus every filter and every shared memory block.
 *
 * Nothing here is ever reported as an error, so there is no recover.
 * Both walk the ports and queues under RTNL alone: the port list changes
 * under RTNL too (dev.c), and queue state, owners and filters change only
 * under it. dump must not take the devlink instance lock: devlink calls
 * it with the reporter's dump_lock held, and "dump clear" takes the two
 * the other way round. (From 6.3 on the core holds the instance lock
 * around both callbacks itself: instance lock, then RTNL, as in dev.c.)
 */

#include <linux/rtnetlink.h>
#include <net/devlink.h>

#include "compat.h"
#include "rxq.h"

static int vmq_health_caps_put(struct vmq_dev *vdev, struct devlink_fmsg *fmsg)
{
	int err;

	err = vmq_fmsg_pair_nest_start(fmsg, "capabilities");
	err = err ?: vmq_fmsg_obj_nest_start(fmsg);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "queues_per_port",
					   VMQ_QUEUES_MAX);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "vm_queues",
					   vdev->vm_queues_max);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "vm_queues_in_use",
					   vmq_vm_queues_occupancy(vdev));
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "max_mac_filters",
					   VMQ_FILTERS_MAX);
	err = err ?: vmq_fmsg_bool_pair_put(fmsg, "lookahead_split",
					    vdev->rx_lookahead_split);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "lookahead_min",
					   VMQ_LOOKAHEAD_MIN);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "lookahead_max",
					   VMQ_LOOKAHEAD_MAX);
	err = err ?: vmq_fmsg_obj_nest_end(fmsg);
	return err ?: vmq_fmsg_pair_nest_end(fmsg);
}

static int vmq_health_blk_put(struct devlink_fmsg *fmsg, const char *name,
			      enum vmq_shmem_usage usage,
			      const struct vmq_rxq_blk *blk)
{
	int err;

	if (!blk->vaddr)
		return 0;
	err = vmq_fmsg_obj_nest_start(fmsg);
	err = err ?: vmq_fmsg_string_pair_put(fmsg, "block", name);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "usage", usage);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "alloc_handle",
					   blk->alloc_handle);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "shmem_handle",
					   blk->shmem_handle);
	err = err ?: vmq_fmsg_u64_pair_put(fmsg, "bytes", blk->length);
	return err ?: vmq_fmsg_obj_nest_end(fmsg);
}

static int vmq_health_blocks_put(const struct vmq_rxq *q,
				 struct devlink_fmsg *fmsg)
{
	const struct vmq_rxq_mem *mem = &q->mem;
	int err;

	err = vmq_fmsg_arr_pair_nest_start(fmsg, "blocks");
	err = err ?: vmq_health_blk_put(fmsg, "ring", VMQ_SHMEM_USAGE_OTHER,
					&mem->ring);
	err = err ?: vmq_health_blk_put(fmsg, "buffers",
					mem->la_size ?
					VMQ_SHMEM_USAGE_RECEIVE_LOOKAHEAD :
					VMQ_SHMEM_USAGE_RECEIVE, &mem->bufs);
	err = err ?: vmq_health_blk_put(fmsg, "post_lookahead",
					VMQ_SHMEM_USAGE_RECEIVE_POST_LOOKAHEAD,
					&mem->post);
	if (q->xsk)
		err = err ?: vmq_health_blk_put(fmsg, "umem",
						VMQ_SHMEM_USAGE_RECEIVE,
						&q->xsk->umem);
	return err ?: vmq_fmsg_arr_pair_nest_end(fmsg);
}

static int vmq_health_filters_put(const struct vmq_filter_table *t, u16 ring,
				  struct devlink_fmsg *fmsg)
{
	unsigned int loc;
	char mac[18];
	int err;

	err = vmq_fmsg_arr_pair_nest_start(fmsg, "filter_list");
	for_each_set_bit(loc, t->used, VMQ_FILTERS_MAX) {
		const struct vmq_filter *f = &t->slots[loc];

		if (err)
			break;
		if (f->queue != ring)
			continue;
		snprintf(mac, sizeof(mac), "%pM", f->mac);
		err = vmq_fmsg_obj_nest_start(fmsg);
		err = err ?: vmq_fmsg_u32_pair_put(fmsg, "loc", loc);
		err = err ?: vmq_fmsg_string_pair_put(fmsg, "mac", mac);
		if (f->has_vlan)
			err = err ?: vmq_fmsg_u32_pair_put(fmsg, "vlan",
							   f->vlan);
		err = err ?: vmq_fmsg_obj_nest_end(fmsg);
	}
	return err ?: vmq_fmsg_arr_pair_nest_end(fmsg);
}

static int vmq_health_queue_put(const struct vmq_rxq *q, bool full,
				struct devlink_fmsg *fmsg)
{
	const struct vmq_filter_table *t = &q->port->rx->filters;
	const struct vmq_rxq_mem *mem = &q->mem;
	int err;

	err = vmq_fmsg_obj_nest_start(fmsg);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "id", q->ring);
	err = err ?: vmq_fmsg_string_pair_put(fmsg, "state",
					      vmq_queue_state_name(q->state));
	err = err ?: vmq_fmsg_string_pair_put(fmsg, "owner",
					      q->owner ?
					      netdev_name(q->owner) :
					      q->ring ? "ethtool" :
					      "default");
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "filters",
					   vmq_filter_queue_count(t,
								  q->ring));
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "buffers", mem->nbufs);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "buffer_size",
					   mem->buf_size);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "lookahead",
					   mem->la_size);
	err = err ?: vmq_fmsg_bool_pair_put(fmsg, "contiguous",
					    mem->contiguous);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "shmem_blocks",
					   vmq_queue_shmem_blocks(q));
	err = err ?: vmq_fmsg_u64_pair_put(fmsg, "shmem_bytes",
					   vmq_queue_shmem_bytes(q));
	err = err ?: vmq_fmsg_string_pair_put(fmsg, "rx_mode",
					      vmq_rx_mode_name(q));
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "spares", mem->spares);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "buffers_lent",
					   atomic_read(&q->lent));
	err = err ?: vmq_fmsg_u64_pair_put(fmsg, "pages_orphaned",
					   q->lend_orphaned);
	if (full) {
		err = err ?: vmq_health_filters_put(t, q->ring, fmsg);
		err = err ?: vmq_health_blocks_put(q, fmsg);
	}
	return err ?: vmq_fmsg_obj_nest_end(fmsg);
}

static int vmq_health_port_put(struct vmq_port *port, bool full,
			       struct devlink_fmsg *fmsg)
{
	unsigned int r;
	int err;

	err = vmq_fmsg_obj_nest_start(fmsg);
	err = err ?: vmq_fmsg_u32_pair_put(fmsg, "port", port->index);
	err = err ?: vmq_fmsg_string_pair_put(fmsg, "netdev",
					      netdev_name(port->rx->netdev));
	err = err ?: vmq_fmsg_arr_pair_nest_start(fmsg, "queues");
	for (r = 0; r < VMQ_QUEUES_MAX && !err; r++) {
		if (port->rx->q[r].state != VMQ_QS_UNDEFINED)
			err = vmq_health_queue_put(&port->rx->q[r], full, fmsg);
	}
	err = err ?: vmq_fmsg_arr_pair_nest_end(fmsg);
	return err ?: vmq_fmsg_obj_nest_end(fmsg);
}

/* Context: process, RTNL not held. */
static int vmq_health_put(struct vmq_dev *vdev, bool full,
			  struct devlink_fmsg *fmsg)
{
	struct vmq_port *port;
	int err;

	err = vmq_health_caps_put(vdev, fmsg);
	if (err)
		return err;
	rtnl_lock();
	err = vmq_fmsg_arr_pair_nest_start(fmsg, "ports");
	list_for_each_entry(port, &vdev->port_list, list) {
		if (err)
			break;
		err = vmq_health_port_put(port, full, fmsg);
	}
	err = err ?: vmq_fmsg_arr_pair_nest_end(fmsg);
	rtnl_unlock();
	return err;
}

static int vmq_health_diagnose(struct devlink_health_reporter *reporter,
			       struct devlink_fmsg *fmsg,
			       struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_health_reporter_priv(reporter);

	return vmq_health_put(vdev, false, fmsg);
}

static int vmq_health_dump(struct devlink_health_reporter *reporter,
			   struct devlink_fmsg *fmsg, void *priv_ctx,
			   struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_health_reporter_priv(reporter);

	return vmq_health_put(vdev, true, fmsg);
}

static const struct devlink_health_reporter_ops vmq_health_ops = {
	.name = "vmq",
	.diagnose = vmq_health_diagnose,
	.dump = vmq_health_dump,
};

/**
 * vmq_health_init() - create the health reporter "vmq"
 * @vdev: the device, devlink instance locked
 *
 * Return: 0 or a negative errno.
 */
int vmq_health_init(struct vmq_dev *vdev)
{
	vdev->health = vmq_devl_health_reporter_create(priv_to_devlink(vdev),
						       &vmq_health_ops, 0,
						       vdev);
	if (IS_ERR(vdev->health)) {
		int err = PTR_ERR(vdev->health);

		vdev->health = NULL;
		return err;
	}
	return 0;
}

/**
 * vmq_health_fini() - destroy the health reporter
 * @vdev: the device, devlink instance locked
 */
void vmq_health_fini(struct vmq_dev *vdev)
{
	if (vdev->health)
		vmq_devl_health_reporter_destroy(vdev->health);
	vdev->health = NULL;
}
