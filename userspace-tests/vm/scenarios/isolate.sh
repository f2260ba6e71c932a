# Tracked kmalloc objects on pages of their own (module/isolate.c, issue 13 goal 2), with
# kmt_iso (plain kmalloc, no annotations) under track_modules=kmt_iso:
# 1. a read past a 64-byte object's end is reported as unallocated (the slot's other bytes);
#    ksize() and krealloc() see the object as kmalloc made it; kfree_rcu()'s batched kfree_bulk()
#    of moved objects frees them through kmemtrap (no bad free, no warning); a double free of a
#    moved object is said and ignored (run only with objects moved: the slab allocator would stop);
#    2,000 objects through the 128 slots (each slot freed by the kernel's kfree() and reused);
#    no allocator tracepoint attached (kmt_iso only kmallocs); an object too large to move is
#    not tracked then, the hooks are attached, and the next one is tracked in place;
# 2. an untracked kmalloc-64 neighbour of the tracked object's birthplace is read 1,000 times
#    without a fault; with isolate=0 (the object tracked where the allocator put it) the same
#    reads fault when the neighbour shares its page;
#    the same for objects made by the core kernel's kmemdup() for kmt_iso (the kernel's calls of
#    the track_caller entry point are rewritten too) and by kmt_iso's init function (init text);
#    a kvmalloc() of kmt_iso (6.1: kvmalloc_node() tail-jumps to __kmalloc_node()) is not
#    tracked in place (the kernel's tail jumps are rewritten too);
# 3. kmt_iso's kmalloc calls are rewritten, no ftrace callback is on kmalloc; with the selection
#    cleared they are put back (no object moved or tracked), selected again rewritten again;
#    sampling takes ftrace callbacks on every kmalloc entry point instead, gone when it stops;
# 4. an object still live when kmemtrap unloads is left to the kernel: kmt_iso checks and frees
#    it afterwards, with no warning;
# 5. kmemtrap loaded after kmt_iso: kmt_iso's calls are found on the module list and rewritten.
#@expect kmemtrap: isolate: 128 pool slots of 16 KiB \(2048 KiB\)
#@expect BUG: kmemtrap: unallocated-read in kmt_iso_oob_read
#@expect BUG: kmemtrap: unallocated-read in kmt_iso_kmemdup_oob_read
#@expect BUG: kmemtrap: unallocated-read in kmt_iso_init_oob_read
#@expect kmt_iso: ksize_krealloc: done
#@expect kmt_iso: kfree_rcu: done
#@expect kmt_iso: churn: done
#@expect BUG: kmemtrap: invalid free of [0-9a-f]+ \(an object already freed\) by iso_double_free
#@expect KMT-ISO: isolated neighbour faults=0
#@expect KMT-ISO: objects_isolated [1-9][0-9]* isolate_pool_full 0 objects_skipped_unhooked 0 isolate_bad_frees 1 alloc_hooks 0
#@expect kmemtrap: isolate: 1 pool slots hold live objects: left to the kernel
#@expect KMT-ISO: calls rewritten [1-9][0-9]*, no kmalloc callback; put back without the selection; ftrace callbacks while sampling
#@expect KMT-ISO: loaded before kmemtrap: objects_isolated [1-9][0-9]{3,}
#@expect kmt_iso: release: done
#@expect KMT-ISO: in-place neighbour (faults=[1-9][0-9]{3,}|not on the page)
#@expect kmemtrap: unloaded: .* 0 internal errors, .* 0 pages still tracked, 0 hidden
#@reject kmt_iso: .*WRONG
#@reject WARNING:
#@expect KMT-ISO: big object unhooked: not tracked, hooks attached, then tracked in place
#@expect BUG: kmemtrap: uninit-use in kmt_iso_big_read
#@expect kmemtrap: allocator hooks attached: a selected object could not be moved
#@expect kmemtrap: summary: 4 reports printed, 0 repeats
#@reject BUG: kmemtrap: .* in iso_
D=/sys/kernel/debug
run() { echo "$1" >$D/kmt_iso/run || kmt_fail "kmt_iso: $1 failed"; }

kmt_load kmemtrap track_modules=kmt_iso
kmt_load kmt_iso
run oob_read
run kmemdup_oob
run init_oob
t0=$(kmt_counter objects_tracked_total)
run kvmalloc
[ "$(kmt_counter objects_tracked_total)" = "$t0" ] ||
	kmt_fail "kvmalloc() from kmt_iso tracked in place (its page hidden): not sent to the wrapper"
run ksize_krealloc
run kfree_rcu
run double_free
run churn
run neighbour
f0=$(kmt_counter faults_handled)
run neighbour_read
f1=$(kmt_counter faults_handled)
echo "KMT-ISO: isolated neighbour faults=$((f1 - f0))"
run neighbour_free
sleep 6 # kfree_rcu's batch
# kmt_iso's objects are all moved, their frees seen by isolate.c: no tracepoint is attached, so
# the kernel's other allocations and frees pay nothing.
echo "KMT-ISO: $(for c in objects_isolated isolate_pool_full objects_skipped_unhooked isolate_bad_frees alloc_hooks; do
	printf '%s %s ' $c "$(kmt_counter $c)"; done)"
# An object too large to move, met with the hooks off: not tracked (no report), counted; the
# hooks are attached then (irq_work, then a work item), and the next one is tracked in place.
nrep() { cat $D/kmemtrap/reports >/dev/null; dmesg | grep -c 'BUG: kmemtrap: uninit-use in kmt_iso_big_read'; }
run big
[ "$(nrep)" = 0 ] || kmt_fail "an object too large to move was tracked with the allocator hooks off"
[ "$(kmt_counter objects_skipped_unhooked)" = 1 ] || kmt_fail "objects_skipped_unhooked is $(kmt_counter objects_skipped_unhooked), not 1"
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(kmt_counter alloc_hooks)" = 1 ] && break; usleep 500000; done
[ "$(kmt_counter alloc_hooks)" = 1 ] || kmt_fail "the allocator hooks were not attached after an object could not be moved"
run big
[ "$(nrep)" = 1 ] || kmt_fail "the large object was not tracked in place once the hooks were attached"
echo "KMT-ISO: big object unhooked: not tracked, hooks attached, then tracked in place"
# A selected module's calls are rewritten: no kmalloc callback; sampling needs the callbacks.
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
hooks() { grep -c 'kmt_iso_alloc_redirect' /sys/kernel/tracing/enabled_functions; }
P=/sys/module/kmemtrap/parameters
rewritten=$(kmt_counter isolate_calls_rewritten)
[ "$rewritten" -ge 2 ] || kmt_fail "$rewritten kmalloc calls rewritten with track_modules=kmt_iso"
[ "$(hooks)" = 0 ] || kmt_fail "$(hooks) kmalloc functions hooked through ftrace with track_modules=kmt_iso"
echo "" >$P/track_modules || kmt_fail "cannot clear track_modules"
i0=$(kmt_counter objects_isolated) t0=$(kmt_counter objects_tracked_total)
run churn
[ "$(kmt_counter objects_isolated)" = "$i0" ] && [ "$(kmt_counter objects_tracked_total)" = "$t0" ] ||
	kmt_fail "objects moved or tracked with no module selected"
echo kmt_iso >$P/track_modules || kmt_fail "cannot set track_modules"
run churn
[ "$(kmt_counter objects_isolated)" -ge $((i0 + 1000)) ] ||
	kmt_fail "$(($(kmt_counter objects_isolated) - i0)) of 2,000 objects moved after selecting kmt_iso again"
echo 1000 >$P/sample_interval || kmt_fail "cannot set sample_interval"
[ "$(hooks)" -ge 5 ] || kmt_fail "$(hooks) kmalloc functions hooked through ftrace while sampling"
[ "$(kmt_counter alloc_hooks)" = 1 ] || kmt_fail "sampling did not attach the allocator's tracepoints"
echo 0 >$P/sample_interval || kmt_fail "cannot clear sample_interval"
[ "$(hooks)" = 0 ] || kmt_fail "$(hooks) kmalloc functions still hooked after sampling"
echo "KMT-ISO: calls rewritten $rewritten, no kmalloc callback; put back without the selection; ftrace callbacks while sampling"
run keep
kmt_unload kmemtrap
run release

kmt_load kmemtrap track_modules=kmt_iso
run churn
run kmemdup_oob
echo "KMT-ISO: loaded before kmemtrap: objects_isolated $(kmt_counter objects_isolated)"
kmt_unload kmemtrap

kmt_load kmemtrap track_modules=kmt_iso isolate=0
run neighbour
f0=$(kmt_counter faults_handled)
run neighbour_read
f1=$(kmt_counter faults_handled)
if dmesg | tail -n 3 | grep -q "kmt_iso: neighbour on the tracked object's page"; then
	echo "KMT-ISO: in-place neighbour faults=$((f1 - f0))"
else
	echo "KMT-ISO: in-place neighbour not on the page"
fi
run neighbour_free
[ "$(kmt_counter objects_isolated)" = 0 ] || kmt_fail "isolate=0 moved objects"
[ "$(kmt_counter alloc_hooks)" = 1 ] || kmt_fail "isolate=0 tracked objects in place without the allocator's tracepoints"
kmt_unload kmt_iso
kmt_unload kmemtrap
