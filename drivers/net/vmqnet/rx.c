// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's receive side: the NAPI poll of a VM queue. It reads the
 * completions the device (hw.c) wrote into the queue's ring and hands each
 * frame to the stack: to the port, or to the macvlan that owns the queue.
 *
 * A queue lends its receive buffers, or copies out of them (the mode is
 * chosen per queue when its memory is allocated: queue_mem.c
 * vmq_rxq_mem_plan()). Lending, as an NDIS miniport indicates
 * NET_BUFFER_LISTs that point into shared memory:
 *
 * - A frame is put in an skb whose linear part holds a copy of its
 *   headers and whose fragments are the receive buffers themselves; the
 *   descriptor gets a spare buffer posted in place of the lent one.
 *   Short frames, and frames for which there are not enough spares, are
 *   copied and their buffers posted again at once, so the device never
 *   runs out of descriptors because the stack holds buffers.
 * - A lent buffer comes back when its page does: the driver keeps a bias
 *   of references on each page (ixgbe, i40e), and a page whose count is
 *   down to the provider's one plus the bias is held by nobody else, so
 *   every buffer lent from it is a spare again.
 * - Freeing the queue's memory (FREE_QUEUE, ethtool -G, restart, reload,
 *   removal, rmmod: queue_mem.c vmq_rxq_mem_free()) happens with DMA
 *   stopped and NAPI disabled, and first waits for every lent buffer, as
 *   NDIS's FREE_QUEUE waits for every NET_BUFFER_LIST it indicated.
 *
 * A socket that never reads. NDIS has no such thing: a protocol returns
 * what it was indicated. A Linux socket may keep an skb in its receive
 * queue for as long as its owner wants, and FREE_QUEUE holds RTNL. So the
 * wait is bounded (the device's rx_lend_wait_ms, 1 s by default) and what
 * is still held then is orphaned, not copied: the skb points at the page
 * and cannot be found from it, so there is nothing to copy into. The
 * driver drops its bias on each page and lets the provider free the
 * block; the provider unmaps it and put_page()s each page, so a page the
 * stack still holds lives on as ordinary memory, no longer DMA-mapped and
 * no longer anyone's shared memory, until the last skb on it goes. That
 * needs no callback into vmqnet, so it outlives rmmod too. The hand-off is
 * counted per queue (lend_orphaned) and reported once per free; the
 * block leaves the shared memory budget when it is freed, as every block
 * does. Documentation/vmqnet.rst, "Lending receive buffers", has the rest.
 */

#include <linux/bitfield.h>
#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/filter.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/if_macvlan.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "compat.h"
#include "rxq.h"

/* The pieces of the frame in the buffer posted at descriptor @i, whose
 * completion @d is (a copy, read once: the device could write the ring
 * again), and in *@b that buffer's index; false if the completion is bad.
 * Where the pieces are comes from the driver's record of what it posted
 * there (vmq_rxq_posted()); the completion must say the same, and lengths
 * that fit in that buffer: one naming another buffer would lend it twice,
 * or hand the stack the tail of another frame.
 */
static bool vmq_rx_pieces(const struct vmq_rxq_mem *m, u32 i,
			  const struct vmq_rx_desc *d, u16 flags,
			  const u8 **p, u16 *len, u32 *b)
{
	u32 stride = vmq_rxq_mem_stride(m);

	*b = vmq_rxq_posted(m, i);
	len[0] = le16_to_cpu(d->len);
	len[1] = 0;
	if (le32_to_cpu(d->offset) != *b * stride ||
	    le32_to_cpu(d->shmem_handle) != m->bufs.shmem_handle ||
	    len[0] > (m->la_size ?: m->buf_size))
		return false;
	p[0] = (const u8 *)m->bufs.vaddr + *b * stride + m->headroom;
	p[1] = NULL;
	if (!(flags & VMQ_RXD_F_SPLIT))
		return true;
	/* The rest after that same buffer's back-fill room. */
	len[1] = le16_to_cpu(d->post_len);
	if (le32_to_cpu(d->post_offset) != *b * m->buf_stride + m->la_size ||
	    le32_to_cpu(d->post_shmem_handle) != m->post.shmem_handle ||
	    len[1] > m->buf_size - m->la_size)
		return false;
	p[1] = (const u8 *)m->post.vaddr + *b * m->buf_stride + m->la_size;
	return true;
}

/* Linear part of a super-frame's skb: room for its headers, the rest of
 * it goes into page fragments.
 */
#define VMQ_RX_HEAD_LEN		256

/* An skb for a frame of @len bytes that spans several buffers: its
 * headers in the linear part, the rest in page fragments, ready to be
 * filled in with skb_store_bits().
 */
static struct sk_buff *vmq_rx_alloc_frags(struct napi_struct *napi, u32 len)
{
	u32 head = min_t(u32, len, VMQ_RX_HEAD_LEN), rest = len - head, sz;
	struct sk_buff *skb;
	struct page *page;
	unsigned int k;
	void *va;

	skb = napi_alloc_skb(napi, head);
	if (!skb)
		return NULL;
	skb_put(skb, head);
	for (k = 0; rest; k++, rest -= sz) {
		sz = min_t(u32, rest, PAGE_SIZE);
		va = k < MAX_SKB_FRAGS ? napi_alloc_frag(sz) : NULL;
		if (!va) {
			kfree_skb(skb);
			return NULL;
		}
		page = virt_to_head_page(va);
		skb_add_rx_frag(skb, k, page, va - page_address(page), sz, sz);
	}
	return skb;
}

/* The GSO types of a super-frame: what the ports' TSO makes (netdev.c),
 * and DODGY, which a sender's packet socket or tap may have set.
 */
#define VMQ_RX_GSO_TYPES	(SKB_GSO_TCPV4 | SKB_GSO_TCPV6 | \
				 SKB_GSO_TCP_ECN | SKB_GSO_TCP_FIXEDID | \
				 SKB_GSO_DODGY)

/* Bytes a completion says its buffer holds. */
static u32 vmq_rx_desc_len(const struct vmq_rx_desc *d, u16 flags)
{
	return le16_to_cpu(d->len) +
	       (flags & VMQ_RXD_F_SPLIT ? le16_to_cpu(d->post_len) : 0);
}

/* What the completions of the frame at q->cons, the first of which is @d
 * (a copy), say of the frame, checked; how many descriptors it takes in
 * *@n: 1, or its whole chain with VMQ_RXD_F_MORE, all of which go back
 * together whether the frame is indicated or dropped. The first descriptor
 * was completed last (acquire), so the rest of the chain is there, each
 * but the last with a full buffer. A chain that is not, a frame too short
 * for an Ethernet header, or GSO fields no TSO frame has, is bad (false),
 * and *@n then stops where the frame does: a frame behind a false "more"
 * is not taken for the rest of a chain, and a piece of a frame left in
 * the ring would be parsed as a frame of its own.
 */
static bool vmq_rx_frame(const struct vmq_rxq *q, const struct vmq_rx_desc *d,
			 u16 flags, u32 *n)
{
	u32 gso_type = le32_to_cpu(d->gso_type), size = le16_to_cpu(d->gso_size);
	const struct vmq_rxq_mem *m = &q->mem;
	const struct vmq_rx_desc *ring = m->ring.vaddr;
	u32 len = vmq_rx_desc_len(d, flags), total = len, i = q->cons;

	*n = 1;
	while (flags & VMQ_RXD_F_MORE) {
		if (len != m->buf_size)
			return false;
		i = vmq_ring_next(m, i);
		if (i == q->cons)
			return false;
		flags = le16_to_cpu(READ_ONCE(ring[i].flags));
		if (!(flags & VMQ_RXD_F_DONE))
			return false;
		len = vmq_rx_desc_len(&ring[i], flags);
		total += len;
		(*n)++;
	}
	if (total < ETH_HLEN)
		return false;
	return !size || (gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6) &&
			 !(gso_type & ~VMQ_RX_GSO_TYPES) && size < total &&
			 d->gso_segs);
}

/* What the first completion @d (a copy) of a frame says of it, beyond its
 * bytes (vmq_rx_frame() checked it).
 */
static void vmq_rx_meta(struct sk_buff *skb, const struct vmq_rx_desc *d,
			u16 flags)
{
	/* Also for a super-frame that fit in one buffer (a small MSS). */
	if (d->gso_size) {
		skb_shinfo(skb)->gso_size = le16_to_cpu(d->gso_size);
		skb_shinfo(skb)->gso_type = le32_to_cpu(d->gso_type);
		skb_shinfo(skb)->gso_segs = le16_to_cpu(d->gso_segs);
	}
	if (flags & VMQ_RXD_F_CSUM_OK)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (flags & VMQ_RXD_F_VLAN)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
				       le16_to_cpu(d->vlan_tci));
}

/* Copy a completed frame out of shared memory into a new skb: the buffer
 * of descriptor q->cons, whose completion is @d (a copy) and whose pieces
 * vmq_rx_pieces() gave as @p and @len, and the @n - 1 chained to it with
 * VMQ_RXD_F_MORE. ERR_PTR(-EINVAL) for a bad completion, ERR_PTR(-ENOMEM)
 * for no skb.
 */
static struct sk_buff *vmq_rx_copy(struct vmq_rxq *q,
				   const struct vmq_rx_desc *d, u16 flags,
				   u32 n, const u8 **p, u16 *len)
{
	const struct vmq_rxq_mem *m = &q->mem;
	const struct vmq_rx_desc *ring = m->ring.vaddr;
	u32 total, off, i, k, b;
	struct vmq_rx_desc dk;
	struct sk_buff *skb;

	if (likely(n == 1)) {
		skb = napi_alloc_skb(&q->napi, len[0] + len[1]);
		if (!skb)
			return ERR_PTR(-ENOMEM);
		skb_put_data(skb, p[0], len[0]);
		if (len[1])
			skb_put_data(skb, p[1], len[1]);
		goto meta;
	}

	/* A super-frame: each buffer but its last is full (vmq_rx_frame()).
	 * Each completion is read once, as it is checked and copied from;
	 * one that changed since would not add up to the skb's length.
	 */
	dk = ring[vmq_ring_add(m, q->cons, n - 1)];
	total = (n - 1) * m->buf_size +
		vmq_rx_desc_len(&dk, le16_to_cpu(dk.flags));
	skb = vmq_rx_alloc_frags(&q->napi, total);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	for (k = 0, i = q->cons, off = 0; k < n; k++, i = vmq_ring_next(m, i)) {
		if (k) {
			dk = ring[i];
			if (!vmq_rx_pieces(m, i, &dk, le16_to_cpu(dk.flags), p,
					   len, &b))
				goto bad;
		}
		if (len[0] + len[1] > total - off)
			goto bad;
		skb_store_bits(skb, off, p[0], len[0]);
		off += len[0];
		if (len[1])
			skb_store_bits(skb, off, p[1], len[1]);
		off += len[1];
	}
	if (off != total)
		goto bad;
meta:
	vmq_rx_meta(skb, d, flags);
	return skb;

bad:
	kfree_skb(skb);
	return ERR_PTR(-EINVAL);
}

/* vmq_rx_copy() of the frame at q->cons of a copying queue. */
static struct sk_buff *vmq_rx_build(struct vmq_rxq *q,
				    const struct vmq_rx_desc *d, u16 flags,
				    u32 n)
{
	const u8 *p[2];
	u16 len[2];
	u32 b;

	if (!vmq_rx_pieces(&q->mem, q->cons, d, flags, p, len, &b))
		return ERR_PTR(-EINVAL);
	return vmq_rx_copy(q, d, flags, n, p, len);
}

/* ---- Lending ------------------------------------------------------------ */

/* Frames up to this long are copied on a lending queue too: an skb head
 * costs less than a page reference and a spare for a 64-byte frame.
 */
#define VMQ_RX_COPYBREAK	256
/* Pending pages one poll looks at for buffers the stack gave back. */
#define VMQ_RX_RECLAIM_PAGES	16

/* What one poll of a lending queue did with its buffers. */
struct vmq_rx_lend_poll {
	u32 lent;
	u32 back;
	u32 frames;
	u32 chained;
	bool swept;
	bool redirected;
};

/* Spares for @n buffers, looking at every pending page for buffers the
 * stack gave back if there are not enough: once per poll at most, since a
 * socket that holds what it was lent would otherwise cost a walk of the
 * whole FIFO per frame.
 */
static bool vmq_rx_lend_spares(struct vmq_rx_lend *l, u32 n,
			       struct vmq_rx_lend_poll *lp)
{
	if (l->nfree >= n)
		return true;
	if (!lp->swept) {
		lp->swept = true;
		lp->back += vmq_rx_lend_reclaim(l, l->pend_len);
	}
	return l->nfree >= n;
}

/* Lend buffer @b, posted at descriptor @i, and record a spare as posted
 * there in its place (vmq_rx_lend_spares() said there is one), which the
 * descriptor gets as NAPI releases it (vmq_rx_poll()). Returns the
 * buffer's page.
 */
static struct page *vmq_rx_lend_swap(struct vmq_rx_lend *l, u32 i, u32 b,
				     struct vmq_rx_lend_poll *lp)
{
	lp->lent++;
	l->posted[i] = l->free[--l->nfree];
	return vmq_rx_lend_buf(l, b);
}

/* The skb that buffer @k of a frame goes into as a fragment: @head, then,
 * once it has MAX_SKB_FRAGS of them, one more skb on its frag_list for
 * each MAX_SKB_FRAGS after (a super-frame of more buffers than an skb has
 * fragments; GRO passes an skb with a frag_list up as it is).
 */
static struct sk_buff *vmq_rx_lend_frag_skb(struct napi_struct *napi,
					    struct sk_buff *head,
					    struct sk_buff **tail)
{
	struct sk_buff *nskb;

	if (skb_shinfo(*tail)->nr_frags < MAX_SKB_FRAGS)
		return *tail;
	nskb = napi_alloc_skb(napi, 0);
	if (!nskb)
		return NULL;
	if (*tail == head)
		skb_shinfo(head)->frag_list = nskb;
	else
		(*tail)->next = nskb;
	*tail = nskb;
	return nskb;
}

/* A continuation buffer's lookahead piece under lookahead split, which
 * lies between the post-lookahead pieces before and after it in the frame:
 * copied into a fragment of its own (the lookahead part stays a copy), so
 * that the pieces around it can be lent.
 */
static bool vmq_rx_lend_la_frag(struct napi_struct *napi, struct sk_buff *head,
				struct sk_buff **tail, const u8 *p, u32 len)
{
	unsigned int truesize = SKB_DATA_ALIGN(len);
	struct sk_buff *cur;
	struct page *page;
	void *va;

	cur = vmq_rx_lend_frag_skb(napi, head, tail);
	if (!cur)
		return false;
	va = napi_alloc_frag(truesize);
	if (!va)
		return false;
	memcpy(va, p, len);
	page = virt_to_head_page(va);
	skb_add_rx_frag(cur, skb_shinfo(cur)->nr_frags, page,
			va - page_address(page), len, truesize);
	return true;
}

/* Account the frag_list members of @head in it, as skb_gro_receive()
 * does for the skbs it chains.
 */
static void vmq_rx_lend_frag_list_done(struct sk_buff *head)
{
	struct sk_buff *frag;

	skb_walk_frags(head, frag) {
		head->len += frag->len;
		head->data_len += frag->len;
		head->truesize += frag->truesize;
	}
}

/* Build the skb of the frame at q->cons, whose first completion is @d (a
 * copy), on a lending queue: its headers copied, its buffers lent as page
 * fragments and replaced in their descriptors by spares (counted in @lp).
 * Under lookahead split the post-lookahead buffers are lent and the
 * lookahead pieces copied. Frames that are short, or that there are not
 * spares enough for, are copied instead, their buffers posted again as
 * they were. Errors as vmq_rx_copy()'s.
 */
static struct sk_buff *vmq_rx_lend_build(struct vmq_rxq *q,
					 const struct vmq_rx_desc *d, u16 flags,
					 u32 n, struct vmq_rx_lend_poll *lp)
{
	const struct vmq_rxq_mem *m = &q->mem;
	const struct vmq_rx_desc *ring = m->ring.vaddr;
	struct sk_buff *skb, *tail, *cur;
	struct vmq_rx_lend *l = m->lend;
	u32 i = q->cons, k, b;
	u32 hlen, foff, flen;
	struct vmq_rx_desc dk;
	struct page *page;
	const u8 *p[2];
	u16 len[2];
	int err;

	if (!vmq_rx_pieces(m, i, d, flags, p, len, &b))
		return ERR_PTR(-EINVAL);
	if (n == 1 && len[0] + len[1] <= VMQ_RX_COPYBREAK)
		goto copy;
	if (m->la_size && n == 1 && !len[1])
		goto copy;
	if (!vmq_rx_lend_spares(l, n, lp)) {
		WRITE_ONCE(q->lend_copied, q->lend_copied + 1);
		goto copy;
	}

	skb = napi_alloc_skb(&q->napi, m->la_size ? len[0] : VMQ_RX_HEAD_LEN);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	tail = skb;
	for (k = 0; k < n; k++, i = vmq_ring_next(m, i)) {
		if (k) {
			/* Read once, as it is checked and lent. */
			dk = ring[i];
			err = -EINVAL;
			if (!vmq_rx_pieces(m, i, &dk, le16_to_cpu(dk.flags), p,
					   len, &b))
				goto err;
		}
		err = -ENOMEM;
		if (m->la_size) {
			/* The lookahead part stays a copy. */
			if (!k)
				skb_put_data(skb, p[0], len[0]);
			else if (!vmq_rx_lend_la_frag(&q->napi, skb, &tail,
						      p[0], len[0]))
				goto err;
			/* A last buffer the lookahead piece holds whole. */
			if (!len[1])
				continue;
			foff = m->la_size;
			flen = len[1];
		} else if (!k) {
			hlen = eth_get_headlen(q->napi.dev, p[0],
					       min_t(u32, len[0],
						     VMQ_RX_HEAD_LEN));
			skb_put_data(skb, p[0], hlen);
			foff = hlen;
			flen = len[0] - hlen;
		} else {
			foff = 0;
			flen = len[0];
		}
		cur = vmq_rx_lend_frag_skb(&q->napi, skb, &tail);
		if (!cur)
			goto err;
		page = vmq_rx_lend_swap(l, i, b, lp);
		skb_add_rx_frag(cur, skb_shinfo(cur)->nr_frags, page,
				(b % l->bufs_per_page) * m->buf_stride +
				m->headroom + foff, flen, m->buf_stride);
	}
	lp->frames++;
	if (skb_has_frag_list(skb)) {
		vmq_rx_lend_frag_list_done(skb);
		lp->chained++;
	}
	vmq_rx_meta(skb, d, flags);
	return skb;

err:
	/* What was lent already comes back through the page references. */
	kfree_skb(skb);
	return ERR_PTR(err);

copy:
	return vmq_rx_copy(q, d, flags, n, p, len);
}

/* ---- XDP ---------------------------------------------------------------- */

/* A copy of a frame in an XDP buffer, as the program left it (its bounds
 * and metadata may have moved), in a new skb; ERR_PTR(-ENOMEM) if there is
 * none.
 */
static struct sk_buff *vmq_rx_xdp_copy(struct vmq_rxq *q,
				       const struct vmq_rx_desc *d, u16 flags,
				       const struct xdp_buff *xdp)
{
	u32 meta = xdp->data - xdp->data_meta, len = xdp->data_end - xdp->data;
	struct sk_buff *skb;

	skb = napi_alloc_skb(&q->napi, meta + len);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	skb_put_data(skb, xdp->data_meta, meta + len);
	__skb_pull(skb, meta);
	if (meta)
		skb_metadata_set(skb, meta);
	vmq_rx_meta(skb, d, flags);
	return skb;
}

/* The skb of a frame the XDP program passed: built on the buffer itself,
 * which is lent (a page, xdp.c), or a copy for a short frame, a queue that
 * does not lend or one out of spares. ERR_PTR(-ENOMEM) if there is no
 * skb.
 */
static struct sk_buff *vmq_rx_xdp_skb(struct vmq_rxq *q,
				      const struct vmq_rx_desc *d, u16 flags,
				      u32 b, const struct xdp_buff *xdp,
				      struct vmq_rx_lend_poll *lp)
{
	u32 meta = xdp->data - xdp->data_meta, len = xdp->data_end - xdp->data;
	const struct vmq_rxq_mem *m = &q->mem;
	struct vmq_rx_lend *l = m->lend;
	struct sk_buff *skb;

	if (!l || len <= VMQ_RX_COPYBREAK)
		return vmq_rx_xdp_copy(q, d, flags, xdp);
	if (!vmq_rx_lend_spares(l, 1, lp)) {
		WRITE_ONCE(q->lend_copied, q->lend_copied + 1);
		return vmq_rx_xdp_copy(q, d, flags, xdp);
	}
	skb = napi_build_skb(xdp->data_hard_start, m->buf_stride);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	skb_reserve(skb, xdp->data - xdp->data_hard_start);
	__skb_put(skb, len);
	vmq_rx_lend_swap(l, q->cons, b, lp);
	lp->frames++;
	if (meta)
		skb_metadata_set(skb, meta);
	vmq_rx_meta(skb, d, flags);
	return skb;
}

/* XDP_REDIRECT: the target holds the buffer until it returns the frame
 * (page_frag_free(), a put_page()), as the stack holds a lent one; so
 * only a buffer that can be lent goes, with a spare posted in its place.
 * It is lent before the redirect: an XSK map in copy mode returns the
 * frame at once, from xdp_do_redirect(), and the reference it drops must
 * be one the page was lent. A redirect that fails returns it the same
 * way. The redirect is flushed at the end of the poll.
 */
static void vmq_rx_xdp_redirect(struct vmq_rxq *q, struct bpf_prog *prog,
				u32 b, struct xdp_buff *xdp,
				struct vmq_rx_lend_poll *lp,
				struct vmq_rxq_counters *c)
{
	const struct vmq_rxq_mem *m = &q->mem;
	struct vmq_rx_lend *l = m->lend;
	struct page *page;

	if (!l || !vmq_rx_lend_spares(l, 1, lp))
		goto err;
	page = vmq_rx_lend_swap(l, q->cons, b, lp);
	if (xdp_do_redirect(q->napi.dev, xdp, prog)) {
		put_page(page);
		goto err;
	}
	lp->redirected = true;
	c->xdp_redirect++;
	return;

err:
	c->xdp_redirect_errors++;
	trace_xdp_exception(q->napi.dev, prog, XDP_REDIRECT);
}

/* Run the XDP program on the frame at q->cons, one buffer (vmq_hw_dma()
 * gives a queue with a program no chains). Return: the skb of a frame it
 * passed; NULL for one it took (dropped, sent back out: counted in @c);
 * ERR_PTR(-ENOMEM) for a frame passed with no skb to put it in,
 * ERR_PTR(-EINVAL) for a bad completion.
 */
static struct sk_buff *vmq_rx_xdp(struct vmq_rxq *q, struct bpf_prog *prog,
				  const struct vmq_rx_desc *d, u16 flags,
				  struct vmq_rx_lend_poll *lp,
				  struct vmq_rxq_counters *c)
{
	const struct vmq_rxq_mem *m = &q->mem;
	struct vmq_rx_lend *l = m->lend;
	struct xdp_buff xdp;
	const u8 *p[2];
	u16 len[2];
	u32 b;
	u8 *hard;

	if (!vmq_rx_pieces(m, q->cons, d, flags, p, len, &b))
		return ERR_PTR(-EINVAL);
	/* A lent buffer is freed through its page's linear address, and an
	 * skb built on it must have that one.
	 */
	if (l)
		hard = page_address(l->pages[b / l->bufs_per_page].page) +
		       (b % l->bufs_per_page) * m->buf_stride;
	else
		hard = (u8 *)p[0] - m->headroom;
	xdp_init_buff(&xdp, m->buf_stride, &q->xdp_rxq);
	xdp_prepare_buff(&xdp, hard, m->headroom, len[0], true);
	switch (vmq_xdp_run(q, prog, &xdp, c)) {
	case XDP_PASS:
		return vmq_rx_xdp_skb(q, d, flags, b, &xdp, lp);
	case XDP_REDIRECT:
		vmq_rx_xdp_redirect(q, prog, b, &xdp, lp, c);
		return NULL;
	default:
		return NULL;
	}
}

/* The frame at q->cons of a queue with an AF_XDP socket bound, whose
 * completion is @d (a copy), in the UMEM frame NAPI posted there (xsk.c):
 * the program's, or, without one, the stack's, as a copy. The UMEM frame
 * goes whatever the frame's fate, to the socket or back to the pool, and
 * the descriptor waits for a new one from the fill ring. Return: as
 * vmq_rx_xdp(); a bad completion keeps its UMEM frame, for
 * vmq_xsk_drop().
 */
static struct sk_buff *vmq_rx_xsk(struct vmq_rxq *q, struct vmq_rxq_xsk *x,
				  struct bpf_prog *prog,
				  const struct vmq_rx_desc *d, u16 flags,
				  struct vmq_rx_lend_poll *lp,
				  struct vmq_rxq_counters *c)
{
	struct xdp_buff *xdp = x->bufs[q->cons];
	u32 act = XDP_PASS, len = le16_to_cpu(d->len);
	struct sk_buff *skb = NULL;

	/* Checked as vmq_rx_pieces() checks a buffer: @x->bufs is the
	 * driver's record of what it posted.
	 */
	if (!xdp || le32_to_cpu(d->shmem_handle) != x->umem.shmem_handle ||
	    le32_to_cpu(d->offset) != (u8 *)xdp->data - (u8 *)x->umem.vaddr ||
	    len > x->frame_size)
		return ERR_PTR(-EINVAL);
	x->bufs[q->cons] = NULL;
	x->unfilled++;
	/* No DMA sync: the device wrote through the UMEM's CPU mapping. */
	xsk_buff_set_size(xdp, len);
	if (prog)
		act = vmq_xdp_run(q, prog, xdp, c);
	switch (act) {
	case XDP_PASS:
		skb = vmq_rx_xdp_copy(q, d, flags, xdp);
		break;
	case XDP_REDIRECT:
		/* To the socket: zero copy, the frame is the socket's now. */
		if (!xdp_do_redirect(q->napi.dev, xdp, prog)) {
			c->xdp_redirect++;
			lp->redirected = true;
			return NULL;
		}
		c->xdp_redirect_errors++;
		trace_xdp_exception(q->napi.dev, prog, act);
		break;
	}
	xsk_buff_free(xdp);
	return skb;
}

/**
 * vmq_rx_lend_fini() - wait for a queue's lent buffers, then let go
 * @q: the queue the memory was (or was going to be) @q->mem
 * @m: memory that DMA and NAPI no longer touch, with @m->lend set
 * @wait_ms: how long to wait for the stack
 *
 * NDIS's FREE_QUEUE step 3, bounded. On return the driver holds no
 * reference on any page of @m but the provider's one, and the provider
 * may free the block; pages the stack still held are handed off to it
 * (see the top of this file) and counted in @q->lend_orphaned.
 *
 * Context: process context, RTNL; sleeps.
 */
void vmq_rx_lend_fini(struct vmq_rxq *q, struct vmq_rxq_mem *m,
		      unsigned int wait_ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(wait_ms);
	struct vmq_rx_lend *l = m->lend;
	u32 held, bufs;

	might_sleep();
	for (;;) {
		atomic_sub(vmq_rx_lend_reclaim(l, l->npages), &q->lent);
		if (!l->pend_len || time_after(jiffies, end))
			break;
		msleep(20);
	}
	m->lend = NULL;
	held = vmq_rx_lend_drop(l, &bufs);
	if (held) {
		atomic_sub(bufs, &q->lent);
		q->lend_orphaned += held;
		netdev_warn(q->port->rx->netdev,
			    "queue %u: %u receive buffers in %u pages still held by the stack after %u ms; handed off to it\n",
			    q->ring, bufs, held, wait_ms);
	}
}

/* Hand a frame to the stack: through the port, or, on a macvlan's queue,
 * straight to the macvlan, as ixgbe does for its l2-fwd-offload rings: the
 * queue only takes frames for the macvlan's MAC, so macvlan's rx_handler
 * lookup on the port would only find the macvlan again. macvlan's own
 * counters count the frame, as its rx_handler would.
 */
static void vmq_rx_deliver(struct vmq_rxq *q, struct napi_struct *napi,
			   struct sk_buff *skb)
{
	/* Cleared, under RTNL, before the queue is quiesced: a poll that
	 * still sees the macvlan runs before its del_station returns.
	 */
	struct net_device *owner = READ_ONCE(q->owner);

	if (!owner) {
		skb->protocol = eth_type_trans(skb, napi->dev);
		skb_record_rx_queue(skb, q->ring);
		napi_gro_receive(napi, skb);
		return;
	}
	skb->protocol = eth_type_trans(skb, owner);
	macvlan_count_rx(netdev_priv(owner), skb->len + ETH_HLEN, true,
			 skb->pkt_type == PACKET_MULTICAST);
	napi_gro_receive(napi, skb);
}

/* A frame whose completion NAPI found bad (vmq_rx_frame(),
 * vmq_rx_pieces()), dropped; its descriptors get their buffers back as
 * they are released, as any.
 */
static void vmq_rx_bad(struct vmq_rxq *q)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 10);

	if (__ratelimit(&rs))
		netdev_err(q->napi.dev,
			   "queue %u: bad completion at descriptor %u, frame dropped\n",
			   q->ring, q->cons);
}

/* Release descriptor @i, giving it the buffer the driver posts there,
 * whatever the device wrote over its offset, as a NIC driver writes a
 * descriptor from its own record: on an AF_XDP queue none (the refill
 * posts the socket's, xsk.c), else the one vmq_rxq_posted() records.
 */
static void vmq_rx_release(const struct vmq_rxq *q, struct vmq_rx_desc *d,
			   u32 i)
{
	if (q->xsk)
		d->offset = cpu_to_le32(VMQ_RXD_NO_BUF);
	else
		vmq_rxq_repost(&q->mem, d, i);
	/* Release: the buffer is back once the copy is made, or the
	 * descriptor has its new one.
	 */
	smp_store_release(&d->flags, 0);
}

/**
 * vmq_rx_poll() - NAPI poll of one RX ring
 * @napi: the ring's NAPI instance
 * @budget: at most this many frames
 *
 * A super-frame is one frame, one packet in the counters, and one unit of
 * @budget, however many buffers it filled.
 *
 * Return: the number of frames consumed.
 */
int vmq_rx_poll(struct napi_struct *napi, int budget)
{
	struct vmq_rxq *q = container_of(napi, struct vmq_rxq, napi);
	struct vmq_rxq_counters *c = &q->stats.c;
	const struct vmq_rxq_mem *m = &q->mem;
	struct vmq_rx_desc *ring = m->ring.vaddr;
	u64 bytes = 0, packets = 0, drops = 0, paused = 0, bad = 0;
	/* Once per poll: a poll is one RCU read-side section, which the
	 * clear of a queue's last filter waits for after bumping it.
	 */
	u8 epoch = READ_ONCE(q->epoch);
	struct bpf_prog *prog = READ_ONCE(m->xdp_prog);
	struct vmq_rx_lend *lend = m->lend;
	struct vmq_rxq_xsk *xsk = q->xsk;
	struct vmq_rx_lend_poll lp = {};
	struct vmq_rxq_counters xc = {};
	struct vmq_rx_desc d;
	u64 other_bytes = 0;
	bool ok, idle = true;
	struct sk_buff *skb;
	int done = 0;
	u16 flags;
	u32 n, len;

	if (lend && lend->pend_len)
		lp.back = vmq_rx_lend_reclaim(lend, VMQ_RX_RECLAIM_PAGES);
	while (done < budget) {
		/* Acquire: the device wrote the buffer before DONE. */
		flags = le16_to_cpu(smp_load_acquire(&ring[q->cons].flags));
		if (!(flags & VMQ_RXD_F_DONE))
			break;
		/* Read once: checked, then used, whatever the device does. */
		d = ring[q->cons];
		ok = vmq_rx_frame(q, &d, flags, &n);
		len = le16_to_cpu(d.len);
		/* Written before the queue's last filter went. The epoch is 8
		 * bits: a stale frame would pass for a current one only if
		 * this ring kept it across 256 clears of the queue's last
		 * filter, each of which schedules this poll and waits out a
		 * grace period.
		 */
		if (unlikely(FIELD_GET(VMQ_RXD_F_EPOCH, flags) != epoch))
			skb = ERR_PTR(-ESTALE);
		/* A frame goes into a UMEM frame whole: a chain there is bad
		 * too.
		 */
		else if (unlikely(!ok || (xsk && n > 1)))
			skb = ERR_PTR(-EINVAL);
		else if (xsk)
			skb = vmq_rx_xsk(q, xsk, prog, &d, flags, &lp, &xc);
		/* A chain can only be one the device wrote as the program
		 * went (vmq_xdp_setup()): it goes up as such.
		 */
		else if (prog && n == 1)
			skb = vmq_rx_xdp(q, prog, &d, flags, &lp, &xc);
		else if (lend)
			skb = vmq_rx_lend_build(q, &d, flags, n, &lp);
		else
			skb = vmq_rx_build(q, &d, flags, n);
		if (IS_ERR(skb)) {
			switch (PTR_ERR(skb)) {
			case -ENOMEM:
				drops++;
				break;
			case -ESTALE:
				paused++;
				break;
			default:
				bad++;
				/* Not a length DIM should count. */
				len = 0;
				vmq_rx_bad(q);
			}
			/* Its UMEM frames, unless an skb was what failed. */
			if (xsk && PTR_ERR(skb) != -ENOMEM)
				vmq_xsk_drop(q, xsk, n);
			skb = NULL;
		}
		do {
			vmq_rx_release(q, &ring[q->cons], q->cons);
			q->cons = vmq_ring_next(m, q->cons);
		} while (--n);
		done++;
		if (!skb) {
			other_bytes += len;
			continue;
		}
		packets++;
		bytes += skb->len;
		vmq_rx_deliver(q, napi, skb);
	}

	/* The socket's rings: its fill ring before the flush that shows it
	 * what it received, and its TX ring.
	 */
	if (xsk) {
		idle = vmq_xsk_refill(q, xsk) || xsk_uses_need_wakeup(xsk->pool);
		idle &= vmq_xsk_tx(q, xsk, budget);
	}
	if (lp.redirected)
		xdp_do_flush();
	if (lp.lent != lp.back)
		atomic_add(lp.lent - lp.back, &q->lent);
	if (lp.frames) {
		WRITE_ONCE(q->lend_frames, q->lend_frames + lp.frames);
		WRITE_ONCE(q->lend_chained, q->lend_chained + lp.chained);
	}

	u64_stats_update_begin(&q->stats.napi_syncp);
	c->packets += packets;
	c->bytes += bytes;
	c->drops_no_mem += drops;
	c->drops_bad_completion += bad;
	if (prog) {
		c->xdp_redirect += xc.xdp_redirect;
		c->xdp_redirect_errors += xc.xdp_redirect_errors;
		c->xdp_pass += xc.xdp_pass;
		c->xdp_drop += xc.xdp_drop;
		c->xdp_tx += xc.xdp_tx;
		c->xdp_tx_errors += xc.xdp_tx_errors;
		c->xdp_aborted += xc.xdp_aborted;
	}
	u64_stats_update_end(&q->stats.napi_syncp);
	if (unlikely(paused)) {
		spin_lock(&q->lock);
		u64_stats_update_begin(&q->stats.dev_syncp);
		c->drops_paused += paused;
		u64_stats_update_end(&q->stats.dev_syncp);
		spin_unlock(&q->lock);
	}

	q->dim_packets += done;
	q->dim_bytes += bytes + other_bytes;
	/* A socket without need_wakeup is never asked to wake NAPI up: it
	 * polls until the fill ring gives it every buffer back, as long as
	 * the device runs.
	 */
	if (!idle && READ_ONCE(q->dma_on))
		return budget;
	if (done < budget && napi_complete_done(napi, done))
		vmq_coal_sample(q);
	return done;
}
