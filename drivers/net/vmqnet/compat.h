/* SPDX-License-Identifier: GPL-2.0 */
/* What differs between the kernels vmqnet builds for, in one place. */
#ifndef _VMQNET_COMPAT_H
#define _VMQNET_COMPAT_H

#include <linux/netlink.h>

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

#endif /* _VMQNET_COMPAT_H */
