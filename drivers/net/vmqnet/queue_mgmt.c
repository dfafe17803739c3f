// SPDX-License-Identifier: GPL-2.0
/*
 * Queue restart: netdev_queue_mgmt_ops where the kernel has them (6.12),
 * each op one of the NDIS steps a VM queue's memory already takes, and
 * the debugfs file ports/<P>/queue_restart that drives them, as the core
 * exports no way to. Documentation/vmqnet.rst, "Queue restart", says why
 * a memory provider (devmem bind-rx) is refused. All of it runs under RTNL.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "compat.h"
#include "rxq.h"

#if VMQ_HAVE_QUEUE_MGMT
#include <net/netdev_queues.h>
#include <net/netdev_rx_queue.h>

/**
 * struct vmq_qmgmt_mem - a queue's memory between the restart's calls
 * @mem: its shared memory blocks and their layout
 * @q: the queue @mem was allocated for or taken from, NULL when empty
 *	(ndo_queue_mem_free is not told the queue, and its blocks are freed
 *	through the queue's port)
 */
struct vmq_qmgmt_mem {
	struct vmq_rxq_mem mem;
	struct vmq_rxq *q;
};

static int vmq_qmgmt_mem_alloc(struct net_device *netdev, void *per_queue_mem,
			       int idx)
{
	struct vmq_port *port = vmq_netdev_port(netdev);
	struct vmq_qmgmt_mem *qm = per_queue_mem;
	struct vmq_rxq *q;
	int err;

	ASSERT_RTNL();
	if (idx < 0 || (unsigned int)idx >= netdev->real_num_rx_queues)
		return vmq_queue_refuse(port, idx, NULL, -ERANGE,
					"no such queue");
	if (__netif_get_rx_queue(netdev, idx)->mp_params.mp_ops)
		return vmq_queue_refuse(port, idx, NULL, -EOPNOTSUPP,
					"no memory provider: a VM queue receives into its shared memory");
	if (!netif_running(netdev))
		return vmq_queue_refuse(port, idx, NULL, -ENETDOWN,
					"port is down");
	err = vmq_queue_restart_check(port, idx);
	if (err)
		return err;

	q = &port->rx->q[idx];
	err = vmq_rxq_mem_alloc(q, &qm->mem);
	if (err)
		return vmq_queue_refuse(port, idx, NULL, err,
					err == -ENOSPC ?
					"shared_memory budget exhausted; queue keeps its memory" :
					"shared memory allocation failed; queue keeps its memory");
	qm->q = q;
	return 0;
}

static void vmq_qmgmt_mem_free(struct net_device *netdev, void *per_queue_mem)
{
	struct vmq_qmgmt_mem *qm = per_queue_mem;

	if (!qm->q)
		return;
	vmq_rxq_mem_free(qm->q, &qm->mem);
	qm->q = NULL;
}

static int vmq_qmgmt_stop(struct net_device *netdev, void *per_queue_mem,
			  int idx)
{
	struct vmq_port *port = vmq_netdev_port(netdev);
	struct vmq_qmgmt_mem *qm = per_queue_mem;
	struct vmq_rxq *q;
	int err;

	ASSERT_RTNL();
	if (idx < 0 || (unsigned int)idx >= netdev->real_num_rx_queues)
		return -ERANGE;
	err = vmq_queue_restart_check(port, idx);
	if (err)
		return err;
	q = &port->rx->q[idx];
	vmq_rxq_quiesce(q);
	vmq_rxq_mem_swap(q, NULL, &qm->mem);
	qm->q = q;
	return 0;
}

static int vmq_qmgmt_start(struct net_device *netdev, void *per_queue_mem,
			   int idx)
{
	struct vmq_port *port = vmq_netdev_port(netdev);
	struct vmq_qmgmt_mem *qm = per_queue_mem;
	struct vmq_rxq_mem none;
	struct vmq_rxq *q;

	ASSERT_RTNL();
	if (idx < 0 || (unsigned int)idx >= netdev->real_num_rx_queues)
		return -ERANGE;
	q = &port->rx->q[idx];
	/* Memory of this queue, into a queue that ndo_queue_stop emptied. */
	if (WARN_ON_ONCE(qm->q != q || !qm->mem.ring.vaddr ||
			 vmq_rxq_has_mem(q) || q->state != VMQ_QS_RUNNING))
		return -EINVAL;
	vmq_rxq_mem_swap(q, &qm->mem, &none);
	*qm = (struct vmq_qmgmt_mem){};
	vmq_rxq_start(q);
	return 0;
}

static const struct netdev_queue_mgmt_ops vmq_queue_mgmt_ops = {
	.ndo_queue_mem_size	= sizeof(struct vmq_qmgmt_mem),
	.ndo_queue_mem_alloc	= vmq_qmgmt_mem_alloc,
	.ndo_queue_mem_free	= vmq_qmgmt_mem_free,
	.ndo_queue_start	= vmq_qmgmt_start,
	.ndo_queue_stop		= vmq_qmgmt_stop,
};

/**
 * vmq_queue_mgmt_init() - give a port's netdev its queue management ops
 * @netdev: the netdev, not registered yet
 */
void vmq_queue_mgmt_init(struct net_device *netdev)
{
	netdev->queue_mgmt_ops = &vmq_queue_mgmt_ops;
}

/* netdev_rx_queue_restart() of net/core/netdev_rx_queue.c, which 6.12
 * does not export: the same calls in the same order with the same
 * rollback, so that queue_restart tests the ops as the core drives them.
 * The core checks the queue's memory provider between the allocation and
 * the stop; vmqnet's allocation has refused one already.
 */
static int vmq_queue_mgmt_restart(struct net_device *netdev, int idx)
{
	const struct netdev_queue_mgmt_ops *ops = netdev->queue_mgmt_ops;
	void *new_mem, *old_mem;
	int err;

	ASSERT_RTNL();
	new_mem = kvzalloc(ops->ndo_queue_mem_size, GFP_KERNEL);
	if (!new_mem)
		return -ENOMEM;
	old_mem = kvzalloc(ops->ndo_queue_mem_size, GFP_KERNEL);
	if (!old_mem) {
		err = -ENOMEM;
		goto err_free_new_mem;
	}

	err = ops->ndo_queue_mem_alloc(netdev, new_mem, idx);
	if (err)
		goto err_free_old_mem;
	err = ops->ndo_queue_stop(netdev, old_mem, idx);
	if (err)
		goto err_free_new_queue_mem;
	err = ops->ndo_queue_start(netdev, new_mem, idx);
	if (err)
		goto err_start_queue;
	ops->ndo_queue_mem_free(netdev, old_mem);

	kvfree(old_mem);
	kvfree(new_mem);
	return 0;

err_start_queue:
	if (WARN_ON(ops->ndo_queue_start(netdev, old_mem, idx)))
		ops->ndo_queue_mem_free(netdev, old_mem);
err_free_new_queue_mem:
	ops->ndo_queue_mem_free(netdev, new_mem);
err_free_old_mem:
	kvfree(old_mem);
err_free_new_mem:
	kvfree(new_mem);
	return err;
}

/* ports/<P>/queue_restart: write a queue's index to restart it. */
static ssize_t vmq_queue_restart_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	struct vmq_port *port = file->private_data;
	unsigned int ring;
	int err;

	err = kstrtouint_from_user(ubuf, count, 0, &ring);
	if (err)
		return err;
	if (ring >= VMQ_QUEUES_MAX)
		return -ERANGE;
	rtnl_lock();
	err = vmq_queue_mgmt_restart(port->netdev, ring);
	rtnl_unlock();
	return err ?: count;
}

static const struct file_operations vmq_queue_restart_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vmq_queue_restart_write,
};

/**
 * vmq_queue_mgmt_debugfs_init() - the port's debugfs file queue_restart
 * @port: the port, with its debugfs directory and registered netdev
 *
 * The file goes with the directory, before the netdev (dev.c), and its
 * removal waits for a restart in progress, which takes RTNL: removal does
 * not hold RTNL.
 */
void vmq_queue_mgmt_debugfs_init(struct vmq_port *port)
{
	debugfs_create_file("queue_restart", 0200, port->ddir, port,
			    &vmq_queue_restart_fops);
}

#else /* !VMQ_HAVE_QUEUE_MGMT */

void vmq_queue_mgmt_init(struct net_device *netdev)
{
}

void vmq_queue_mgmt_debugfs_init(struct vmq_port *port)
{
}

#endif /* VMQ_HAVE_QUEUE_MGMT */
