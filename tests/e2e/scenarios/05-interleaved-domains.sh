#!/bin/bash
# Two domains with their own pages, stopped in the order they did not start: each release undoes only its own.
source "$(dirname "$0")/../lib.sh"
base=$(hp_total)
for d in e2e-a e2e-b; do
  write_rule "$d" '{"hugepages": {"pageSize": "2M", "count": 16}}'
  check "define $d" define_domain "$d"
done
check "virsh start e2e-a" virsh start e2e-a || exit 1
expect_eq "HugePages_Total after A started" "$(hp_total)" "$((base + 16))"
check "virsh start e2e-b" virsh start e2e-b || exit 1
expect_eq "HugePages_Total after B started" "$(hp_total)" "$((base + 32))"
check "virsh destroy e2e-a" virsh destroy e2e-a
eventually 10 hp_is "$((base + 16))"
expect_eq "HugePages_Total after A destroyed" "$(hp_total)" "$((base + 16))"
check "B still running" test "$(domstate e2e-b)" = running
check "virsh destroy e2e-b" virsh destroy e2e-b
eventually 10 hp_is "$base"
expect_eq "HugePages_Total after B destroyed" "$(hp_total)" "$base"
