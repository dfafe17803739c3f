// SPDX-License-Identifier: GPL-2.0
/*
 * vmqnet_shmem_user: an outside consumer of vmqnet's shared memory API.
 *
 * It includes <vmqnet/shmem.h> and nothing of vmqnet's private headers, so
 * building it proves that the public header is enough. shmem.sh drives it
 * through debugfs, vmqnet_shmem_user/:
 *
 *   cmd     write one command; the write fails with the command's errno
 *   result  the last command's result, one line
 *   stats   its provider's counters
 *
 * Commands:
 *
 *   open ID                    open device vmqnet<ID> (closing any other)
 *   close                      close it; blocks still held are vmqnet's to
 *                              free and report
 *   alloc QUEUE USAGE LENGTH [contig] [node=N]
 *                              allocate; result "handle=H shmem=S nents=N"
 *   free HANDLE                free; the write fails with vmq_shmem_free()'s
 *                              errno (any number: stale ones are refused)
 *   free_queue QUEUE           result "freed=N", or its errno
 *   provider on|off            register / unregister its own provider, a
 *                              wrapper of the DMA one that tags the shared
 *                              memory handles 0x5e000000 | n
 *   bench contig|scattered LENGTH ITERS
 *                              time ITERS allocate+free pairs through
 *                              vmqnet and through the raw DMA API on the
 *                              same device; result "vmqnet_ns=A raw_ns=B";
 *                              a size vmqnet refuses fails with its errno
 *                              before the raw API is tried
 *
 * Every block it allocates is checked the way a driver would use it: the
 * virtual address is written over its whole length and the scatter/gather
 * table must cover exactly that length with DMA addresses set.
 *
 * Unloading the module closes the handle without freeing anything first,
 * on purpose: that is how the selftest checks that vmqnet frees and
 * reports what an owner left behind.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <vmqnet/shmem.h>

#define USER_MAX_ARGS		6
#define USER_SHMEM_TAG		0x5e000000
#define USER_BENCH_ROUNDS	16	/* of each order */

static DEFINE_MUTEX(user_lock);
static struct vmq_shmem_client *user_client;
static struct dentry *user_ddir;
static char user_result[128];

/* Its provider: the DMA provider's memory under its own handles. */
static struct {
	u64 allocs;
	u64 frees;
	u32 next;
} user_prov;

static int user_prov_alloc(void *ctx, struct device *dma_dev,
			   struct vmq_shmem_params *params, void **mem_ctx)
{
	int err;

	err = vmq_shmem_dma_alloc(dma_dev, params, mem_ctx);
	if (err)
		return err;
	user_prov.next = (user_prov.next + 1) & 0xffffff;
	params->shmem_handle = USER_SHMEM_TAG | user_prov.next;
	user_prov.allocs++;
	return 0;
}

static void user_prov_free(void *ctx, struct device *dma_dev,
			   const struct vmq_shmem_params *params, void *mem_ctx)
{
	vmq_shmem_dma_free(dma_dev, params, mem_ctx);
	user_prov.frees++;
}

static const struct vmq_shmem_provider_ops user_prov_ops = {
	.alloc = user_prov_alloc,
	.free = user_prov_free,
};

static const struct vmq_shmem_provider user_provider = {
	.name = KBUILD_MODNAME,
	.ops = &user_prov_ops,
	.owner = THIS_MODULE,
};

static int user_parse_usage(const char *s, enum vmq_shmem_usage *usage)
{
	unsigned int i;
	int err;

	for (i = 0; i < VMQ_SHMEM_USAGE_MAX; i++) {
		if (!strcmp(s, vmq_shmem_usage_name(i))) {
			*usage = i;
			return 0;
		}
	}
	/* A number, so that the test can pass invalid usages too. */
	err = kstrtouint(s, 0, &i);
	if (!err)
		*usage = i;
	return err;
}

/* Use the block as a driver would; -EIO if it is not what was promised. */
static int user_check_block(const struct vmq_shmem_params *p)
{
	size_t cpu = 0, dma = 0;
	struct scatterlist *sg;
	unsigned int i;

	if (!p->vaddr || !p->sgt || !p->shmem_handle)
		return -EIO;
	if (memchr_inv(p->vaddr, 0, p->length))
		return -EIO;
	memset(p->vaddr, 0x5a, p->length);

	for_each_sgtable_sg(p->sgt, sg, i)
		cpu += sg->length;
	for_each_sgtable_dma_sg(p->sgt, sg, i) {
		if (sg_dma_address(sg) == DMA_MAPPING_ERROR || !sg_dma_len(sg))
			return -EIO;
		dma += sg_dma_len(sg);
	}
	if (cpu != p->length || dma != p->length)
		return -EIO;
	return 0;
}

static int user_alloc(char **argv, int argc)
{
	struct vmq_shmem_params p = { .node = NUMA_NO_NODE };
	u32 handle;
	int err, i;

	if (argc < 4)
		return -EINVAL;
	err = kstrtou32(argv[1], 0, &p.queue_id);
	if (!err)
		err = user_parse_usage(argv[2], &p.usage);
	if (!err)
		err = kstrtoul(argv[3], 0, &p.length);
	for (i = 4; !err && i < argc; i++) {
		if (!strcmp(argv[i], "contig"))
			p.flags |= VMQ_SHMEM_F_CONTIGUOUS;
		else if (!strncmp(argv[i], "flags=", 6))
			err = kstrtou32(argv[i] + 6, 0, &p.flags);
		else if (!strncmp(argv[i], "node=", 5))
			err = kstrtoint(argv[i] + 5, 0, &p.node);
		else
			err = -EINVAL;
	}
	if (err)
		return err;

	err = vmq_shmem_alloc(user_client, &p, &handle);
	if (err) {
		/* The API promises cleared outputs on failure. */
		if (handle || p.vaddr || p.sgt || p.shmem_handle)
			return -EFAULT;
		return err;
	}

	err = user_check_block(&p);
	if (err) {
		vmq_shmem_free(user_client, handle);
		return err;
	}
	snprintf(user_result, sizeof(user_result),
		 "handle=%u shmem=%#x nents=%u node=%d\n", handle,
		 p.shmem_handle, p.sgt->nents, p.mem_node);
	return 0;
}

/* ITERS allocate+free pairs through vmqnet; returns ns or an errno. */
static s64 user_time_vmqnet(struct vmq_shmem_params *p, unsigned int iters)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;
	u32 handle;
	int err;

	for (i = 0; i < iters; i++) {
		err = vmq_shmem_alloc(user_client, p, &handle);
		if (err)
			return err;
		vmq_shmem_free(user_client, handle);
	}
	return ktime_get_ns() - t0;
}

/* The same pairs through the raw DMA API on the same device. */
static s64 user_time_raw(struct device *dev, bool contig, size_t length,
			 unsigned int iters)
{
	u64 t0 = ktime_get_ns();
	struct sg_table *sgt;
	unsigned int i;
	dma_addr_t dma;
	void *va;

	/* A size the page allocator cannot serve is an -ENOMEM here, as in
	 * vmqnet, not a warning.
	 */
	for (i = 0; i < iters; i++) {
		if (contig) {
			va = dma_alloc_coherent(dev, length, &dma,
						GFP_KERNEL | __GFP_NOWARN);
			if (!va)
				return -ENOMEM;
			dma_free_coherent(dev, length, va, dma);
			continue;
		}
		sgt = dma_alloc_noncontiguous(dev, length, DMA_BIDIRECTIONAL,
					      GFP_KERNEL | __GFP_NOWARN, 0);
		if (!sgt)
			return -ENOMEM;
		/* vmqnet hands out a mapping: so must raw */
		va = dma_vmap_noncontiguous(dev, length, sgt);
		if (va)
			dma_vunmap_noncontiguous(dev, va);
		dma_free_noncontiguous(dev, length, sgt, DMA_BIDIRECTIONAL);
		if (!va)
			return -ENOMEM;
	}
	return ktime_get_ns() - t0;
}

/*
 * Best of a few rounds, because TCG guests are noisy; which side goes
 * first alternates, so that neither always inherits the other's state
 * of the page allocator and of the emulator's TLB.
 */
static int user_bench(char **argv, int argc)
{
	struct device *dev = vmq_shmem_dma_device(user_client);
	s64 best_ours = S64_MAX, best_raw = S64_MAX, probe;
	struct vmq_shmem_params p = {
		.usage = VMQ_SHMEM_USAGE_RECEIVE,
		.node = NUMA_NO_NODE,
	};
	unsigned int iters, round;
	bool contig;
	int err;

	if (argc != 4)
		return -EINVAL;
	if (!strcmp(argv[1], "contig"))
		contig = true;
	else if (!strcmp(argv[1], "scattered"))
		contig = false;
	else
		return -EINVAL;
	err = kstrtoul(argv[2], 0, &p.length);
	if (!err)
		err = kstrtouint(argv[3], 0, &iters);
	if (err || !p.length || !iters)
		return -EINVAL;
	p.flags = contig ? VMQ_SHMEM_F_CONTIGUOUS : 0;

	/* What vmqnet refuses is not compared: the raw API is never asked
	 * for a size that is a caller bug or cannot be had.
	 */
	probe = user_time_vmqnet(&p, 1);
	if (probe < 0)
		return probe;

	for (round = 0; round < 2 * USER_BENCH_ROUNDS; round++) {
		s64 ours, raw;

		if (round & 1) {
			raw = user_time_raw(dev, contig, p.length, iters);
			cond_resched();
			ours = user_time_vmqnet(&p, iters);
		} else {
			ours = user_time_vmqnet(&p, iters);
			cond_resched();
			raw = user_time_raw(dev, contig, p.length, iters);
		}
		cond_resched();
		if (ours < 0)
			return ours;
		if (raw < 0)
			return raw;
		best_ours = min(best_ours, ours);
		best_raw = min(best_raw, raw);
	}
	snprintf(user_result, sizeof(user_result),
		 "vmqnet_ns=%lld raw_ns=%lld iters=%u\n", best_ours, best_raw,
		 iters);
	return 0;
}

static int user_open(u32 id)
{
	struct vmq_shmem_client *client;

	client = vmq_shmem_open(id, KBUILD_MODNAME);
	if (IS_ERR(client))
		return PTR_ERR(client);
	vmq_shmem_close(user_client);
	user_client = client;
	return 0;
}

static int user_run(char **argv, int argc)
{
	const char *cmd = argv[0];
	int err;
	u32 val;

	user_result[0] = '\0';
	if (!strcmp(cmd, "open")) {
		if (argc != 2 || kstrtou32(argv[1], 0, &val))
			return -EINVAL;
		return user_open(val);
	}
	if (!user_client)
		return -ENODEV;

	if (!strcmp(cmd, "close")) {
		vmq_shmem_close(user_client);
		user_client = NULL;
		return 0;
	}
	if (!strcmp(cmd, "alloc"))
		return user_alloc(argv, argc);
	if (!strcmp(cmd, "bench"))
		return user_bench(argv, argc);
	if (!strcmp(cmd, "free") || !strcmp(cmd, "free_queue")) {
		if (argc != 2 || kstrtou32(argv[1], 0, &val))
			return -EINVAL;
		if (!strcmp(cmd, "free"))
			return vmq_shmem_free(user_client, val);
		err = vmq_shmem_free_queue(user_client, val);
		if (err < 0)
			return err;
		snprintf(user_result, sizeof(user_result), "freed=%d\n", err);
		return 0;
	}
	if (!strcmp(cmd, "provider") && argc == 2) {
		if (!strcmp(argv[1], "on"))
			return vmq_shmem_provider_register(user_client,
							   &user_provider);
		if (!strcmp(argv[1], "off"))
			return vmq_shmem_provider_unregister(user_client);
	}
	return -EINVAL;
}

static ssize_t user_cmd_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char *buf, *s, *argv[USER_MAX_ARGS + 1];
	int argc = 0, err;

	if (count > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	s = buf;
	while (argc <= USER_MAX_ARGS) {
		char *tok = strsep(&s, " \t\n");

		if (!tok)
			break;
		if (*tok)
			argv[argc++] = tok;
	}
	if (!argc || argc > USER_MAX_ARGS) {
		err = -EINVAL;
		goto out;
	}

	mutex_lock(&user_lock);
	err = user_run(argv, argc);
	mutex_unlock(&user_lock);
out:
	kfree(buf);
	return err ? err : count;
}

static ssize_t user_result_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char buf[sizeof(user_result)];
	ssize_t len;

	mutex_lock(&user_lock);
	len = strscpy(buf, user_result, sizeof(buf));
	mutex_unlock(&user_lock);
	if (len < 0)
		len = 0;
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t user_stats_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[96];
	int len;

	mutex_lock(&user_lock);
	len = scnprintf(buf, sizeof(buf), "provider_allocs %llu\nprovider_frees %llu\n",
			user_prov.allocs, user_prov.frees);
	mutex_unlock(&user_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations user_cmd_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = user_cmd_write,
};

static const struct file_operations user_result_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = user_result_read,
	.llseek = default_llseek,
};

static const struct file_operations user_stats_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = user_stats_read,
	.llseek = default_llseek,
};

static int __init user_init(void)
{
	user_ddir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("cmd", 0200, user_ddir, NULL, &user_cmd_fops);
	debugfs_create_file("result", 0400, user_ddir, NULL, &user_result_fops);
	debugfs_create_file("stats", 0400, user_ddir, NULL, &user_stats_fops);
	return 0;
}

static void __exit user_exit(void)
{
	debugfs_remove(user_ddir);
	/* Whatever is still allocated is vmqnet's to free and report. */
	vmq_shmem_close(user_client);
}

module_init(user_init);
module_exit(user_exit);

MODULE_DESCRIPTION("vmqnet shared memory: an outside consumer and provider, for the selftests");
MODULE_LICENSE("GPL");
