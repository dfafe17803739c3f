# SPDX-License-Identifier: GPL-2.0
#
# vmqnet: the NDIS VMQ shared-memory model on a simulated Linux NIC.
#
#   make            build vmqnet.ko (and the test modules) for KDIR
#   make deps       install the Debian packages the project needs
#   make check      the test command: kselftests on the release kernel,
#                   then KUnit and kselftests on the debug kernel
#   make demo       boot a guest and show vmqnet at work
#   make shell      interactive root shell in a guest with vmqnet loaded
#   make bench      benchmarks, printed as ratios against the raw kernel APIs
#   make profile    where a TCP stream's CPU time goes, vmqnet against veth
#   make stress     long campaigns on the debug kernel, outside make check
#   make lint       checkpatch --strict and sparse on the sources
#   make dkms-install  as root: install vmqnet with DKMS for the running
#                   kernel (or KVER=), rebuilt at each kernel upgrade
#   make dkms-remove   as root: remove it again

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
RELEASE := $(shell bash -c '. $(TOP)/tools/lib/common.sh; vmq_release_version')
# The host's running kernel is not the target: build against the headers of
# Debian's release kernel, the one the guest boots.
KDIR ?= /lib/modules/$(RELEASE)/build
W ?= 1
KERNEL ?= release

.PHONY: all modules deps clean check demo shell bench profile stress lint sparse checkpatch \
	dkms-install dkms-remove

all: modules

modules: deps
	$(MAKE) -C $(KDIR) M=$(TOP) W=$(W) modules

deps:
	@$(TOP)/tools/deps

check: deps
	$(TOP)/tools/check

demo: deps
	$(TOP)/tools/vm/run --kernel $(KERNEL) -- $(TOP)/tools/demo.sh

shell: deps
	$(TOP)/tools/vm/run --kernel $(KERNEL) --interactive

bench: deps
	$(TOP)/tools/bench

profile: deps
	$(TOP)/tools/profile

# STRESS_OPS operations of reconfig_mix.sh, STRESS_SEED to replay one run.
STRESS_OPS ?= 600
stress: deps
	$(TOP)/tools/vm/run --kernel debug --cpus 2 --timeout 7200 -- \
		$(TOP)/selftests/drivers/net/vmqnet/reconfig_mix.sh $(STRESS_OPS) $(STRESS_SEED)
	$(TOP)/tools/vm/run --kernel debug --cpus 2 --timeout 14400 -- \
		$(TOP)/selftests/drivers/net/vmqnet/fault_sweep.sh all
	$(TOP)/tools/vm/run --kernel debug --cpus 2 --timeout 7200 -- \
		env VMQ_DEBUG_ALL=1 \
		$(TOP)/selftests/drivers/net/vmqnet/rx_traffic.sh 1000
	$(TOP)/tools/vm/run --kernel debug --cpus 2 --timeout 3600 -- \
		env VMQ_DEBUG_ALL=1 $(TOP)/tools/selftests-guest \
		macvlan.sh filters.sh xsk.sh devlink.sh coalesce.sh
	$(TOP)/tools/vm/run --kernel debug --cpus 2 --timeout 7200 -- \
		$(TOP)/selftests/drivers/net/vmqnet/bad_input.sh 5000 $(STRESS_SEED)

lint: checkpatch sparse

checkpatch: deps
	$(TOP)/tools/lint checkpatch

sparse: deps
	$(TOP)/tools/lint sparse

# Not deps: a host that only installs the module needs dkms and its
# kernel's headers, not the test environment.
dkms-install:
	$(TOP)/tools/dkms install $(KVER)

dkms-remove:
	$(TOP)/tools/dkms remove

clean:
	-[ -d $(KDIR) ] && $(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(TOP)/.build
