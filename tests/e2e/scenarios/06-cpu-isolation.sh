#!/bin/bash
# cpuIsolation on real systemd: while a domain pinned to CPU 3 runs, system.slice, user.slice and init.scope are
# confined to the other CPUs (systemd's AllowedCPUs and the kernel's effective cpuset agree); after destroy the
# values found before are back.
source "$(dirname "$0")/../lib.sh"
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
check "virsh destroy $name" virsh destroy "$name"
check "state file gone after release" eventually 10 test ! -e "$(state_file "$name")"
for u in "${units[@]}"; do
  expect_eq "AllowedCPUs of $u after destroy" "$(allowed_cpus "$u")" "${before[$u]}"
done
expect_eq "kernel cpuset of system.slice after destroy" "$(effective_cpus system.slice)" "$before_effective"
check "journal entries for $name carry HOOK_STEP=cpuIsolation" eventually 10 \
  bash -c "journalctl -o json --no-pager SYSLOG_IDENTIFIER=hookdispatcher LIBVIRT_DOMAIN=$name | grep -qF '\"HOOK_STEP\":\"cpuIsolation\"'"
