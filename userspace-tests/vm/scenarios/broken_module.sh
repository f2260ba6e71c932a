# A module whose init fails: this scenario must FAIL, with the insmod error in the harness output.
# (The CTest entry passes only if kmt-vm reports exactly that failure.)
kmt_load kmt_broken
