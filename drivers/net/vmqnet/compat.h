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
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/version.h>
#include <net/devlink.h>
#include <net/xdp.h>
/* skb_gso_segment() moved out of netdevice.h in 6.5. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

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

/* 6.3: a driver says which XDP actions it supports, and a redirect to a
 * device that does not say NDO_XMIT is refused; before, ndo_bpf and
 * ndo_xdp_xmit were all there was to say.
 */
static inline void vmq_xdp_features_set(struct net_device *netdev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	xdp_set_features_flag(netdev, NETDEV_XDP_ACT_BASIC |
				      NETDEV_XDP_ACT_REDIRECT |
				      NETDEV_XDP_ACT_NDO_XMIT |
				      NETDEV_XDP_ACT_XSK_ZEROCOPY);
#endif
}

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

/* A port's netdev and its devlink port. Up to 6.1 the driver links the two
 * once the netdev is registered (and unlinks them before unregistering it),
 * and devlink finds the port of a netdev with ndo_get_devlink_port. From
 * 6.2 on the netdev points at its port before register_netdev(), and
 * devlink links and unlinks them itself on the netdev's notifier events.
 */
#ifdef SET_NETDEV_DEVLINK_PORT
#define VMQ_HAVE_NDO_GET_DEVLINK_PORT	0
static inline void vmq_netdev_devlink_port_set(struct net_device *netdev,
					       struct devlink_port *dl_port)
{
	SET_NETDEV_DEVLINK_PORT(netdev, dl_port);
}

static inline void vmq_devlink_port_link(struct devlink_port *dl_port,
					 struct net_device *netdev)
{
}

static inline void vmq_devlink_port_unlink(struct devlink_port *dl_port)
{
}
#else
#define VMQ_HAVE_NDO_GET_DEVLINK_PORT	1
static inline void vmq_netdev_devlink_port_set(struct net_device *netdev,
					       struct devlink_port *dl_port)
{
}

static inline void vmq_devlink_port_link(struct devlink_port *dl_port,
					 struct net_device *netdev)
{
	devlink_port_type_eth_set(dl_port, netdev);
}

static inline void vmq_devlink_port_unlink(struct devlink_port *dl_port)
{
	devlink_port_type_clear(dl_port);
}
#endif

/* 6.8: a driver tells the core which NAPI serves an RX queue: netdev
 * netlink's queue-get reports it, so that user space can busy poll a
 * queue's NAPI. The core wants RTNL once the netdev is registered; @napi
 * NULL ends the link, which must go before its NAPI is deleted. Before
 * 6.8 there is nothing to tell.
 */
static inline void vmq_netif_queue_set_napi_rx(struct net_device *netdev,
					       unsigned int index,
					       struct napi_struct *napi)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	netif_queue_set_napi(netdev, index, NETDEV_QUEUE_TYPE_RX, napi);
#endif
}

/* 6.10 brought netdev_queue_mgmt_ops, which the core drives through
 * netdev_rx_queue_restart(), and 6.12 the memory providers of RX queues
 * (rxq->mp_params, devmem TCP) that restart installs. vmqnet offers the
 * ops (queue_mgmt.c) where both are: of the kernels it builds for, 6.12.
 */
#define VMQ_HAVE_QUEUE_MGMT \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0))

/* 6.10: per-queue statistics for netdev netlink's qstats-get
 * (struct netdev_stat_ops, qstats.c). Before that there are none to give.
 */
#define VMQ_HAVE_STAT_OPS \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0))

#if VMQ_HAVE_STAT_OPS
#include <net/netdev_queues.h>

extern const struct netdev_stat_ops vmq_stat_ops;

static inline void vmq_netdev_set_stat_ops(struct net_device *netdev)
{
	netdev->stat_ops = &vmq_stat_ops;
}
#else
static inline void vmq_netdev_set_stat_ops(struct net_device *netdev)
{
}
#endif

/* 6.2 made the devlink core report the driver name (the bound driver's)
 * in info_get; the driver's own devlink_info_driver_name_put() went away.
 */
static inline int vmq_devlink_info_driver_name_put(struct devlink_info_req *req,
						   const char *name)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return 0;
#else
	return devlink_info_driver_name_put(req, name);
#endif
}

/* Up to 6.2 reload had to be enabled; from 6.3 on the reload ops do it.
 * (DEVLINK_F_RELOAD is an enumerator, no feature macro, and outlived
 * devlink_set_features().)
 */
static inline void vmq_devlink_reload_enable(struct devlink *devlink)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	devlink_set_features(devlink, DEVLINK_F_RELOAD);
#endif
}

/* Devlink objects registered with the instance lock held (probe, remove,
 * reload). Up to 6.2 params and health reporters had locks of their own
 * and only the devlink_* calls. From 6.3 on they are under the instance
 * lock: devlink_* take it, and so would deadlock here; devl_* assert it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline int vmq_devl_params_register(struct devlink *devlink,
					   const struct devlink_param *params,
					   size_t count)
{
	return devl_params_register(devlink, params, count);
}

static inline void
vmq_devl_params_unregister(struct devlink *devlink,
			   const struct devlink_param *params, size_t count)
{
	devl_params_unregister(devlink, params, count);
}

static inline struct devlink_health_reporter *
vmq_devl_health_reporter_create(struct devlink *devlink,
				const struct devlink_health_reporter_ops *ops,
				u64 graceful_period, void *priv)
{
	return devl_health_reporter_create(devlink, ops, graceful_period, priv);
}

static inline void
vmq_devl_health_reporter_destroy(struct devlink_health_reporter *reporter)
{
	devl_health_reporter_destroy(reporter);
}
#else
static inline int vmq_devl_params_register(struct devlink *devlink,
					   const struct devlink_param *params,
					   size_t count)
{
	return devlink_params_register(devlink, params, count);
}

static inline void
vmq_devl_params_unregister(struct devlink *devlink,
			   const struct devlink_param *params, size_t count)
{
	devlink_params_unregister(devlink, params, count);
}

static inline struct devlink_health_reporter *
vmq_devl_health_reporter_create(struct devlink *devlink,
				const struct devlink_health_reporter_ops *ops,
				u64 graceful_period, void *priv)
{
	return devlink_health_reporter_create(devlink, ops, graceful_period,
					      priv);
}

static inline void
vmq_devl_health_reporter_destroy(struct devlink_health_reporter *reporter)
{
	devlink_health_reporter_destroy(reporter);
}
#endif

/* The driverinit values, instance lock held. 6.4 renamed the two devl_*
 * and made set return nothing. From 6.4 on, too, a value set from user
 * space is pending until reload: the core loads it between reload_down and
 * reload_up, so reload_down still reads the current one, and a driver
 * that checks the new values there must keep them itself.
 */
#define VMQ_DEVLINK_DRIVERINIT_PENDING \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0))

static inline int vmq_devl_param_driverinit_get(struct devlink *devlink,
						u32 id,
						union devlink_param_value *val)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	return devl_param_driverinit_value_get(devlink, id, val);
#else
	return devlink_param_driverinit_value_get(devlink, id, val);
#endif
}

static inline void vmq_devl_param_driverinit_set(struct devlink *devlink,
						 u32 id,
						 union devlink_param_value val)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	devl_param_driverinit_value_set(devlink, id, val);
#else
	devlink_param_driverinit_value_set(devlink, id, val);
#endif
}

/* devlink_fmsg putters. Up to 6.6 each returns an errno that the caller
 * must stop at. From 6.7 on they return nothing: the first error sticks
 * to the message, later puts do nothing, and the core returns the error.
 * These return 0 there, so callers keep one form.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define VMQ_FMSG(put)	({ put; 0; })
#else
#define VMQ_FMSG(put)	(put)
#endif

static inline int vmq_fmsg_obj_nest_start(struct devlink_fmsg *fmsg)
{
	return VMQ_FMSG(devlink_fmsg_obj_nest_start(fmsg));
}

static inline int vmq_fmsg_obj_nest_end(struct devlink_fmsg *fmsg)
{
	return VMQ_FMSG(devlink_fmsg_obj_nest_end(fmsg));
}

static inline int vmq_fmsg_pair_nest_start(struct devlink_fmsg *fmsg,
					   const char *name)
{
	return VMQ_FMSG(devlink_fmsg_pair_nest_start(fmsg, name));
}

static inline int vmq_fmsg_pair_nest_end(struct devlink_fmsg *fmsg)
{
	return VMQ_FMSG(devlink_fmsg_pair_nest_end(fmsg));
}

static inline int vmq_fmsg_arr_pair_nest_start(struct devlink_fmsg *fmsg,
					       const char *name)
{
	return VMQ_FMSG(devlink_fmsg_arr_pair_nest_start(fmsg, name));
}

static inline int vmq_fmsg_arr_pair_nest_end(struct devlink_fmsg *fmsg)
{
	return VMQ_FMSG(devlink_fmsg_arr_pair_nest_end(fmsg));
}

static inline int vmq_fmsg_bool_pair_put(struct devlink_fmsg *fmsg,
					 const char *name, bool value)
{
	return VMQ_FMSG(devlink_fmsg_bool_pair_put(fmsg, name, value));
}

static inline int vmq_fmsg_u32_pair_put(struct devlink_fmsg *fmsg,
					const char *name, u32 value)
{
	return VMQ_FMSG(devlink_fmsg_u32_pair_put(fmsg, name, value));
}

static inline int vmq_fmsg_u64_pair_put(struct devlink_fmsg *fmsg,
					const char *name, u64 value)
{
	return VMQ_FMSG(devlink_fmsg_u64_pair_put(fmsg, name, value));
}

static inline int vmq_fmsg_string_pair_put(struct devlink_fmsg *fmsg,
					   const char *name, const char *value)
{
	return VMQ_FMSG(devlink_fmsg_string_pair_put(fmsg, name, value));
}

#endif /* _VMQNET_COMPAT_H */
