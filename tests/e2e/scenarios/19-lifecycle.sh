#!/bin/bash
# Lifecycle faults on real libvirtd and systemd: 'hookctl release' of a running VM is refused and changes nothing
# (--force releases); AllowedCPUs changed by hand while the VM runs are restored by the reconnect after a libvirtd
# restart, and the VM keeps running; a dead inhibitor holder never blocks a start and is re-taken at reconnect; an undo that keeps failing blocks the next start with a message naming
# 'hookctl forget', and after the host is put right by hand and the records forgotten, the VM starts.
source "$(dirname "$0")/../lib.sh"
name=e2e-life
pool=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
node_pool=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
base=$(hp_total)
write_rule "$name" '{"hugepages": {"pageSize": "2M", "count": 8}, "cpuIsolation": {"hostCpus": "auto"}}'
check "define $name pinned to CPU 3" define_domain "$name" 64 "$(pinned_xml 3)"
check "virsh start $name" virsh start "$name" || exit 1

out=$(hookctl release "$name" 2>&1); rc=$?
expect_eq "hookctl release of the running VM exits 1" "$rc" "1"
check "it says the domain runs and names --force" grep -qE "refusing to release while the domain runs \(its QEMU runs as pid [0-9]+.*--force" <<<"$out"
expect_eq "the pages are still held" "$(hp_total)" "$((base + 8))"
expect_eq "system.slice is still confined" "$(allowed_cpus system.slice)" "0-2"

check "AllowedCPUs of system.slice widened by hand" systemctl set-property --runtime system.slice AllowedCPUs=0-3
expect_eq "system.slice now allows every CPU" "$(allowed_cpus system.slice)" "0-3"
check "restart libvirtd (it runs the hook's reconnect)" systemctl restart libvirtd
check "reconnect set AllowedCPUs of system.slice back" eventually 30 bash -c "[[ \$(systemctl show -P AllowedCPUs system.slice) == 0-2 ]]"
expect_eq "the VM kept running" "$(domstate "$name")" "running"
check "the journal says what reconnect repaired" eventually 10 bash -c \
  "journalctl --no-pager SYSLOG_IDENTIFIER=hookdispatcher LIBVIRT_DOMAIN=$name HOOK_OPERATION=reconnect | grep -qF 'AllowedCPUs of system.slice was 0-3, set back to 0-2'"

check "hookctl release --force releases the running VM" hookctl release --force "$name"
expect_eq "the pages are back" "$(hp_total)" "$base"
check "virsh destroy $name" virsh destroy "$name"
check "state file gone" eventually 10 test ! -e "$(state_file "$name")"

# An undo that keeps failing: the pool files become read-only while the VM runs, so release cannot lower them
# (release lowers a global reservation through the node pools, so node0's file too).
check "virsh start $name again" virsh start "$name" || exit 1
for f in "$pool" "$node_pool"; do
  check "make $f read-only (bind mount)" bash -c "mount --bind $f $f && mount -o remount,bind,ro $f"
done
check "virsh destroy $name" virsh destroy "$name"
check "the failed undo is kept in the state file" eventually 10 grep -q hugepages "$(state_file "$name")"
out=$(virsh start "$name" 2>&1)
check "the next start fails" test "$(domstate "$name")" != running
check "the error names 'hookctl forget $name'" grep -qF "'hookctl forget $name' drops those records" <<<"$out"
check "put the host right by hand: the pools writable and back at the baseline" bash -c "umount $pool && umount $node_pool && echo $base > $pool"
out=$(hookctl forget "$name" 2>&1); rc=$?
expect_eq "hookctl forget without --yes exits 2" "$rc" "2"
check "it shows the record and the host now" grep -qF "host now: $pool is $base" <<<"$out"
check "hookctl forget --yes" hookctl forget "$name" --yes
check "virsh start $name works again" virsh start "$name"
expect_eq "the pages are held again" "$(hp_total)" "$((base + 8))"
check "virsh destroy $name" virsh destroy "$name"
check "everything given back" eventually 10 bash -c "[[ \$(awk '/^HugePages_Total:/ {print \$2}' /proc/meminfo) == $base ]]"
for f in "$pool" "$node_pool"; do mountpoint -q "$f" && umount "$f"; done

# The inhibitor's holder dies while the VM runs: destroy and start again must work (the failed transient unit
# never blocks with UnitExists), and after logind restarts (dropping every lock) the reconnect of a libvirtd
# restart takes the inhibitor again.
name=e2e-awake2
unit=hookdispatcher-inhibit-$(systemd-escape "$name").service
listed() { systemd-inhibit --list --no-pager 2>/dev/null | grep -q "libvirt domain $name is running"; }
write_rule "$name" '{"sleepInhibitor": true}'
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name" || exit 1
check "the inhibitor is listed" eventually 10 listed
check "SIGKILL the holder" systemctl kill --signal=SIGKILL "$unit"
check "the lock is gone with it" eventually 10 bash -c "! systemd-inhibit --list --no-pager | grep -q 'libvirt domain $name'"
check "virsh destroy $name" virsh destroy "$name"
check "virsh start $name works after the holder died" virsh start "$name"
check "the inhibitor is listed again" eventually 10 listed
check "SIGKILL the holder while the VM runs" systemctl kill --signal=SIGKILL "$unit"
check "the lock is gone" eventually 10 bash -c "! systemd-inhibit --list --no-pager | grep -q 'libvirt domain $name'"
check "restart libvirtd (reconnect)" systemctl restart libvirtd
check "reconnect took the inhibitor again" eventually 30 listed
expect_eq "the VM kept running" "$(domstate "$name")" "running"
check "restart logind" systemctl restart systemd-logind
if eventually 5 bash -c "! systemd-inhibit --list --no-pager | grep -q 'libvirt domain $name'"; then
  check "restart libvirtd after logind dropped the lock" systemctl restart libvirtd
  check "reconnect took the inhibitor again after the logind restart" eventually 30 listed
else
  pass "logind kept the lock across its restart (it restores inhibitors from /run/systemd/inhibit)"
fi
expect_eq "the VM kept running" "$(domstate "$name")" "running"
check "virsh destroy $name" virsh destroy "$name"
check "the lock is gone after destroy" eventually 10 bash -c "! systemd-inhibit --list --no-pager | grep -q 'libvirt domain $name'"
check "no unit is left" eventually 10 bash -c "! systemctl list-units --all --no-legend '$unit' | grep -q ."
