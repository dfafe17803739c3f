// SPDX-License-Identifier: GPL-2.0
/*
 * The buffers of a lending queue (rx.c): which are spares, which the stack
 * holds, and the page references that tell when it gives them back.
 */

#include <kunit/visibility.h>
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "rxq.h"

/* The stack holds none of page @pg's references: every buffer lent from
 * it is back. Speculative references (page cache lookups, compaction) can
 * only make a page look held for longer.
 */
static bool vmq_rx_page_back(const struct vmq_rx_page *pg)
{
	if (page_ref_count(pg->page) != 1 + pg->bias)
		return false;
	/* The stack's last reads of the page came before its put_page();
	 * the device writes into it only after we post a buffer of it.
	 */
	smp_acquire__after_ctrl_dep();
	return true;
}

static void vmq_rx_pend_add(struct vmq_rx_lend *l, u32 idx)
{
	l->pend[(l->pend_head + l->pend_len) % l->npages] = idx;
	l->pend_len++;
}

/**
 * vmq_rx_lend_reclaim() - take back the buffers the stack is done with
 * @l: a lending queue's buffers
 * @max: pending pages to look at, oldest first
 *
 * Makes every lent buffer of a page the stack holds no reference on a
 * spare again; a page still held goes to the back of the FIFO.
 *
 * Context: NAPI, or RTNL once the queue is quiesced.
 * Return: the buffers that became spares.
 */
u32 vmq_rx_lend_reclaim(struct vmq_rx_lend *l, u32 max)
{
	u32 back = 0, idx, bit, b;
	struct vmq_rx_page *pg;

	for (; max && l->pend_len; max--) {
		idx = l->pend[l->pend_head];
		l->pend_head = (l->pend_head + 1) % l->npages;
		l->pend_len--;
		pg = &l->pages[idx];
		if (!vmq_rx_page_back(pg)) {
			vmq_rx_pend_add(l, idx);
			continue;
		}
		for (bit = 0; bit < l->bufs_per_page; bit++) {
			if (!(pg->lent & BIT(bit)))
				continue;
			b = idx * l->bufs_per_page + bit;
			l->free[l->nfree++] = b;
			back++;
		}
		pg->lent = 0;
		pg->pending = false;
	}
	return back;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_rx_lend_reclaim);

/**
 * vmq_rx_lend_buf() - lend a buffer to the stack
 * @l: a lending queue's buffers
 * @b: the buffer, by index in the data block
 *
 * One of the driver's bias references on the buffer's page goes with it,
 * for the skb fragment that will point at it, and the page waits on the
 * pending FIFO for it to come back.
 *
 * Context: NAPI.
 * Return: the buffer's page.
 */
struct page *vmq_rx_lend_buf(struct vmq_rx_lend *l, u32 b)
{
	u32 idx = b / l->bufs_per_page;
	struct vmq_rx_page *pg = &l->pages[idx];

	/* One atomic per VMQ_RX_PAGE_BIAS buffers, not one per buffer. */
	if (unlikely(!pg->bias)) {
		page_ref_add(pg->page, VMQ_RX_PAGE_BIAS);
		pg->bias = VMQ_RX_PAGE_BIAS;
	}
	pg->bias--;
	pg->lent |= BIT(b % l->bufs_per_page);
	if (!pg->pending) {
		pg->pending = true;
		vmq_rx_pend_add(l, idx);
	}
	return pg->page;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_rx_lend_buf);

static void vmq_rx_lend_free(struct vmq_rx_lend *l)
{
	kvfree(l->posted);
	kvfree(l->pend);
	kvfree(l->free);
	kvfree(l->pages);
	kfree(l);
}

/**
 * vmq_rx_lend_init() - set up lending for a queue's new memory
 * @m: the memory, allocated with spares, not yet in use
 * @data: the block whose buffers carry the frames' data: @m->bufs, or
 *	@m->post under lookahead split; vmq_shmem_block_lendable()
 *
 * Buffers 0 .. nbufs - 1 are posted at their descriptors, the spares are
 * free. Sets @m->lend.
 *
 * Context: process context, RTNL or the port not registered.
 * Return: 0 or -ENOMEM, leaving @m a copying queue's.
 */
int vmq_rx_lend_init(struct vmq_rxq_mem *m, const struct vmq_rxq_blk *data)
{
	u32 npages = DIV_ROUND_UP(data->length, PAGE_SIZE), i = 0, b;
	struct sg_page_iter piter;
	struct vmq_rx_lend *l;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->npages = npages;
	l->bufs_per_page = PAGE_SIZE / m->buf_stride;
	l->pages = kvcalloc(npages, sizeof(*l->pages), GFP_KERNEL);
	l->free = kvcalloc(m->spares, sizeof(*l->free), GFP_KERNEL);
	l->pend = kvcalloc(npages, sizeof(*l->pend), GFP_KERNEL);
	l->posted = kvcalloc(m->nbufs, sizeof(*l->posted), GFP_KERNEL);
	if (!l->pages || !l->free || !l->pend || !l->posted)
		goto err;
	for_each_sgtable_page(data->sgt, &piter, 0) {
		if (i == npages)
			break;
		l->pages[i++].page = sg_page_iter_page(&piter);
	}
	if (WARN_ON_ONCE(i != npages))
		goto err;
	for (b = 0; b < m->nbufs; b++)
		l->posted[b] = b;
	for (b = m->nbufs; b < vmq_rxq_mem_slots(m); b++)
		l->free[l->nfree++] = b;
	m->lend = l;
	return 0;

err:
	vmq_rx_lend_free(l);
	return -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_rx_lend_init);

/**
 * vmq_rx_lend_drop() - let go of a queue's pages and free @l
 * @l: a lending queue's buffers, out of NAPI's and the device's hands
 * @bufs: set to the buffers still lent
 *
 * Drops the driver's bias on every page, so that each holds the
 * provider's reference plus the stack's: a page the stack still holds
 * outlives the block as ordinary memory (the top of rx.c).
 *
 * Return: the pages the stack still held.
 */
u32 vmq_rx_lend_drop(struct vmq_rx_lend *l, u32 *bufs)
{
	struct vmq_rx_page *pg;
	u32 held = 0, i;

	*bufs = 0;
	for (i = 0; i < l->npages; i++) {
		pg = &l->pages[i];
		if (pg->pending) {
			held++;
			*bufs += hweight32(pg->lent);
		}
		if (pg->bias)
			page_ref_sub(pg->page, pg->bias);
	}
	vmq_rx_lend_free(l);
	return held;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_rx_lend_drop);
