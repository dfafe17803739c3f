/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM queues (queue.c), the device's receive side (hw.c) and NAPI (rx.c).
 *
 * RX ring r of a port is VM queue r; ring 0 is the default queue, which
 * always exists. A queue follows the NDIS lifecycle of queue_state.c:
 *
 *   vmq_queue_alloc()      OID_RECEIVE_FILTER_ALLOCATE_QUEUE: Allocated
 *   vmq_queue_filter_set() SET_FILTER
 *   vmq_queue_complete()   QUEUE_ALLOCATION_COMPLETE: the shared memory
 *   vmq_queue_filter_clear() CLEAR_FILTER
 *   vmq_queue_free()       FREE_QUEUE: stop DMA, wait for the buffers,
 *                          free the memory
 *
 * Locking: queue configuration changes under RTNL; the receive path reads
 * ->state with READ_ONCE() and the filters through an RCU snapshot, and
 * writes a queue's memory only under its producer lock with DMA on.
 * Documentation/vmqnet.rst has the states, the memory a queue gets and
 * the data path.
 */
#ifndef _VMQNET_RXQ_H
#define _VMQNET_RXQ_H

#include <linux/dim.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <net/xdp.h>
#include <net/xdp_sock_drv.h>

#include "filter.h"
#include "queue_state.h"
#include "shmem_pool.h"
#include "vmqnet.h"

/* Receive buffers per queue (ethtool -G rx): NumSuggestedReceiveBuffers. */
#define VMQ_RX_BUFS_MIN			16
#define VMQ_RX_BUFS_DEFAULT		256
#define VMQ_RX_BUFS_MAX			4096

/* Interrupt moderation (ethtool -C): rx-usecs up to a NIC's 12-bit
 * interval register; rx-frames up to a ring's worth.
 */
#define VMQ_COAL_USECS_MAX		4095
#define VMQ_COAL_FRAMES_MAX		VMQ_RX_BUFS_MAX
/* Receive buffer size: the largest frame a queue takes (devlink param). */
#define VMQ_RX_BUF_SIZE_MIN		1536
#define VMQ_RX_BUF_SIZE_DEFAULT		2048
#define VMQ_RX_BUF_SIZE_MAX		16384
/* Lookahead split: min and max lookahead size (capabilities). */
#define VMQ_LOOKAHEAD_MIN		64
#define VMQ_LOOKAHEAD_DEFAULT		128
#define VMQ_LOOKAHEAD_MAX		512

/* struct vmq_rx_desc flags */
#define VMQ_RXD_F_DONE			BIT(0)	/* written, not yet consumed */
#define VMQ_RXD_F_VLAN			BIT(1)	/* @vlan_tci holds a stripped tag */
#define VMQ_RXD_F_SPLIT			BIT(2)	/* @post_* hold the rest */
#define VMQ_RXD_F_CSUM_OK		BIT(3)	/* L4 checksum filled in, good */
#define VMQ_RXD_F_MORE			BIT(4)	/* frame goes on in the next one */
/* The queue's epoch when the frame was written (struct vmq_rxq @epoch). */
#define VMQ_RXD_F_EPOCH			GENMASK(15, 8)

/**
 * struct vmq_rx_desc - one receive completion, in the queue's ring
 * @shmem_handle: shared memory handle of the block holding the frame (the
 *	lookahead block with lookahead split)
 * @offset: offset of the frame in that block
 * @post_shmem_handle: with VMQ_RXD_F_SPLIT, the post-lookahead block
 * @post_offset: offset of the rest of the frame in it
 * @len: bytes at @offset
 * @post_len: bytes at @post_offset
 * @flags: VMQ_RXD_F_*; VMQ_RXD_F_DONE is written last (release) by the
 *	device and cleared last by the driver, which returns the buffer
 * @vlan_tci: the tag with VMQ_RXD_F_VLAN
 * @gso_type: SKB_GSO_* of a coalesced super-frame (first descriptor of
 *	the frame), 0 for a plain frame
 * @gso_size: with @gso_type, the payload bytes of each wire segment (MSS)
 * @gso_segs: with @gso_type, how many wire segments the frame stands for
 *
 * A free descriptor (DONE clear) names the buffer the driver posted in it:
 * @offset is that buffer's offset in the @bufs block (with lookahead split
 * the post-lookahead buffer of the same index goes with it), as a NIC's
 * driver writes a buffer address into a read-format descriptor. The device
 * writes the frame there and the completion over the same fields. A
 * copying queue posts buffer i at descriptor i for good; a lending one
 * posts a spare in place of a buffer it lent (rx.c).
 * A frame longer than a buffer (a TSO super-frame the receiving side
 * coalesces, as LRO/GRO_HW hardware does) fills consecutive buffers: every
 * descriptor but its last has VMQ_RXD_F_MORE, and the first one, which
 * carries the frame's flags and GSO fields, is completed (DONE) last.
 * Little endian, as a device would write it.
 */
struct vmq_rx_desc {
	__le32 shmem_handle;
	__le32 offset;
	__le32 post_shmem_handle;
	__le32 post_offset;
	__le16 len;
	__le16 post_len;
	__le16 flags;
	__le16 vlan_tci;
	__le32 gso_type;
	__le16 gso_size;
	__le16 gso_segs;
};

/**
 * struct vmq_rxq_blk - one shared memory block of a queue
 * @vaddr: its kernel mapping, or NULL when not allocated
 * @sgt: its pages, as the allocator described them
 * @alloc_handle: allocation handle, to free it
 * @shmem_handle: shared memory handle, quoted in completions
 * @length: bytes
 */
struct vmq_rxq_blk {
	void *vaddr;
	struct sg_table *sgt;
	u32 alloc_handle;
	u32 shmem_handle;
	size_t length;
};

/* Why a queue copies rather than lends (struct vmq_rxq_mem @mode). */
enum vmq_rx_mode {
	VMQ_RX_LEND,		/* lends its buffers */
	VMQ_RX_COPY_OFF,	/* the device's rx_lend is off */
	VMQ_RX_COPY_CONTIG,	/* coherent memory: never the stack's */
	VMQ_RX_COPY_BUF_SIZE,	/* a buffer would cross a page */
	VMQ_RX_COPY_PROVIDER,	/* not the device's own page-backed memory */
	VMQ_RX_COPY_NOMEM,	/* no memory for the lending state */
};

/* How long freeing a queue's memory waits for its lent buffers, by
 * default (struct vmq_dev @rx_lend_wait_ms).
 */
#define VMQ_RX_LEND_WAIT_MS	1000
#define VMQ_RX_LEND_WAIT_MAX_MS	60000

/* Spare buffers of a lending queue at most (queue_mem.c). */
#define VMQ_RX_SPARES_MAX	256

/* Bias references taken on a data page at a time (rx.c). */
#define VMQ_RX_PAGE_BIAS	USHRT_MAX

/**
 * struct vmq_rx_page - a page of a lending queue's data block
 * @page: the page
 * @bias: references the driver holds on it beyond the provider's one; the
 *	stack holds page_ref_count() - 1 - @bias
 * @lent: bitmap of its buffers lent, by index in the page
 * @pending: on the pending FIFO
 */
struct vmq_rx_page {
	struct page *page;
	u32 bias;
	u32 lent;
	bool pending;
};

/**
 * struct vmq_rx_lend - what a lending queue keeps of its buffers; NAPI's
 *	while the queue runs, RTNL's once it is quiesced
 * @pages: the data block's pages, in block order
 * @npages: how many
 * @bufs_per_page: buffers in a page
 * @free: indexes of the free spare buffers, a stack
 * @nfree: how many
 * @pend: FIFO of pages with lent buffers (indexes in @pages)
 * @pend_head: its first entry
 * @pend_len: its length
 * @posted: the buffer posted at each descriptor (vmq_rxq_posted())
 */
struct vmq_rx_lend {
	struct vmq_rx_page *pages;
	u32 npages;
	u32 bufs_per_page;
	u32 *free;
	u32 nfree;
	u32 *pend;
	u32 pend_head;
	u32 pend_len;
	u32 *posted;
};

/**
 * struct vmq_rxq_mem - a queue's shared memory, laid out at allocation
 *	complete
 * @nbufs: receive buffers, and descriptors in @ring
 * @buf_size: bytes per receive buffer: the largest frame
 * @buf_stride: bytes from one buffer to the next in the block that holds
 *	the frames' data (@bufs, or @post under lookahead split): @buf_size,
 *	or up to the next divisor of a page on a lending queue, since a lent
 *	buffer is a page fragment and may not cross a page
 * @la_size: lookahead bytes per buffer, 0 without lookahead split
 * @headroom: bytes the device leaves free at the start of each buffer,
 *	before the frame: XDP_PACKET_HEADROOM under XDP, else 0
 * @contiguous: the receive buffer blocks are physically contiguous
 * @spares: buffers beyond @nbufs in the buffer blocks: what a lending
 *	queue posts while the stack holds the buffers it lent
 * @mode: enum vmq_rx_mode
 * @xdp_prog: the port's XDP program, which NAPI runs on each frame, or
 *	NULL; the port holds the reference (xdp.c). Set with the layout,
 *	cleared (WRITE_ONCE) while the queue runs, and read once per poll
 * @lend: a lending queue's buffers, or NULL for a copying one
 * @ring: the descriptor/completion ring (usage OTHER)
 * @bufs: RECEIVE buffers, or RECEIVE_LOOKAHEAD ones with lookahead split
 * @post: RECEIVE_POST_LOOKAHEAD buffers (lookahead split only)
 */
struct vmq_rxq_mem {
	u32 nbufs;
	u32 buf_size;
	u32 buf_stride;
	u32 la_size;
	u32 headroom;
	bool contiguous;
	u32 spares;
	u8 mode;
	struct bpf_prog *xdp_prog;
	struct vmq_rx_lend *lend;
	struct vmq_rxq_blk ring;
	struct vmq_rxq_blk bufs;
	struct vmq_rxq_blk post;
};

/* A free descriptor of an AF_XDP queue with no buffer posted in it: the
 * fill ring was empty (xsk.c).
 */
#define VMQ_RXD_NO_BUF			U32_MAX

/**
 * struct vmq_rxq_xsk - an AF_XDP socket's UMEM bound to a queue (xsk.c)
 * @pool: the socket's XSK buffer pool
 * @umem: the UMEM, as a RECEIVE block of the queue from the pool's
 *	provider
 * @frame_size: the longest frame a UMEM frame takes
 * @fill_next: the first descriptor without a buffer: NAPI takes buffers
 *	from the fill ring for descriptors in order, from here
 * @unfilled: descriptors without a buffer, from @fill_next on
 * @tx_frames: frames sent from the socket's TX ring
 * @bufs: the buffer posted at each descriptor, or NULL
 *
 * While bound, the device writes the queue's frames into @bufs, not into
 * the queue's own buffers, which wait for the unbind. NAPI's, and
 * RTNL's while the queue is quiesced.
 */
struct vmq_rxq_xsk {
	struct xsk_buff_pool *pool;
	struct vmq_rxq_blk umem;
	u32 frame_size;
	u32 fill_next;
	u32 unfilled;
	u64 tx_frames;
	struct xdp_buff *bufs[VMQ_RX_BUFS_MAX];
};

/**
 * struct vmq_rxq_counters - what a VM queue counts
 * @packets: frames NAPI indicated
 * @bytes: their bytes
 * @drops_no_mem: frames NAPI dropped for want of an skb
 * @drops_bad_completion: frames NAPI dropped because their completion
 *	named a buffer, handle or length the driver had not posted there,
 *	fields no frame has, or a chain not completed (a device bug, or
 *	debugfs hw_fault)
 * @drops_no_buffer: frames the device dropped: no free receive buffer
 * @drops_not_running: frames the device dropped: the queue's DMA was
 *	stopped
 * @drops_oversize: frames the device dropped: longer than the receive
 *	buffer (a GSO super-frame: than all of the queue's buffers)
 * @drops_paused: frames in the ring when the queue's last filter was
 *	cleared: NAPI returns their buffers without indicating them
 * @xdp_pass: frames the XDP program passed to the stack (also in @packets)
 * @xdp_drop: frames it dropped
 * @xdp_tx: frames it sent back out of the port (XDP_TX)
 * @xdp_tx_errors: of those, frames that could not be sent: no peer, or
 *	no memory for the copy onto the wire
 * @xdp_aborted: frames of XDP_ABORTED, or of an action the driver does
 *	not know
 * @xdp_redirect: frames redirected (XDP_REDIRECT), their buffers lent
 * @xdp_redirect_errors: frames that could not be: the target refused,
 *	or the buffer cannot be lent (a copying queue, no spare)
 * @irqs: interrupts the device raised for the queue (from &vmq_rxq.irqs)
 */
struct vmq_rxq_counters {
	u64 packets;
	u64 bytes;
	u64 drops_no_mem;
	u64 drops_bad_completion;
	u64 drops_no_buffer;
	u64 drops_not_running;
	u64 drops_oversize;
	u64 drops_paused;
	u64 xdp_pass;
	u64 xdp_drop;
	u64 xdp_tx;
	u64 xdp_tx_errors;
	u64 xdp_aborted;
	u64 xdp_redirect;
	u64 xdp_redirect_errors;
	u64 irqs;
};

/**
 * struct vmq_rxq_stats - a VM queue's counters, by who writes them
 * @c: the counters; read them with vmq_rxq_stats_read()
 * @napi_syncp: NAPI writes @c.packets, @c.bytes, @c.drops_no_mem,
 *	@c.drops_bad_completion and the XDP counters
 * @dev_syncp: the device writes the other drops under the queue's
 *	producer lock, which NAPI takes for @c.drops_paused
 *
 * Two writers, two sync points: neither waits for the other's lock on the
 * fast path, and a 32-bit reader retries only what moved.
 */
struct vmq_rxq_stats {
	struct vmq_rxq_counters c;
	struct u64_stats_sync napi_syncp;
	struct u64_stats_sync dev_syncp;
};

/**
 * struct vmq_rxq - one VM queue (RX ring) of a port
 * @port: its port
 * @ring: its index, 0 = the default queue
 * @state: enum vmq_queue_state; written under RTNL (the change to Paused
 *	also under @lock), read under @lock by the device and locklessly
 *	elsewhere
 * @owner: the macvlan whose queue this is (l2-fwd-offload), or NULL for
 *	a queue ethtool manages; written under RTNL, read by NAPI, which
 *	delivers the queue's frames to it
 * @napi_on: @napi is enabled; under RTNL
 * @mem: its shared memory; changed under RTNL with DMA off and NAPI
 *	disabled
 * @napi: NAPI instance of this ring
 * @xdp_rxq: what an XDP program sees of the ring (rx_queue_index)
 * @xsk: the AF_XDP socket bound to the ring in zero-copy mode, or NULL;
 *	changed under RTNL and @lock while the queue is quiesced
 * @xsk_bytes: the bytes of @xsk's UMEM block, or 0, for readers without
 *	RTNL (debugfs)
 * @irq_cpu: the CPU the queue's interrupt is affine to, where its NAPI runs
 *	in softirq context, or -1 for the CPU that wrote the frame (hw.c)
 * @irq_csd: raises the interrupt on @irq_cpu
 * @irq_timer: holds the interrupt back while it is moderated (hw.c)
 * @irq_pending: frames completed since the last interrupt, while it is
 *	held back
 * @irqs: interrupts raised: NAPI scheduled by the device
 * @dim: adaptive moderation's state (coalesce.c); NAPI and its work
 * @dim_usecs: the interrupt delay DIM chose, read by the device
 * @dim_frames: the frames after which the device raises the interrupt
 *	without waiting out @dim_usecs, as DIM chose
 * @dim_packets: frames NAPI consumed, skbs, XDP and AF_XDP frames
 *	alike, for DIM; NAPI only
 * @dim_bytes: their bytes (an XDP or AF_XDP frame's, or a dropped one's,
 *	as its first descriptor says), for DIM; NAPI only
 * @lock: producer lock: serialises the "device" writing into @mem
 * @dma_on: the device may write into @mem; under @lock
 * @prod: next descriptor the device writes; under @lock
 * @cons: next descriptor NAPI reads; NAPI only
 * @epoch: bumped under @lock when the last filter is cleared; the device
 *	stamps each frame with it, and NAPI indicates only frames of the
 *	current epoch (queue.c vmq_rxq_filters_gone())
 * @stats: its counters
 * @lent: buffers the stack holds now, of this memory and of memory that
 *	is waiting for them to be freed
 * @lend_copied: frames NAPI copied on a lending queue because it had no
 *	spare buffer to post in place of theirs; NAPI only
 * @lend_orphaned: pages the stack still held when the queue's memory was
 *	freed, handed off to it (rx.c); under RTNL
 * @lend_frames: frames indicated in lent buffers; NAPI only
 * @lend_chained: of those, frames of more buffers than an skb has
 *	fragments, indicated as an skb with a frag_list; NAPI only
 */
struct vmq_rxq {
	struct vmq_port *port;
	u16 ring;
	enum vmq_queue_state state;
	struct net_device *owner;
	bool napi_on;
	struct vmq_rxq_mem mem;
	struct napi_struct napi;
	struct xdp_rxq_info xdp_rxq;
	struct vmq_rxq_xsk *xsk;
	u64 xsk_bytes;
	int irq_cpu;
	call_single_data_t irq_csd;
	struct hrtimer irq_timer;
	atomic_t irq_pending;
	atomic64_t irqs;
	struct dim dim;
	u32 dim_usecs;
	u32 dim_frames;
	u64 dim_packets;
	u64 dim_bytes;

	spinlock_t lock;	/* see above */
	bool dma_on;
	u32 prod;
	u32 cons;
	u8 epoch;
	struct vmq_rxq_stats stats;
	atomic_t lent;
	u64 lend_copied;
	u64 lend_orphaned;
	u64 lend_frames;
	u64 lend_chained;
};

/**
 * struct vmq_port_rx - the receive side of a port (port->rx)
 * @q: its queues, by ring; ring < netdev->real_num_rx_queues exist
 * @netdev: the port's net_device (port->netdev is set only once it is
 *	registered)
 * @shmem: the port's shared memory client, owner of its queues' blocks
 * @nbufs: receive buffers per queue at the next allocation (ethtool -G)
 * @coal_usecs: ethtool -C rx-usecs: the longest the device holds a
 *	queue's interrupt back after a frame, 0 for none; read locklessly
 * @coal_frames: ethtool -C rx-frames: the frames after which it raises
 *	the interrupt without waiting out @coal_usecs, 0 for no such limit
 * @coal_adaptive: ethtool -C adaptive-rx, on by default: each queue's DIM
 *	chooses in place of @coal_usecs and @coal_frames; read locklessly
 * @xdp_prog: the port's XDP program (a reference), or NULL; under RTNL.
 *	The device reads it (READ_ONCE) to decide whether to coalesce
 * @filters: the receive filter table; under RTNL
 * @snap: what the receive path sees of @filters (RCU)
 * @promisc: IFF_PROMISC: take unicast frames for any MAC
 * @allmulti: IFF_ALLMULTI: take every multicast frame
 * @mc_hash: multicast hash filter (ndo_set_rx_mode), by the low bits of
 *	the CRC of the address, as NICs filter multicast
 * @drops_filtered: frames dropped as not for this port: unicast for
 *	another MAC (not promiscuous), multicast not subscribed, runts
 */
struct vmq_port_rx {
	struct vmq_rxq q[VMQ_QUEUES_MAX];
	struct net_device *netdev;
	struct vmq_shmem_client *shmem;
	u32 nbufs;
	u32 coal_usecs;
	u32 coal_frames;
	bool coal_adaptive;
	struct bpf_prog *xdp_prog;
	struct vmq_filter_table filters;
	struct vmq_filter_snap __rcu *snap;
	bool promisc;
	bool allmulti;
	DECLARE_BITMAP(mc_hash, 256);
	atomic64_t drops_filtered;
};

/**
 * vmq_queue_shmem_id() - the shared memory queue ID of a port's ring
 * @port_index: port index
 * @ring: ring (queue) index
 *
 * Return: port_index * VMQ_QUEUES_MAX + ring, unique in the device.
 */
static inline u32 vmq_queue_shmem_id(unsigned int port_index,
				     unsigned int ring)
{
	static_assert(VMQ_QUEUES_MAX == VMQ_SHMEM_QUEUES_PER_PORT);
	return VMQ_SHMEM_QUEUE_ID(port_index, ring);
}

/* Descriptor @i + @k of a queue's ring, @k <= nbufs. */
static inline u32 vmq_ring_add(const struct vmq_rxq_mem *m, u32 i, u32 k)
{
	return i + k >= m->nbufs ? i + k - m->nbufs : i + k;
}

static inline u32 vmq_ring_next(const struct vmq_rxq_mem *m, u32 i)
{
	return vmq_ring_add(m, i, 1);
}

static inline u32 vmq_rxq_shmem_id(const struct vmq_rxq *q)
{
	return vmq_queue_shmem_id(q->port->index, q->ring);
}

static inline bool vmq_rxq_has_mem(const struct vmq_rxq *q)
{
	return q->mem.ring.vaddr;
}

/* Buffers in a queue's buffer blocks: those its descriptors hold, and its
 * spares.
 */
static inline u32 vmq_rxq_mem_slots(const struct vmq_rxq_mem *m)
{
	return m->nbufs + m->spares;
}

/* Bytes between buffers in the @bufs block. */
static inline u32 vmq_rxq_mem_stride(const struct vmq_rxq_mem *m)
{
	return m->la_size ?: m->buf_stride;
}

/* The buffer the driver posted at descriptor @i, from its own record: a
 * completion's offset is the device's word, checked against this (rx.c).
 * A copying queue's descriptors keep the buffers they started with.
 */
static inline u32 vmq_rxq_posted(const struct vmq_rxq_mem *m, u32 i)
{
	return m->lend ? m->lend->posted[i] : i;
}

/* Post at descriptor @i again the buffer the record says is there. */
static inline void vmq_rxq_repost(const struct vmq_rxq_mem *m,
				  struct vmq_rx_desc *d, u32 i)
{
	d->offset = cpu_to_le32(vmq_rxq_posted(m, i) * vmq_rxq_mem_stride(m));
}

/* queue_mem.c: a queue's memory, for queue.c */
void vmq_rxq_mem_plan(const struct vmq_dev *vdev, struct vmq_rxq_mem *m);
const char *vmq_rx_mode_name(const struct vmq_rxq *q);
int vmq_rxq_mem_alloc(struct vmq_rxq *q, struct vmq_rxq_mem *m);
void vmq_rxq_mem_free(struct vmq_rxq *q, struct vmq_rxq_mem *m);
void vmq_rxq_blk_free(struct vmq_rxq *q, struct vmq_rxq_blk *blk);
void vmq_rxq_mem_swap(struct vmq_rxq *q, const struct vmq_rxq_mem *m,
		      struct vmq_rxq_mem *old);
void vmq_rxq_mem_release(struct vmq_rxq *q, bool halt);
void vmq_rxq_start(struct vmq_rxq *q);
void vmq_rxq_quiesce(struct vmq_rxq *q);

/* queue.c: lifecycle, for netdev.c, ethtool.c and macvlan offload */
int vmq_queue_refuse(struct vmq_port *port, unsigned int ring,
		     struct netlink_ext_ack *extack, int err, const char *why);
void vmq_rx_params_init(struct vmq_dev *vdev);
enum vmq_shmem_qstate vmq_queue_shmem_state(void *priv, u32 queue_id);
int vmq_queues_create(struct vmq_port *port, struct net_device *netdev,
		      unsigned int nr);
void vmq_queues_destroy(struct vmq_port *port);
int vmq_queues_open(struct vmq_port *port);
void vmq_queues_stop(struct vmq_port *port);
int vmq_queues_set_count(struct vmq_port *port, unsigned int nr,
			 struct netlink_ext_ack *extack);
int vmq_queues_set_nbufs(struct vmq_port *port, u32 nbufs,
			 struct netlink_ext_ack *extack);
int vmq_queues_relayout(struct vmq_port *port, const char *why,
			struct netlink_ext_ack *extack);
int vmq_queue_alloc(struct vmq_port *port, unsigned int ring,
		    struct netlink_ext_ack *extack);
int vmq_queue_complete(struct vmq_port *port, unsigned int ring,
		       struct netlink_ext_ack *extack);
int vmq_queue_free(struct vmq_port *port, unsigned int ring,
		   struct netlink_ext_ack *extack);
int vmq_queue_restart_check(struct vmq_port *port, unsigned int ring);
int vmq_queue_filter_set(struct vmq_port *port, const struct vmq_filter *f,
			 u32 loc, struct netlink_ext_ack *extack);
int vmq_queue_filter_clear(struct vmq_port *port, u32 loc,
			   struct netlink_ext_ack *extack);
u64 vmq_queue_shmem_bytes(const struct vmq_rxq *q);
u32 vmq_queue_shmem_blocks(const struct vmq_rxq *q);
u64 vmq_rxq_mem_units(const struct vmq_rxq_mem *m);

/* queue_mgmt.c: queue restart, netdev_queue_mgmt_ops (6.12) */
void vmq_queue_mgmt_init(struct net_device *netdev);
void vmq_queue_mgmt_debugfs_init(struct vmq_port *port);

/* hw.c: the device's receive side */
int vmq_hw_rx_frame(struct vmq_port *port, struct sk_buff *skb);
void vmq_hw_dma_start(struct vmq_rxq *q);
void vmq_hw_dma_stop(struct vmq_rxq *q);
void vmq_hw_irq_init(struct vmq_rxq *q);
void vmq_hw_irq_fini(struct vmq_rxq *q);
int vmq_hw_irq_set_cpu(struct vmq_rxq *q, int cpu);
void vmq_hw_set_rx_mode(struct net_device *netdev);

/* coalesce.c: adaptive interrupt moderation */
void vmq_coal_init(struct vmq_rxq *q);
void vmq_coal_fini(struct vmq_rxq *q);
void vmq_coal_sample(struct vmq_rxq *q);

/* The moderation @q's interrupt runs with now: DIM's choice with
 * adaptive-rx, else rx-usecs and rx-frames. Returns the usecs, and the
 * frames in *@frames. Lockless: ethtool -C and DIM's work change them.
 */
static inline u32 vmq_coal_now(const struct vmq_rxq *q, u32 *frames)
{
	const struct vmq_port_rx *rx = q->port->rx;

	if (READ_ONCE(rx->coal_adaptive)) {
		*frames = READ_ONCE(q->dim_frames);
		return READ_ONCE(q->dim_usecs);
	}
	*frames = READ_ONCE(rx->coal_frames);
	return READ_ONCE(rx->coal_usecs);
}

/* xdp.c: XDP programs on a port's queues */
int vmq_xdp_bpf(struct net_device *netdev, struct netdev_bpf *bpf);
int vmq_xdp_xmit(struct net_device *netdev, int n, struct xdp_frame **frames,
		 u32 flags);
int vmq_xdp_wire(struct vmq_port *peer, struct napi_struct *napi,
		 struct net_device *netdev, const void *data, u32 len);
u32 vmq_xdp_run(struct vmq_rxq *q, struct bpf_prog *prog,
		struct xdp_buff *xdp, struct vmq_rxq_counters *c);

/* xsk.c: AF_XDP zero copy on a queue */
int vmq_xsk_setup(struct vmq_port *port, struct xsk_buff_pool *pool,
		  u16 queue_id);
int vmq_xsk_wakeup(struct net_device *netdev, u32 queue_id, u32 flags);
void vmq_xsk_start(struct vmq_rxq *q);
void vmq_xsk_kick(struct vmq_rxq *q);
void vmq_xsk_stop(struct vmq_rxq *q);
void vmq_xsk_drop(struct vmq_rxq *q, struct vmq_rxq_xsk *x, u32 n);
bool vmq_xsk_refill(struct vmq_rxq *q, struct vmq_rxq_xsk *x);
bool vmq_xsk_tx(struct vmq_rxq *q, struct vmq_rxq_xsk *x, int budget);

/* rx.c: NAPI, and the lending state of a queue's memory */
int vmq_rx_poll(struct napi_struct *napi, int budget);
void vmq_rx_lend_fini(struct vmq_rxq *q, struct vmq_rxq_mem *m,
		      unsigned int wait_ms);

/* rx_lend.c: a lending queue's buffers, for rx.c and queue_mem.c */
int vmq_rx_lend_init(struct vmq_rxq_mem *m, const struct vmq_rxq_blk *data);
struct page *vmq_rx_lend_buf(struct vmq_rx_lend *l, u32 b);
u32 vmq_rx_lend_reclaim(struct vmq_rx_lend *l, u32 max);
u32 vmq_rx_lend_drop(struct vmq_rx_lend *l, u32 *bufs);

/* stats.c: the one reader of the counters */
void vmq_rxq_stats_read(const struct vmq_rxq *q, struct vmq_rxq_counters *c);
void vmq_txq_stats_read(const struct vmq_txq_stats *s,
			struct vmq_txq_counters *c);
void vmq_get_stats64(struct net_device *netdev,
		     struct rtnl_link_stats64 *tot);

#endif /* _VMQNET_RXQ_H */
