// SPDX-License-Identifier: GPL-2.0
/*
 * Adaptive interrupt moderation (ethtool -C adaptive-rx): the kernel's
 * DIM library picks each queue's moderation from what NAPI measures, as
 * NIC drivers use it. The device holds a queue's interrupt back as the
 * chosen profile says (hw.c), as it does for a fixed rx-usecs.
 */

#include <linux/dim.h>
#include <linux/workqueue.h>

#include "rxq.h"

/* DIM moved the queue to another profile: the device uses it from the
 * next interrupt on.
 */
static void vmq_coal_dim_work(struct work_struct *work)
{
	struct dim *dim = container_of(work, struct dim, work);
	struct vmq_rxq *q = container_of(dim, struct vmq_rxq, dim);
	struct dim_cq_moder m;

	m = net_dim_get_rx_moderation(dim->mode, dim->profile_ix);
	WRITE_ONCE(q->dim_usecs, m.usec);
	WRITE_ONCE(q->dim_frames, m.pkts);
	dim->state = DIM_START_MEASURE;
}

/**
 * vmq_coal_init() - set up a queue's adaptive moderation
 * @q: the queue
 *
 * Timer periods start at a frame's completion (EQE based: the device
 * starts the timer with the first frame that finds NAPI idle).
 */
void vmq_coal_init(struct vmq_rxq *q)
{
	struct dim_cq_moder m;

	INIT_WORK(&q->dim.work, vmq_coal_dim_work);
	q->dim.mode = DIM_CQ_PERIOD_MODE_START_FROM_EQE;
	m = net_dim_get_rx_moderation(q->dim.mode, q->dim.profile_ix);
	q->dim_usecs = m.usec;
	q->dim_frames = m.pkts;
}

/**
 * vmq_coal_fini() - finish a queue's profile change
 * @q: the queue, its NAPI disabled, so that DIM schedules no more
 *
 * Flushed, not cancelled: DIM measures nothing more until its work has
 * applied the change, so a cancelled one would leave it stuck once NAPI
 * runs again.
 */
void vmq_coal_fini(struct vmq_rxq *q)
{
	flush_work(&q->dim.work);
}

/**
 * vmq_coal_sample() - let DIM measure a queue's traffic
 * @q: the queue, its counters for DIM up to date
 *
 * Context: NAPI, as it completes; DIM then compares the rates of frames,
 * bytes and interrupts over its last window with the one before.
 */
void vmq_coal_sample(struct vmq_rxq *q)
{
	struct dim_sample s;

	if (!READ_ONCE(q->port->rx->coal_adaptive))
		return;
	dim_update_sample((u16)atomic64_read(&q->irqs), q->dim_packets,
			  q->dim_bytes, &s);
	net_dim(&q->dim, s);
}
