#!/bin/bash
# cpuIsolation on real systemd and the guest's kernel: while a domain pinned to CPU 3 runs, system.slice, user.slice
# and init.scope are confined to the other CPUs (systemd's AllowedCPUs and the kernel's effective cpuset agree),
# every IRQ the kernel lets move and the unbound-workqueue masks exclude CPU 3; after destroy the values found
# before are back, file for file.
source "$(dirname "$0")/../lib.sh"
wq_masks=(/sys/devices/virtual/workqueue/cpumask /sys/devices/virtual/workqueue/writeback/cpumask)
# cpu_files : every IRQ's affinity list, the default IRQ mask and the workqueue masks, one "path value" a line.
cpu_files() {
  local f
  for f in /proc/irq/*/smp_affinity_list /proc/irq/default_smp_affinity "${wq_masks[@]}"; do
    [[ -e $f ]] && echo "$f $(cat "$f")"
  done
}
# has_cpu LIST CPU : the list ("0-2,5") names CPU.
has_cpu() {
  local part lo hi
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    lo=${part%-*} hi=${part#*-}
    ((lo <= $2 && $2 <= hi)) && return 0
  done
  return 1
}
files_before=$(cpu_files)
units=(system.slice user.slice init.scope)
declare -A before
for u in "${units[@]}"; do before[$u]=$(allowed_cpus "$u"); done
# Without AllowedCPUs systemd may not enable the cpuset controller for the slice at all (then no file).
before_effective=$(effective_cpus system.slice)
expect_eq "the guest has CPUs 0-3 online" "$(cat /sys/devices/system/cpu/online)" "0-3"

name=e2e-cpus
write_rule "$name" '{"cpuIsolation": {"hostCpus": "auto"}}'
check "define $name pinned to CPU 3" define_domain "$name" 64 "$(pinned_xml 3)"
check "virsh start $name" virsh start "$name" || exit 1
for u in "${units[@]}"; do
  expect_eq "AllowedCPUs of $u while $name runs" "$(allowed_cpus "$u")" "0-2"
done
expect_eq "kernel cpuset of system.slice" "$(effective_cpus system.slice)" "0-2"
expect_eq "kernel cpuset of user.slice" "$(effective_cpus user.slice)" "0-2"
# The IRQs the kernel refused to move (managed: EIO/EPERM) are listed in the state file (hookctl status shows its
# data on one line: refused=[26,27]); every other one must be off CPU 3.
refused=$(hookctl status "$name" | grep -o 'refused=\[[0-9,]*\]' | sed 's/^refused=\[//; s/\]$//')
moved=0 on_vm=()
for f in /proc/irq/*/smp_affinity_list; do
  irq=$(basename "$(dirname "$f")")
  [[ ,$refused, == *,$irq,* ]] && continue
  moved=$((moved + 1))
  has_cpu "$(cat "$f")" 3 && on_vm+=("$irq:$(cat "$f")")
done
expect_eq "movable IRQs on the VM's CPU 3 ($moved movable, refused: '${refused}')" "${on_vm[*]}" ""
check "at least one IRQ was moved" test "$moved" -gt 0
expect_eq "default_smp_affinity while $name runs" "$(cat /proc/irq/default_smp_affinity)" "7"
for m in "${wq_masks[@]}"; do
  [[ -e $m ]] && expect_eq "$m while $name runs" "$(cat "$m")" "7"
done
check "the dry run lists each IRQ with --verbose" bash -c \
  "hookctl test --verbose $name started --xml $XML_DIR/$name.xml | grep -q 'to /proc/irq/[0-9]*/smp_affinity_list (now '"
check "virsh destroy $name" virsh destroy "$name"
check "state file gone after release" eventually 10 test ! -e "$(state_file "$name")"
for u in "${units[@]}"; do
  expect_eq "AllowedCPUs of $u after destroy" "$(allowed_cpus "$u")" "${before[$u]}"
done
expect_eq "kernel cpuset of system.slice after destroy" "$(effective_cpus system.slice)" "$before_effective"
expect_eq "IRQ affinities, default_smp_affinity and workqueue masks after destroy" "$(cpu_files)" "$files_before"
check "journal entries for $name carry HOOK_STEP=cpuIsolation" eventually 10 \
  bash -c "journalctl -o json --no-pager SYSLOG_IDENTIFIER=hookdispatcher LIBVIRT_DOMAIN=$name | grep -qF '\"HOOK_STEP\":\"cpuIsolation\"'"
