/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels vmqnet builds for, in one place: Debian's
 * 6.1 and 6.12. The version each difference starts at is the upstream one;
 * only 6.1 and 6.12 are built. Where a feature macro tells, it is used
 * instead of the version.
 */
#ifndef _VMQNET_COMPAT_H
#define _VMQNET_COMPAT_H

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/mmzone.h>
#include <linux/netlink.h>
#include <linux/version.h>

/* A reason that is not a string literal (those of filter.c and
 * queue_state.c, static strings chosen at run time) goes into an extack
 * with NL_SET_ERR_MSG_FMT_MOD() from 6.2 on. 6.1 only has the literal-only
 * NL_SET_ERR_MSG(), so the pointer is stored as that macro stores it.
 */
static inline void vmq_extack_set(struct netlink_ext_ack *extack,
				  const char *why)
{
#ifdef NL_SET_ERR_MSG_FMT_MOD
	NL_SET_ERR_MSG_FMT_MOD(extack, "%s", why);
#else
	if (extack)
		extack->_msg = why;
#endif
}

/* The largest order the page allocator hands out. 6.4 made MAX_ORDER
 * inclusive, 6.8 renamed it MAX_PAGE_ORDER; before 6.4 it was one past.
 */
#ifndef MAX_PAGE_ORDER
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define MAX_PAGE_ORDER	MAX_ORDER
#else
#define MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif
#endif

/* The bus_type a bus attribute's store gets is const from 6.4 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define VMQ_BUS_CONST	const
#else
#define VMQ_BUS_CONST
#endif

/* 6.11: dma_set_max_seg_size() cannot fail (it warns on a device without
 * dma_parms) and returns nothing.
 */
static inline int vmq_dma_set_max_seg_size(struct device *dev,
					   unsigned int size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dma_set_max_seg_size(dev, size);
	return 0;
#else
	return dma_set_max_seg_size(dev, size);
#endif
}

#endif /* _VMQNET_COMPAT_H */
