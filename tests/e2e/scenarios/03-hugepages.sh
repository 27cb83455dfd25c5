#!/bin/bash
# Hugepages for real: 32 × 2M pages while the domain runs, back to the baseline after it stops.
source "$(dirname "$0")/../lib.sh"
name=e2e-hp
base=$(hp_total)
write_rule "$name" '{"hugepages": {"pageSize": "2M", "count": 32}}'
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name" || exit 1
expect_eq "HugePages_Total while running" "$(hp_total)" "$((base + 32))"
check "virsh destroy $name" virsh destroy "$name"
eventually 10 hp_is "$base"
expect_eq "HugePages_Total after destroy" "$(hp_total)" "$base"
