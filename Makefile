# SPDX-License-Identifier: GPL-2.0
# kmemtrap top-level Makefile.
#
#   make                 build kmemtrap.ko, kmemtrap_selftest.ko and the VM test modules for every
#                        test kernel set up by tools/setup.sh ($KMT_KERNELS, default "6.1 6.12"),
#                        each in its own folder: build/kmod/<abi>/
#   make KMT_KERNELS=6.12                     for one of them (series or full ABI)
#   make KDIR=/lib/modules/$(uname -r)/build  for one kernel, from any headers directory, in the
#                                             source tree (kmemtrap.ko here; what DKMS runs)
#   make clean
#
# Every build fails on a compiler, objtool or modpost warning (tools/build-modules.sh).
# Kbuild itself reads the Kbuild file, never this one (DKMS passes KERNELRELEASE= to this Makefile,
# so it must not take that to mean it is being read by Kbuild).

all: modules

ifeq ($(origin KDIR),undefined)
modules:
	+tools/build-modules.sh $(KMT_KERNELS)

clean:
	rm -rf build/kmod
else
modules:
	+tools/build-modules.sh --kdir $(KDIR)

# Only kmemtrap.ko and kmemtrap_selftest.ko, without the VM test modules: what dkms.conf runs.
kmemtrap:
	+tools/build-modules.sh --kdir $(KDIR) --no-vm-modules

clean:
	@test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	@test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR)/userspace-tests/vm/modules clean || true
endif

.PHONY: all modules clean kmemtrap
