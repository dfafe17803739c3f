// SPDX-License-Identifier: GPL-2.0
/*
 * The vmqnet bus: devices are created and destroyed from userspace through
 * /sys/bus/vmqnet/new_device and del_device, and the vmqnet driver binds to
 * them like a PCI driver to its functions.
 *
 * The bus files are root's (0200), but the root of a user namespace that
 * root made has root's uid and passes the mode: every store also needs
 * CAP_NET_ADMIN in the initial user namespace, as the devices and links
 * they change are global.
 *
 * Locking: vmq_bus_lock serialises the device list, vmq_bus_enabled and
 * device registration. Module exit clears vmq_bus_enabled under the lock
 * before it tears the devices down, so a store that races with rmmod either
 * finishes before the teardown or sees the flag and fails with -ENODEV;
 * the bus attributes themselves are removed (and waited for) only after
 * the lock is dropped, so nothing waits on a store that waits on the lock.
 * Lock order: vmq_bus_lock -> device_lock -> devlink instance lock -> RTNL.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/wait.h>

#include "compat.h"
#include "vmqnet.h"

static LIST_HEAD(vmq_bus_dev_list);
static DEFINE_MUTEX(vmq_bus_lock);
static bool vmq_bus_enabled;

static struct vmq_bus_dev *vmq_bus_dev_find(u32 id)
{
	struct vmq_bus_dev *bdev;

	lockdep_assert_held(&vmq_bus_lock);

	list_for_each_entry(bdev, &vmq_bus_dev_list, list)
		if (bdev->dev.id == id)
			return bdev;
	return NULL;
}

/**
 * vmq_bus_dev_get() - look up a vmqnet bus device by ID
 * @id: the ID it was created with
 *
 * The device stays valid (not necessarily bound) until the caller drops the
 * reference with put_device(). Its driver state, if bound, is
 * dev_get_drvdata(), a struct vmq_dev; use it under device_lock().
 *
 * Return: the device with a reference held, or NULL.
 */
struct device *vmq_bus_dev_get(u32 id)
{
	struct vmq_bus_dev *bdev;
	struct device *dev = NULL;

	mutex_lock(&vmq_bus_lock);
	bdev = vmq_bus_dev_find(id);
	if (bdev)
		dev = get_device(&bdev->dev);
	mutex_unlock(&vmq_bus_lock);
	return dev;
}

/* Devices whose release has not run yet. Newer devlink (6.12, not 6.1)
 * holds the device of an instance and drops it from a work item after an
 * RCU grace period: the last put of a deleted device can come after rmmod
 * has deleted everything, and its release is this module's code.
 */
static atomic_t vmq_bus_devs_unreleased = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vmq_bus_devs_released);

static void vmq_bus_dev_release(struct device *dev)
{
	kfree(to_vmq_bus_dev(dev));
	if (atomic_dec_and_test(&vmq_bus_devs_unreleased))
		wake_up(&vmq_bus_devs_released);
}

static const struct device_type vmq_bus_dev_type = {
	.release = vmq_bus_dev_release,
};

static int vmq_bus_probe(struct device *dev)
{
	struct vmq_bus_dev *bdev = to_vmq_bus_dev(dev);

	bdev->probe_err = vmq_dev_probe(bdev);
	return bdev->probe_err;
}

static void vmq_bus_remove(struct device *dev)
{
	vmq_dev_remove(to_vmq_bus_dev(dev));
}

static struct bus_type vmq_bus;

static struct vmq_bus_dev *vmq_bus_dev_add(const struct vmq_new_dev_args *args)
{
	struct vmq_bus_dev *bdev;
	bool bound;
	int err;

	lockdep_assert_held(&vmq_bus_lock);

	bdev = kzalloc(sizeof(*bdev), GFP_KERNEL);
	if (!bdev)
		return ERR_PTR(-ENOMEM);

	bdev->dev.id = args->id;
	bdev->dev.bus = &vmq_bus;
	bdev->dev.type = &vmq_bus_dev_type;
	bdev->ports = args->ports;
	bdev->queues = args->queues;
	device_initialize(&bdev->dev);
	atomic_inc(&vmq_bus_devs_unreleased);
	/* From here on the release callback frees bdev. */

	bdev->dev.dma_mask = &bdev->dev.coherent_dma_mask;
	bdev->dev.dma_parms = &bdev->dma_parms;
	err = dma_set_mask_and_coherent(&bdev->dev, DMA_BIT_MASK(64));
	if (err)
		goto err_put;
	err = vmq_dma_set_max_seg_size(&bdev->dev, UINT_MAX);
	if (err)
		goto err_put;

	err = device_add(&bdev->dev);
	if (err)
		goto err_put;
	/* device_add() probes synchronously but does not report a failure
	 * to bind, in probe or in the driver core before it (sysfs links);
	 * an unbound device would look like success. Without a probe error
	 * to pass on (or with drivers_autoprobe off), say -ENODEV.
	 */
	device_lock(&bdev->dev);
	bound = bdev->dev.driver;
	device_unlock(&bdev->dev);
	if (!bound) {
		err = bdev->probe_err ?: -ENODEV;
		device_unregister(&bdev->dev);
		return ERR_PTR(err);
	}

	list_add_tail(&bdev->list, &vmq_bus_dev_list);
	return bdev;

err_put:
	put_device(&bdev->dev);
	return ERR_PTR(err);
}

static void vmq_bus_dev_del(struct vmq_bus_dev *bdev)
{
	lockdep_assert_held(&vmq_bus_lock);

	list_del(&bdev->list);
	device_unregister(&bdev->dev);
}

static ssize_t new_device_store(VMQ_BUS_CONST struct bus_type *bus,
				const char *buf, size_t count)
{
	struct vmq_new_dev_args args;
	struct vmq_bus_dev *bdev;
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = vmq_parse_new_device(buf, count, &args);
	if (err) {
		pr_info_ratelimited("new_device: expected \"ID [PORTS [QUEUES]]\", ID <= %u, 1 <= PORTS <= %u, 1 <= QUEUES <= %u\n",
				    VMQ_DEV_ID_MAX, VMQ_PORTS_MAX,
				    VMQ_QUEUES_MAX);
		return err;
	}

	mutex_lock(&vmq_bus_lock);
	if (!vmq_bus_enabled) {
		err = -ENODEV;
		goto out_unlock;
	}
	if (vmq_bus_dev_find(args.id)) {
		err = -EEXIST;
		goto out_unlock;
	}
	bdev = vmq_bus_dev_add(&args);
	if (IS_ERR(bdev))
		err = PTR_ERR(bdev);
out_unlock:
	mutex_unlock(&vmq_bus_lock);
	return err ? err : count;
}
static BUS_ATTR_WO(new_device);

static ssize_t del_device_store(VMQ_BUS_CONST struct bus_type *bus,
				const char *buf, size_t count)
{
	struct vmq_bus_dev *bdev;
	u32 id;
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = vmq_parse_del_device(buf, count, &id);
	if (err) {
		pr_info_ratelimited("del_device: expected \"ID\", ID <= %u\n",
				    VMQ_DEV_ID_MAX);
		return err;
	}

	mutex_lock(&vmq_bus_lock);
	if (!vmq_bus_enabled) {
		err = -ENODEV;
		goto out_unlock;
	}
	bdev = vmq_bus_dev_find(id);
	if (!bdev) {
		err = -ENOENT;
		goto out_unlock;
	}
	vmq_bus_dev_del(bdev);
out_unlock:
	mutex_unlock(&vmq_bus_lock);
	return err ? err : count;
}
static BUS_ATTR_WO(del_device);

/* Linked ports: link.c. */
static ssize_t link_device_store(VMQ_BUS_CONST struct bus_type *bus,
				 const char *buf, size_t count)
{
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = vmq_link_store(buf, count);
	return err ? err : count;
}
static BUS_ATTR_WO(link_device);

static ssize_t unlink_device_store(VMQ_BUS_CONST struct bus_type *bus,
				   const char *buf, size_t count)
{
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = vmq_unlink_store(buf, count);
	return err ? err : count;
}
static BUS_ATTR_WO(unlink_device);

static struct attribute *vmq_bus_attrs[] = {
	&bus_attr_new_device.attr,
	&bus_attr_del_device.attr,
	&bus_attr_link_device.attr,
	&bus_attr_unlink_device.attr,
	NULL
};
ATTRIBUTE_GROUPS(vmq_bus);

static struct bus_type vmq_bus = {
	.name		= VMQ_DRV_NAME,
	.dev_name	= VMQ_DRV_NAME,
	.bus_groups	= vmq_bus_groups,
	.probe		= vmq_bus_probe,
	.remove		= vmq_bus_remove,
};

static struct device_driver vmq_driver = {
	.name		= VMQ_DRV_NAME,
	.bus		= &vmq_bus,
	.owner		= THIS_MODULE,
};

/* CONFIG_DMA_API_DEBUG checks for DMA allocations left behind at unbind only
 * on buses registered with dma_debug_add_bus(), as PCI is. 6.1 does not
 * export it to modules, and it allocates a notifier block that nothing ever
 * frees (its users' buses are never unregistered), which kmemleak would
 * report after every rmmod. So vmqnet cannot opt in; the shared-memory code
 * has to account for its own allocations instead.
 */
static int __init vmq_module_init(void)
{
	int err;

	vmq_debugfs_init();

	err = vmq_macvlan_init();
	if (err)
		goto err_debugfs;
	err = bus_register(&vmq_bus);
	if (err)
		goto err_macvlan;
	err = driver_register(&vmq_driver);
	if (err)
		goto err_bus;

	mutex_lock(&vmq_bus_lock);
	vmq_bus_enabled = true;
	mutex_unlock(&vmq_bus_lock);
	return 0;

err_bus:
	bus_unregister(&vmq_bus);
err_macvlan:
	vmq_macvlan_exit();
err_debugfs:
	vmq_debugfs_exit();
	return err;
}

static void __exit vmq_module_exit(void)
{
	struct vmq_bus_dev *bdev, *tmp;

	mutex_lock(&vmq_bus_lock);
	vmq_bus_enabled = false;
	list_for_each_entry_safe_reverse(bdev, tmp, &vmq_bus_dev_list, list)
		vmq_bus_dev_del(bdev);
	mutex_unlock(&vmq_bus_lock);
	/* devlink's puts wait for a grace period, then for a work item. */
	rcu_barrier();
	wait_event(vmq_bus_devs_released,
		   !atomic_read(&vmq_bus_devs_unreleased));

	driver_unregister(&vmq_driver);
	bus_unregister(&vmq_bus);
	vmq_macvlan_exit();
	vmq_debugfs_exit();
}

module_init(vmq_module_init);
module_exit(vmq_module_exit);

MODULE_DESCRIPTION("vmqnet: NDIS VMQ shared-memory model on a simulated multi-queue NIC");
MODULE_LICENSE("GPL");
