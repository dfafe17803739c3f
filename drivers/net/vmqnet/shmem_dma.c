// SPDX-License-Identifier: GPL-2.0
/*
 * The default shared memory provider: memory the device can DMA to.
 *
 * Contiguous blocks are dma_alloc_coherent() memory. The issue (and
 * CONFIG_DEBUG_SG) forbid describing a coherent buffer with sg_set_buf(): its
 * CPU address need not be in the linear map. dma_get_sgtable() is the DMA
 * API's own description of it, and the DMA side of the table is the handle
 * dma_alloc_coherent() returned: the memory is already mapped, so mapping it
 * a second time with dma_map_sgtable() would be wrong (and would bounce
 * through swiotlb where that is in use).
 *
 * Scattered blocks are built here from pages, not with
 * dma_alloc_noncontiguous(). On a device without an IOMMU, as every vmqnet
 * device is, that function falls back to one physically contiguous
 * allocation of the whole size (alloc_single_sgt() in kernel/dma/mapping.c):
 * one SG entry, never more, and a failure for anything above MAX_PAGE_ORDER
 * or on a fragmented system, which is exactly when scattered memory is
 * needed. Instead, like the IOMMU path of dma-iommu.c, take the largest
 * chunks the buddy allocator hands out without trying hard (fewer SG
 * entries, fewer page table entries), fall back down to single pages, map
 * the chunks into one virtual range with vmap() and DMA-map them with
 * dma_map_sgtable().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "compat.h"
#include "shmem_pool.h"

/* Shared memory handles of vmqnet's providers (this one, and the XSK
 * pools of xsk.c): unique among all of their live blocks on every device,
 * never 0. 2^32 allocations would have to happen
 * while one block stays alive for two blocks to share one.
 */
static atomic_t vmq_shmem_dma_handles = ATOMIC_INIT(0);

u32 vmq_shmem_new_handle(void)
{
	u32 handle;

	do {
		handle = (u32)atomic_inc_return(&vmq_shmem_dma_handles);
	} while (!handle);
	return handle;
}

/* A scattered block of up to this many pages keeps its page array on the
 * stack while it is built: 64 KiB with 4 KiB pages, in 128 bytes.
 */
#define VMQ_SHMEM_DMA_STACK_PAGES	16

/* Every allocation here is sized by a user (ethtool -G, the devlink
 * params, an outside client) under a budget that may exceed the machine:
 * it fails with -ENOMEM rather than reclaim its way into the OOM killer,
 * which would kill user processes (the RTNL holder's shell among them)
 * to make room for a ring.
 */
#define VMQ_SHMEM_DMA_GFP	(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* What allocating @pages pages may leave to the rest of the system: an
 * eighth of its memory. Below that, even __GFP_RETRY_MAYFAIL would first
 * push every other allocation into reclaim and the OOM killer.
 */
static bool vmq_shmem_dma_mem_fits(unsigned long pages)
{
	return pages + totalram_pages() / 8 <= si_mem_available();
}

static int vmq_shmem_dma_alloc_contig(struct device *dev,
				      struct vmq_shmem_params *params)
{
	size_t size = PAGE_ALIGN(params->length);
	struct sg_table *sgt = params->sgt;
	size_t left = params->length;
	struct scatterlist *sg;
	dma_addr_t dma;
	void *vaddr;
	int err, i;

	/* __GFP_NOWARN: a block above MAX_PAGE_ORDER is a legitimate request
	 * that fails with -ENOMEM, not a kernel warning.
	 */
	vaddr = dma_alloc_coherent(dev, size, &dma, VMQ_SHMEM_DMA_GFP);
	if (!vaddr)
		return -ENOMEM;

	err = dma_get_sgtable(dev, sgt, vaddr, dma, size);
	if (err)
		goto err_free;

	/* The CPU side covers exactly the block, as the API promises. */
	for_each_sgtable_sg(sgt, sg, i) {
		sg->length = min_t(size_t, sg->length, left);
		left -= sg->length;
	}
	/* One IOVA / bus address range: a single DMA entry. */
	sgt->nents = 1;
	sg_dma_address(sgt->sgl) = dma;
	sg_dma_len(sgt->sgl) = params->length;

	params->vaddr = vaddr;
	params->mem_node = page_to_nid(sg_page(sgt->sgl));
	return 0;

err_free:
	dma_free_coherent(dev, size, vaddr, dma);
	return err;
}

static void vmq_shmem_dma_free_contig(struct device *dev,
				      const struct vmq_shmem_params *params)
{
	dma_free_coherent(dev, PAGE_ALIGN(params->length), params->vaddr,
			  sg_dma_address(params->sgt->sgl));
	sg_free_table(params->sgt);
}

/* A scattered block is a sequence of chunks, each a high-order allocation
 * split into order-0 pages (split_page()) as soon as it is made: every page
 * then has a reference count of its own, which is what lets a queue lend
 * single receive buffers to the stack (rx.c) and find out when the stack
 * is done with them. Nothing else is kept: the pages are found again
 * through the sg_table, and each is freed with put_page(), which leaves a
 * page the stack still holds to its last skb.
 */
static void vmq_shmem_dma_free_pages(struct page **pages, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		put_page(pages[i]);
}

/* Fill @pages with @count zeroed pages, largest chunks first, preferably on
 * @node, and set *@mem_node to the node they all came from, NUMA_NO_NODE
 * if several. Returns 0, or -ENOMEM with nothing left allocated.
 */
static int vmq_shmem_dma_get_pages(struct device *dev, struct page **pages,
				   unsigned int count, int node,
				   unsigned int max_order, int *mem_node)
{
	gfp_t gfp = VMQ_SHMEM_DMA_GFP | __GFP_ZERO;
	unsigned int i = 0, j;

	/* Pages the device cannot address would be bounced through swiotlb
	 * at every sync: take them from ZONE_DMA32 for a 32-bit device.
	 */
	if (dma_get_mask(dev) <= DMA_BIT_MASK(32))
		gfp |= GFP_DMA32;
	max_order = min_t(unsigned int, max_order, MAX_PAGE_ORDER);

	while (i < count) {
		unsigned int order = min_t(unsigned int, max_order,
					   ilog2(count - i));
		struct page *page;

		for (;;) {
			gfp_t flags = gfp;

			/* Larger chunks are a convenience, not a need: no
			 * reclaim, no compaction retries and no warning for
			 * them; only single pages are worth working for.
			 */
			if (order)
				flags = (flags & ~__GFP_RETRY_MAYFAIL) |
					__GFP_NORETRY | __GFP_NOMEMALLOC;
			page = alloc_pages_node(node, flags, order);
			if (page || !order)
				break;
			/* Do not try an order that just failed again. */
			max_order = --order;
		}
		if (!page) {
			vmq_shmem_dma_free_pages(pages, i);
			return -ENOMEM;
		}

		if (order)
			split_page(page, order);
		for (j = 0; j < 1U << order; j++)
			pages[i + j] = nth_page(page, j);
		if (!i)
			*mem_node = page_to_nid(page);
		else if (*mem_node != page_to_nid(page))
			*mem_node = NUMA_NO_NODE;
		i += 1U << order;
	}
	return 0;
}

static unsigned int vmq_shmem_dma_max_seg(struct device *dev)
{
	size_t max = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	return min_t(size_t, max, UINT_MAX) & PAGE_MASK;
}

static bool vmq_shmem_dma_pages_contiguous(struct page **pages,
					   unsigned int count)
{
	unsigned long pfn = page_to_pfn(pages[0]);
	unsigned int i;

	for (i = 1; i < count; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			return false;
	return true;
}

static int vmq_shmem_dma_alloc_scattered(struct device *dev,
					 struct vmq_shmem_params *params,
					 unsigned int max_order)
{
	struct page *stack_pages[VMQ_SHMEM_DMA_STACK_PAGES], **pages;
	unsigned int count = PAGE_ALIGN(params->length) >> PAGE_SHIFT;
	struct sg_table *sgt = params->sgt;
	void *vaddr;
	int err;

	pages = stack_pages;
	if (count > ARRAY_SIZE(stack_pages)) {
		pages = kvmalloc_array(count, sizeof(*pages),
				       VMQ_SHMEM_DMA_GFP);
		if (!pages)
			return -ENOMEM;
	}

	err = vmq_shmem_dma_get_pages(dev, pages, count, params->node,
				      max_order, &params->mem_node);
	if (err)
		goto out_free_array;

	/* Merges physically adjacent pages, within the device's limits: its
	 * segment size, and what one mapping can take (swiotlb bounces a
	 * segment through one slot run, 256 KiB at most).
	 */
	err = sg_alloc_table_from_pages_segment(sgt, pages, count, 0,
						params->length,
						vmq_shmem_dma_max_seg(dev),
						VMQ_SHMEM_DMA_GFP);
	if (err)
		goto err_free_chunks;

	/* One run of lowmem pages already has a virtual address that covers
	 * it; only a block that is really scattered needs a vmap() area.
	 */
	if (vmq_shmem_dma_pages_contiguous(pages, count) &&
	    !PageHighMem(pages[0])) {
		vaddr = page_address(pages[0]);
	} else {
		vaddr = vmap(pages, count, VM_MAP, PAGE_KERNEL);
		if (!vaddr) {
			err = -ENOMEM;
			goto err_free_table;
		}
	}

	/* A mapping that does not fit (swiotlb full: -EIO from dma-direct)
	 * is a shortage like any other, and said so.
	 */
	err = dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (err == -EIO)
		err = -ENOMEM;
	if (err)
		goto err_unmap;

	params->vaddr = vaddr;
	goto out_free_array;

err_unmap:
	if (is_vmalloc_addr(vaddr))
		vunmap(vaddr);
err_free_table:
	sg_free_table(sgt);
err_free_chunks:
	vmq_shmem_dma_free_pages(pages, count);
out_free_array:
	if (pages != stack_pages)
		kvfree(pages);
	return err;
}

static void vmq_shmem_dma_free_scattered(struct device *dev,
					 const struct vmq_shmem_params *params)
{
	struct sg_table *sgt = params->sgt;
	struct sg_page_iter piter;

	/* No sync: the device writes through the CPU mapping, so a bounce
	 * buffer (swiotlb) holds what the pages held when they were mapped,
	 * and copying it back would overwrite a page a socket still reads
	 * (below).
	 */
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	if (is_vmalloc_addr(params->vaddr))
		vunmap(params->vaddr);

	/* A page a receive queue lent and gave up on (rx.c) keeps the
	 * stack's references and is freed by the last of them.
	 */
	for_each_sgtable_page(sgt, &piter, 0)
		put_page(sg_page_iter_page(&piter));
	sg_free_table(sgt);
}

/**
 * __vmq_shmem_dma_alloc() - vmq_shmem_dma_alloc() with a chunk size limit
 * @dev: the device that will DMA to the block
 * @params: validated request; @params->sgt points to an empty sg_table
 * @mem_ctx: set to NULL: the DMA provider keeps nothing per block
 * @max_order: largest page order a scattered block is built from; 0 makes
 *	every chunk a single page (debugfs scatter_max_order, tests)
 *
 * Return: 0 or -ENOMEM.
 */
int __vmq_shmem_dma_alloc(struct device *dev, struct vmq_shmem_params *params,
			  void **mem_ctx, unsigned int max_order)
{
	int err;

	might_sleep();
	*mem_ctx = NULL;
	if (!vmq_shmem_dma_mem_fits(PAGE_ALIGN(params->length) >> PAGE_SHIFT))
		return -ENOMEM;
	if (params->flags & VMQ_SHMEM_F_CONTIGUOUS)
		err = vmq_shmem_dma_alloc_contig(dev, params);
	else
		err = vmq_shmem_dma_alloc_scattered(dev, params, max_order);
	if (err)
		return err;
	params->shmem_handle = vmq_shmem_new_handle();
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(__vmq_shmem_dma_alloc);

/**
 * vmq_shmem_dma_alloc() - the default provider's allocate handler
 * @dma_dev: the device that will DMA to the block
 * @params: a request as a provider's alloc handler receives it
 * @mem_ctx: set to what vmq_shmem_dma_free() needs back
 *
 * A provider registered with vmq_shmem_provider_register() may delegate to
 * this (and to vmq_shmem_dma_free()) for the memory itself, and only change
 * what it needs, for example the shared memory handle. It does not charge
 * the budget or record the block: vmq_shmem_alloc() does that.
 *
 * Context: process context; sleeps.
 * Return: 0 with every output of @params filled in, or -ENOMEM.
 */
int vmq_shmem_dma_alloc(struct device *dma_dev,
			struct vmq_shmem_params *params, void **mem_ctx)
{
	return __vmq_shmem_dma_alloc(dma_dev, params, mem_ctx, MAX_PAGE_ORDER);
}
EXPORT_SYMBOL_GPL(vmq_shmem_dma_alloc);

/**
 * vmq_shmem_dma_free() - the default provider's free handler
 * @dma_dev: the device the block was allocated for
 * @params: the block, as vmq_shmem_dma_alloc() filled it in
 * @mem_ctx: what vmq_shmem_dma_alloc() returned in its @mem_ctx
 *
 * Context: process context; sleeps.
 */
void vmq_shmem_dma_free(struct device *dma_dev,
			const struct vmq_shmem_params *params, void *mem_ctx)
{
	might_sleep();
	if (params->flags & VMQ_SHMEM_F_CONTIGUOUS)
		vmq_shmem_dma_free_contig(dma_dev, params);
	else
		vmq_shmem_dma_free_scattered(dma_dev, params);
}
EXPORT_SYMBOL_GPL(vmq_shmem_dma_free);

static int vmq_shmem_pool_dma_alloc(void *ctx, struct device *dma_dev,
				    struct vmq_shmem_params *params,
				    void **mem_ctx)
{
	struct vmq_shmem_pool *pool = ctx;

	return __vmq_shmem_dma_alloc(dma_dev, params, mem_ctx,
				     READ_ONCE(pool->scatter_max_order));
}

static void vmq_shmem_pool_dma_free(void *ctx, struct device *dma_dev,
				    const struct vmq_shmem_params *params,
				    void *mem_ctx)
{
	vmq_shmem_dma_free(dma_dev, params, mem_ctx);
}

const struct vmq_shmem_provider_ops vmq_shmem_dma_ops = {
	.alloc = vmq_shmem_pool_dma_alloc,
	.free = vmq_shmem_pool_dma_free,
};
