// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of a lending queue's buffer bookkeeping (drivers/net/vmqnet/
 * rx_lend.c): which buffers are spares, and how the page references tell
 * that the stack gave a lent one back. The data block is a few order-0
 * pages of the test's own, each with the one reference a provider holds;
 * the "stack" is the test, holding and dropping references as skbs do.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>

#include "rxq.h"

#define LEND_TEST_NBUFS		4
#define LEND_TEST_SPARES	4
#define LEND_TEST_STRIDE	2048
#define LEND_TEST_PAGES		\
	((LEND_TEST_NBUFS + LEND_TEST_SPARES) * LEND_TEST_STRIDE / PAGE_SIZE)

struct lend_test {
	struct page *pages[LEND_TEST_PAGES];
	struct sg_table sgt;
	struct vmq_rxq_blk data;
	struct vmq_rxq_mem m;
};

static int lend_test_init(struct kunit *test)
{
	struct lend_test *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	for (i = 0; i < LEND_TEST_PAGES; i++) {
		t->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->pages[i]);
	}
	KUNIT_ASSERT_EQ(test, 0,
			sg_alloc_table_from_pages(&t->sgt, t->pages,
						  LEND_TEST_PAGES, 0,
						  LEND_TEST_PAGES * PAGE_SIZE,
						  GFP_KERNEL));
	t->data.sgt = &t->sgt;
	t->data.length = LEND_TEST_PAGES * PAGE_SIZE;
	t->m.nbufs = LEND_TEST_NBUFS;
	t->m.spares = LEND_TEST_SPARES;
	t->m.buf_size = 1536;
	t->m.buf_stride = LEND_TEST_STRIDE;
	KUNIT_ASSERT_EQ(test, 0, vmq_rx_lend_init(&t->m, &t->data));
	return 0;
}

/* Whatever a case left lent is orphaned, and the pages go when the last
 * reference does.
 */
static void lend_test_exit(struct kunit *test)
{
	struct lend_test *t = test->priv;
	u32 bufs;
	int i;

	if (!t)
		return;
	if (t->m.lend)
		vmq_rx_lend_drop(t->m.lend, &bufs);
	if (t->sgt.sgl)
		sg_free_table(&t->sgt);
	for (i = 0; i < LEND_TEST_PAGES; i++)
		if (t->pages[i])
			put_page(t->pages[i]);
}

/* The spares, as a set: buffers nbufs .. nbufs + spares - 1 at first. */
static u32 lend_test_free_mask(const struct vmq_rx_lend *l)
{
	u32 mask = 0, i;

	for (i = 0; i < l->nfree; i++)
		mask |= BIT(l->free[i]);
	return mask;
}

static void lend_test_layout(struct kunit *test)
{
	struct lend_test *t = test->priv;
	struct vmq_rx_lend *l = t->m.lend;
	int i;

	KUNIT_EXPECT_EQ(test, l->npages, LEND_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, l->bufs_per_page, PAGE_SIZE / LEND_TEST_STRIDE);
	KUNIT_EXPECT_EQ(test, l->nfree, LEND_TEST_SPARES);
	KUNIT_EXPECT_EQ(test, lend_test_free_mask(l),
			GENMASK(LEND_TEST_NBUFS + LEND_TEST_SPARES - 1,
				LEND_TEST_NBUFS));
	KUNIT_EXPECT_EQ(test, l->pend_len, 0);
	for (i = 0; i < LEND_TEST_PAGES; i++) {
		KUNIT_EXPECT_PTR_EQ(test, l->pages[i].page, t->pages[i]);
		KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[i]), 1);
	}
}

/* Lend posted buffer @b as NAPI does: a spare is posted in its place. */
static struct page *lend_test_lend(struct kunit *test, u32 b)
{
	struct lend_test *t = test->priv;
	struct vmq_rx_lend *l = t->m.lend;

	KUNIT_ASSERT_GT(test, l->nfree, 0);
	l->nfree--;
	return vmq_rx_lend_buf(l, b);
}

/* A lent buffer comes back once the stack drops the reference it was
 * lent with, not before, and only then is it a spare again.
 */
static void lend_test_return(struct kunit *test)
{
	struct lend_test *t = test->priv;
	struct vmq_rx_lend *l = t->m.lend;
	struct page *page;

	page = lend_test_lend(test, 1);
	KUNIT_ASSERT_PTR_EQ(test, page, t->pages[0]);
	/* The provider's reference, the driver's bias, the stack's one. */
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1 + VMQ_RX_PAGE_BIAS);
	KUNIT_EXPECT_EQ(test, l->pages[0].bias, VMQ_RX_PAGE_BIAS - 1);
	KUNIT_EXPECT_EQ(test, l->pend_len, 1);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, l->pend_len), 0);
	KUNIT_EXPECT_EQ(test, l->nfree, LEND_TEST_SPARES - 1);
	KUNIT_EXPECT_EQ(test, l->pend_len, 1);

	put_page(page);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, l->pend_len), 1);
	KUNIT_EXPECT_EQ(test, l->nfree, LEND_TEST_SPARES);
	KUNIT_EXPECT_TRUE(test, lend_test_free_mask(l) & BIT(1));
	KUNIT_EXPECT_EQ(test, l->pend_len, 0);
	KUNIT_EXPECT_FALSE(test, l->pages[0].pending);
}

/* Two buffers of one page: the page is back only when both are, and
 * anyone else's reference (a speculative one) holds it too.
 */
static void lend_test_shared_page(struct kunit *test)
{
	struct lend_test *t = test->priv;
	struct vmq_rx_lend *l = t->m.lend;
	struct page *page = t->pages[1];

	KUNIT_ASSERT_PTR_EQ(test, lend_test_lend(test, 2), page);
	KUNIT_ASSERT_PTR_EQ(test, lend_test_lend(test, 3), page);
	KUNIT_EXPECT_EQ(test, l->pend_len, 1);
	put_page(page);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, 1), 0);
	get_page(page);		/* someone else's */
	put_page(page);		/* the stack's last */
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, 1), 0);
	put_page(page);		/* the other's */
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, 1), 2);
	KUNIT_EXPECT_EQ(test, l->nfree, LEND_TEST_SPARES);
	KUNIT_EXPECT_EQ(test, lend_test_free_mask(l) & (BIT(2) | BIT(3)),
			BIT(2) | BIT(3));
}

/* A page still held goes to the back of the FIFO and does not keep the
 * pages behind it from coming back.
 */
static void lend_test_fifo(struct kunit *test)
{
	struct lend_test *t = test->priv;
	struct vmq_rx_lend *l = t->m.lend;

	lend_test_lend(test, 0);
	lend_test_lend(test, 2);
	put_page(t->pages[1]);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, l->pend_len), 1);
	KUNIT_EXPECT_EQ(test, l->pend_len, 1);
	KUNIT_EXPECT_EQ(test, l->pend[l->pend_head], 0);
	KUNIT_EXPECT_TRUE(test, l->pages[0].pending);
	put_page(t->pages[0]);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, l->pend_len), 1);
	KUNIT_EXPECT_EQ(test, l->pend_len, 0);
	KUNIT_EXPECT_EQ(test, l->nfree, LEND_TEST_SPARES);
}

/* The bias is topped up with one atomic when it runs out, and the
 * references add up across it.
 */
static void lend_test_bias_refill(struct kunit *test)
{
	struct lend_test *t = test->priv;
	struct vmq_rx_lend *l = t->m.lend;
	struct page *page = t->pages[0];

	lend_test_lend(test, 0);
	/* As if the rest of the bias had gone out with buffers that came
	 * back: the driver's count says so, and the page's agrees.
	 */
	page_ref_sub(page, VMQ_RX_PAGE_BIAS - 1);
	l->pages[0].bias = 0;
	KUNIT_ASSERT_EQ(test, page_ref_count(page), 2);
	lend_test_lend(test, 1);
	KUNIT_EXPECT_EQ(test, l->pages[0].bias, VMQ_RX_PAGE_BIAS - 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 2 + VMQ_RX_PAGE_BIAS);
	KUNIT_EXPECT_EQ(test, l->pend_len, 1);
	put_page(page);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, 1), 0);
	put_page(page);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, 1), 2);
}

/* Dropping the queue's hold leaves a page the stack still holds with the
 * provider's reference and the stack's, and every other page with the
 * provider's alone; the held page and its lent buffers are counted.
 */
static void lend_test_drop_orphans(struct kunit *test)
{
	struct lend_test *t = test->priv;
	struct vmq_rx_lend *l = t->m.lend;
	u32 held, bufs;

	lend_test_lend(test, 0);
	lend_test_lend(test, 1);
	lend_test_lend(test, 2);
	put_page(t->pages[1]);
	KUNIT_EXPECT_EQ(test, vmq_rx_lend_reclaim(l, l->pend_len), 1);
	t->m.lend = NULL;
	held = vmq_rx_lend_drop(l, &bufs);
	KUNIT_EXPECT_EQ(test, held, 1);
	KUNIT_EXPECT_EQ(test, bufs, 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[0]), 3);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[1]), 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[2]), 1);
	/* The stack lets go later: the page is the provider's alone again. */
	put_page(t->pages[0]);
	put_page(t->pages[0]);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[0]), 1);
}

static struct kunit_case lend_test_cases[] = {
	KUNIT_CASE(lend_test_layout),
	KUNIT_CASE(lend_test_return),
	KUNIT_CASE(lend_test_shared_page),
	KUNIT_CASE(lend_test_fifo),
	KUNIT_CASE(lend_test_bias_refill),
	KUNIT_CASE(lend_test_drop_orphans),
	{}
};

static struct kunit_suite lend_test_suite = {
	.name = "vmqnet_rx_lend",
	.init = lend_test_init,
	.exit = lend_test_exit,
	.test_cases = lend_test_cases,
};

kunit_test_suite(lend_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
