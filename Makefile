# SPDX-License-Identifier: GPL-2.0
# kmemtrap top-level Makefile.
#
#   make                 build kmemtrap.ko (and the test modules) against KDIR
#   make KDIR=/lib/modules/$(uname -r)/build    build against the running kernel
#   make clean
#
# KDIR defaults to the headers of the project's test kernel (installed by tools/setup.sh).

ifneq ($(KERNELRELEASE),)
# Invoked by Kbuild: the Kbuild file next to this one describes the objects.
include $(src)/Kbuild
else

KMT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kmemtrap
KMT_KERNEL_ABI ?= $(shell cat $(KMT_CACHE)/current/.complete 2>/dev/null)
KDIR ?= $(if $(KMT_KERNEL_ABI),/usr/src/linux-headers-$(KMT_KERNEL_ABI),/lib/modules/$(shell uname -r)/build)
PWD := $(shell pwd)

all: modules

modules:
	@test -d "$(KDIR)" || { echo "make: KDIR=$(KDIR) does not exist: run tools/setup.sh or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) modules
	$(MAKE) -C $(KDIR) M=$(PWD)/userspace-tests/vm/modules KBUILD_EXTRA_SYMBOLS=$(PWD)/Module.symvers modules

clean:
	@test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(PWD) clean || true
	@test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(PWD)/userspace-tests/vm/modules clean || true

.PHONY: all modules clean
endif
