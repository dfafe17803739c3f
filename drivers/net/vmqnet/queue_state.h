/* SPDX-License-Identifier: GPL-2.0 */
/* The NDIS VM queue state machine (queue_state.c): pure, also tested by
 * KUnit.
 */
#ifndef _VMQNET_QUEUE_STATE_H
#define _VMQNET_QUEUE_STATE_H

enum vmq_queue_state {
	VMQ_QS_UNDEFINED,
	VMQ_QS_ALLOCATED,
	VMQ_QS_SET,
	VMQ_QS_RUNNING,
	VMQ_QS_PAUSED,
	VMQ_QS_DMA_STOPPED,
	VMQ_QS_FREEING,
};

enum vmq_queue_event {
	VMQ_QE_ALLOC_COMPLETE,
	VMQ_QE_FILTER_SET,
	VMQ_QE_FILTER_CLEARED,	/* the queue's last filter */
	VMQ_QE_FREE,
	VMQ_QE_BUFFERS_BACK,
	VMQ_QE_FREED,
	VMQ_QE_ALLOC,		/* ALLOCATE_QUEUE */
	VMQ_QE_HALT,		/* the port halts: DMA stops, no FREE_QUEUE */
	VMQ_QE_RESTART,		/* new memory for a live queue (6.12's
				 * netdev_queue_mgmt_ops)
				 */
};

const char *vmq_queue_state_name(enum vmq_queue_state state);
int vmq_queue_next_state(enum vmq_queue_state cur, enum vmq_queue_event ev,
			 enum vmq_queue_state *next, const char **why);

#endif /* _VMQNET_QUEUE_STATE_H */
