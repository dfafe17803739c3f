// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs view of a device's shared memory, vmqnet/vmqnet<ID>/shmem/:
 *
 *   blocks             every live block, one per line, in slot order
 *   totals             device, per-queue and per-client totals, leaks
 *   fail_count         fail the next N matching allocations with -ENOMEM
 *   fail_queue         ... only those for this queue ("any" or a number)
 *   fail_usage         ... only those with this usage ("any", a name or a
 *                      number)
 *   fail_injected      failures injected so far
 *   scatter_max_order  largest page order a scattered block is built from
 *
 * Like netdevsim's fail_* files, the knobs exist so that every caller's
 * error path can be tested from a shell. Everything is root-only.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "shmem_pool.h"

static int vmq_shmem_blocks_show(struct seq_file *m, void *unused)
{
	struct vmq_shmem_pool *pool = m->private;
	struct vmq_shmem_block *blk;
	u32 slot;

	seq_puts(m, "handle shmem_handle queue usage length contig nents node owner provider\n");
	mutex_lock(&pool->lock);
	for (slot = 0; (blk = vmq_shmem_handles_next(&pool->handles, &slot));
	     slot++) {
		const struct vmq_shmem_params *p = &blk->params;

		seq_printf(m, "%u %#x %u %s %zu %s %u %d %s %s\n",
			   blk->handle, p->shmem_handle, p->queue_id,
			   vmq_shmem_usage_name(p->usage), p->length,
			   p->flags & VMQ_SHMEM_F_CONTIGUOUS ? "yes" : "no",
			   p->sgt->nents, p->mem_node, blk->client->name,
			   blk->prov->desc.name);
	}
	mutex_unlock(&pool->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmq_shmem_blocks);

static int vmq_shmem_totals_show(struct seq_file *m, void *unused)
{
	struct vmq_shmem_pool *pool = m->private;
	struct vmq_shmem_client *client;
	struct vmq_shmem_queue *queue;
	unsigned long id;

	mutex_lock(&pool->lock);
	seq_printf(m, "device blocks %llu bytes %llu units %llu budget %llu\n",
		   pool->total.blocks, pool->total.bytes, pool->used,
		   pool->budget);
	xa_for_each(&pool->queues, id, queue) {
		if (!queue->stats.blocks)
			continue;
		seq_printf(m, "queue %u blocks %llu bytes %llu\n", queue->id,
			   queue->stats.blocks, queue->stats.bytes);
	}
	list_for_each_entry(client, &pool->clients, node)
		seq_printf(m, "client %s blocks %llu bytes %llu\n",
			   client->name, client->stats.blocks,
			   client->stats.bytes);
	seq_printf(m, "leaked blocks %llu bytes %llu\n",
		   pool->leaked.blocks, pool->leaked.bytes);
	seq_printf(m, "provider %s\n", pool->prov->desc.name);
	mutex_unlock(&pool->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmq_shmem_totals);

/* fail_queue and fail_usage: "any" (VMQ_SHMEM_FAULT_ANY) or a value; a
 * usage may also be given by name. The file's private data is the u32.
 */
static bool vmq_shmem_fault_is_usage(struct file *file)
{
	return !strcmp(file->f_path.dentry->d_name.name, "fail_usage");
}

static ssize_t vmq_shmem_fault_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	u32 val = READ_ONCE(*(u32 *)file->private_data);
	char buf[32];
	int len;

	if (val == VMQ_SHMEM_FAULT_ANY)
		len = scnprintf(buf, sizeof(buf), "any\n");
	else if (vmq_shmem_fault_is_usage(file))
		len = scnprintf(buf, sizeof(buf), "%s\n",
				vmq_shmem_usage_name(val));
	else
		len = scnprintf(buf, sizeof(buf), "%u\n", val);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static int vmq_shmem_fault_parse(const char *s, bool usage, u32 *val)
{
	unsigned int i;

	if (!strcmp(s, "any")) {
		*val = VMQ_SHMEM_FAULT_ANY;
		return 0;
	}
	for (i = 0; usage && i < VMQ_SHMEM_USAGE_MAX; i++) {
		if (!strcmp(s, vmq_shmem_usage_name(i))) {
			*val = i;
			return 0;
		}
	}
	if (kstrtou32(s, 0, val) || *val == VMQ_SHMEM_FAULT_ANY ||
	    (usage && *val >= VMQ_SHMEM_USAGE_MAX))
		return -EINVAL;
	return 0;
}

static ssize_t vmq_shmem_fault_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	char buf[32];
	u32 val;
	int err;

	if (*ppos || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	err = vmq_shmem_fault_parse(strim(buf), vmq_shmem_fault_is_usage(file),
				    &val);
	if (err)
		return err;
	WRITE_ONCE(*(u32 *)file->private_data, val);
	*ppos = count;
	return count;
}

static const struct file_operations vmq_shmem_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = vmq_shmem_fault_read,
	.write = vmq_shmem_fault_write,
	.llseek = default_llseek,
};

/**
 * vmq_shmem_debugfs_init() - create the shmem/ directory of a device
 * @pool: the device's pool
 * @parent: the device's debugfs directory
 *
 * Removed again by vmq_shmem_debugfs_exit(), which vmq_shmem_pool_destroy()
 * calls: the files point at the pool, so they must be gone before the
 * device's reference on it is.
 */
void vmq_shmem_debugfs_init(struct vmq_shmem_pool *pool, struct dentry *parent)
{
	struct dentry *dir;

	dir = debugfs_create_dir("shmem", parent);
	pool->ddir = dir;
	debugfs_create_file("blocks", 0400, dir, pool, &vmq_shmem_blocks_fops);
	debugfs_create_file("totals", 0400, dir, pool, &vmq_shmem_totals_fops);
	debugfs_create_u32("fail_count", 0600, dir, &pool->fault.count);
	debugfs_create_file("fail_queue", 0600, dir, &pool->fault.queue,
			    &vmq_shmem_fault_fops);
	debugfs_create_file("fail_usage", 0600, dir, &pool->fault.usage,
			    &vmq_shmem_fault_fops);
	debugfs_create_u64("fail_injected", 0400, dir, &pool->fault.injected);
	debugfs_create_u32("scatter_max_order", 0600, dir,
			   &pool->scatter_max_order);
}

/**
 * vmq_shmem_debugfs_exit() - remove the shmem/ directory of a device
 * @pool: the device's pool
 *
 * Waits for readers and writers of its files to finish.
 */
void vmq_shmem_debugfs_exit(struct vmq_shmem_pool *pool)
{
	debugfs_remove(pool->ddir);
	pool->ddir = NULL;
}
