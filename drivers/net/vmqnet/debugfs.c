// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs layout, all root-only:
 *
 *   vmqnet/vmqnet<ID>/num_ports		ports created at probe
 *   vmqnet/vmqnet<ID>/num_queues		RX/TX queues per port
 *   vmqnet/vmqnet<ID>/rx_lend		queues lend receive buffers (rx.c)
 *   vmqnet/vmqnet<ID>/rx_lend_wait_ms	wait for lent buffers at free
 *   vmqnet/vmqnet<ID>/ports/<index>/rx_queues	active RX queues
 *   vmqnet/vmqnet<ID>/ports/<index>/tx_queues	active TX queues
 *   vmqnet/vmqnet<ID>/ports/<index>/queues	VM queues, one line each
 *   vmqnet/vmqnet<ID>/ports/<index>/irq_cpu/<ring>  CPU of its interrupt
 *   vmqnet/vmqnet<ID>/ports/<index>/queue_restart  write a ring to restart
 *						it (6.12: queue_mgmt.c)
 *   vmqnet/race_delay_us			widens race windows (vmqnet.h), <= 1 s
 *
 * As debugfs wants, failures are not checked: a failed directory is an
 * error pointer that later calls accept and ignore, and vmqnet works
 * without debugfs.
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "rxq.h"

static struct dentry *vmq_debugfs_root;
u32 vmq_race_delay_us;

/* A second at most: the delay after a port's registration is slept in
 * new_device, and a mistyped hour would hold the bus (and rmmod) that long.
 */
#define VMQ_RACE_DELAY_MAX_US	USEC_PER_SEC

static int vmq_race_delay_get(void *data, u64 *val)
{
	*val = READ_ONCE(vmq_race_delay_us);
	return 0;
}

static int vmq_race_delay_set(void *data, u64 val)
{
	if (val > VMQ_RACE_DELAY_MAX_US)
		return -EINVAL;
	WRITE_ONCE(vmq_race_delay_us, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(vmq_race_delay_fops, vmq_race_delay_get,
			 vmq_race_delay_set, "%llu\n");

/* Bounded: the wait runs under RTNL (rx.c vmq_rx_lend_fini()). */
static int vmq_lend_wait_get(void *data, u64 *val)
{
	struct vmq_dev *vdev = data;

	*val = READ_ONCE(vdev->rx_lend_wait_ms);
	return 0;
}

static int vmq_lend_wait_set(void *data, u64 val)
{
	struct vmq_dev *vdev = data;

	if (val > VMQ_RX_LEND_WAIT_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(vdev->rx_lend_wait_ms, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(vmq_lend_wait_fops, vmq_lend_wait_get,
			 vmq_lend_wait_set, "%llu\n");

static const char * const vmq_hw_fault_names[VMQ_HW_FAULT_MAX] = {
	[VMQ_HW_FAULT_NONE] = "none",
	[VMQ_HW_FAULT_OFFSET] = "offset",
	[VMQ_HW_FAULT_HANDLE] = "handle",
	[VMQ_HW_FAULT_LEN] = "len",
	[VMQ_HW_FAULT_POST] = "post",
	[VMQ_HW_FAULT_CHAIN] = "chain",
	[VMQ_HW_FAULT_SHORT] = "short",
	[VMQ_HW_FAULT_GSO] = "gso",
};

static ssize_t vmq_hw_fault_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct vmq_hw_fault *f = file->private_data;
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n",
			vmq_hw_fault_names[READ_ONCE(f->kind)]);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t vmq_hw_fault_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct vmq_hw_fault *f = file->private_data;
	char buf[16];
	int kind;

	if (*ppos || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	kind = match_string(vmq_hw_fault_names, VMQ_HW_FAULT_MAX, strim(buf));
	if (kind < 0)
		return kind;
	WRITE_ONCE(f->kind, kind);
	if (kind == VMQ_HW_FAULT_NONE)
		atomic_set(&f->count, 0);
	*ppos = count;
	return count;
}

static const struct file_operations vmq_hw_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = vmq_hw_fault_read,
	.write = vmq_hw_fault_write,
	.llseek = default_llseek,
};

/**
 * vmq_debugfs_init() - create the debugfs root directory vmqnet/
 */
void vmq_debugfs_init(void)
{
	vmq_debugfs_root = debugfs_create_dir(VMQ_DRV_NAME, NULL);
	debugfs_create_file_unsafe("race_delay_us", 0600, vmq_debugfs_root,
				   NULL, &vmq_race_delay_fops);
}

/**
 * vmq_debugfs_exit() - remove the debugfs root directory and all below it
 */
void vmq_debugfs_exit(void)
{
	debugfs_remove_recursive(vmq_debugfs_root);
}

/**
 * vmq_debugfs_dev_init() - create a device's debugfs directory
 * @vdev: the device; vdev->ddir is set for others to add files to
 */
void vmq_debugfs_dev_init(struct vmq_dev *vdev)
{
	struct vmq_bus_dev *bdev = vdev->bdev;

	vdev->ddir = debugfs_create_dir(dev_name(&bdev->dev), vmq_debugfs_root);
	debugfs_create_u32("num_ports", 0400, vdev->ddir, &bdev->ports);
	debugfs_create_u32("num_queues", 0400, vdev->ddir, &bdev->queues);
	debugfs_create_bool("rx_lend", 0600, vdev->ddir, &vdev->rx_lend);
	debugfs_create_file_unsafe("rx_lend_wait_ms", 0600, vdev->ddir, vdev,
				   &vmq_lend_wait_fops);
	debugfs_create_file("hw_fault", 0600, vdev->ddir, &vdev->hw_fault,
			    &vmq_hw_fault_fops);
	debugfs_create_atomic_t("hw_fault_count", 0600, vdev->ddir,
				&vdev->hw_fault.count);
	debugfs_create_atomic_t("hw_fault_injected", 0400, vdev->ddir,
				&vdev->hw_fault.injected);
	vdev->ports_ddir = debugfs_create_dir("ports", vdev->ddir);
}

/**
 * vmq_debugfs_dev_exit() - remove a device's debugfs directory
 * @vdev: the device
 */
void vmq_debugfs_dev_exit(struct vmq_dev *vdev)
{
	debugfs_remove_recursive(vdev->ddir);
	vdev->ddir = NULL;
	vdev->ports_ddir = NULL;
}

/* ports/<index>/queues: one line per existing queue: ring, shared memory
 * queue ID, state, owner, filters, buffer layout, whether DMA and NAPI run,
 * shared memory held, lending, the CPU of its interrupt, and how long the
 * device holds the interrupt back now (rx-usecs, or DIM's choice with
 * adaptive-rx).
 *
 * Without RTNL: FREE_QUEUE holds it while it waits for NAPI, and the DMA
 * stopped state it shows then is the point of this file. What changes
 * under RTNL is read once, racily; the owner's name under RCU, as the
 * macvlan is freed only after a grace period that follows its release.
 */
static int vmq_queues_dbg_show(struct seq_file *m, void *unused)
{
	struct vmq_port *port = m->private;
	struct vmq_port_rx *rx = port->rx;
	unsigned int r;

	seq_puts(m, "queue shmem_id state owner filters bufs buf_size lookahead contig dma napi shmem_blocks shmem_bytes rx_mode spares lent copied_no_spare orphaned frames_lent frames_chained buf_stride irq_cpu irq_usecs\n");
	for (r = 0; r < VMQ_QUEUES_MAX; r++) {
		const struct vmq_rxq *q = &rx->q[r];
		const struct vmq_rxq_mem *mem = &q->mem;
		enum vmq_queue_state state = READ_ONCE(q->state);
		struct net_device *owner;
		u32 frames;

		if (state == VMQ_QS_UNDEFINED)
			continue;
		rcu_read_lock();
		owner = READ_ONCE(q->owner);
		seq_printf(m, "%u %u %s %s %u %u %u %u %s %s %s %u %llu %s %u %d %llu %llu %llu %llu %u %d %u\n",
			   r, vmq_queue_shmem_id(port->index, r),
			   vmq_queue_state_name(state),
			   owner ? netdev_name(owner) : "-",
			   vmq_filter_queue_count(&rx->filters, r),
			   mem->nbufs, mem->buf_size, mem->la_size,
			   mem->contiguous ? "yes" : "no",
			   READ_ONCE(q->dma_on) ? "on" : "off",
			   q->napi_on ? "on" : "off",
			   vmq_queue_shmem_blocks(q),
			   vmq_queue_shmem_bytes(q), vmq_rx_mode_name(q),
			   mem->spares, atomic_read(&q->lent),
			   READ_ONCE(q->lend_copied),
			   READ_ONCE(q->lend_orphaned),
			   READ_ONCE(q->lend_frames),
			   READ_ONCE(q->lend_chained), mem->buf_stride,
			   READ_ONCE(q->irq_cpu), vmq_coal_now(q, &frames));
		rcu_read_unlock();
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmq_queues_dbg);

/* ports/<index>/irq_cpu/<ring>: the CPU of the queue's interrupt, as
 * /proc/irq/N/smp_affinity_list is for a NIC's vector, or -1 (hw.c).
 */
static ssize_t vmq_irq_cpu_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	const struct vmq_rxq *q = file->private_data;
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%d\n", READ_ONCE(q->irq_cpu));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t vmq_irq_cpu_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	int cpu, err;

	err = kstrtoint_from_user(ubuf, count, 0, &cpu);
	if (!err)
		err = vmq_hw_irq_set_cpu(file->private_data, cpu);
	return err ?: count;
}

static const struct file_operations vmq_irq_cpu_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = vmq_irq_cpu_read,
	.write = vmq_irq_cpu_write,
	.llseek = default_llseek,
};

/**
 * vmq_debugfs_port_init() - create a port's debugfs directory
 * @port: the port, with its netdev created
 */
void vmq_debugfs_port_init(struct vmq_port *port)
{
	struct net_device *netdev = port->netdev;
	struct dentry *irq;
	unsigned int r;
	char name[16];

	snprintf(name, sizeof(name), "%u", port->index);
	port->ddir = debugfs_create_dir(name, port->vdev->ports_ddir);
	debugfs_create_u32("rx_queues", 0400, port->ddir,
			   &netdev->real_num_rx_queues);
	debugfs_create_u32("tx_queues", 0400, port->ddir,
			   &netdev->real_num_tx_queues);
	debugfs_create_file("queues", 0400, port->ddir, port,
			    &vmq_queues_dbg_fops);
	irq = debugfs_create_dir("irq_cpu", port->ddir);
	for (r = 0; r < VMQ_QUEUES_MAX; r++) {
		snprintf(name, sizeof(name), "%u", r);
		debugfs_create_file(name, 0600, irq, &port->rx->q[r],
				    &vmq_irq_cpu_fops);
	}
	vmq_queue_mgmt_debugfs_init(port);
}

/**
 * vmq_debugfs_port_exit() - remove a port's debugfs directory
 * @port: the port; must run before its netdev is freed
 */
void vmq_debugfs_port_exit(struct vmq_port *port)
{
	debugfs_remove_recursive(port->ddir);
	port->ddir = NULL;
}
