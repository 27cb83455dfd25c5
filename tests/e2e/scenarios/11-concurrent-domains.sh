#!/bin/bash
# Three domains with hugepages and cpuIsolation started and destroyed concurrently (background virsh calls): the
# hooks serialise on the state lock; while all run the pool holds all three shares and the host keeps only CPU 0;
# afterwards the pool and AllowedCPUs are back at their baselines.
source "$(dirname "$0")/../lib.sh"
base=$(hp_total)
units=(system.slice user.slice init.scope)
declare -A before
for u in "${units[@]}"; do before[$u]=$(allowed_cpus "$u"); done
domains=(e2e-c1 e2e-c2 e2e-c3)
for i in 1 2 3; do
  write_rule "e2e-c$i" '{"hugepages": {"pageSize": "2M", "count": 16}, "cpuIsolation": true}'
  check "define e2e-c$i pinned to CPU $i" define_domain "e2e-c$i" 64 "$(pinned_xml "$i")"
done

# all VIRSH_ARGS… : runs "virsh VIRSH_ARGS d" for every domain at once; checks each.
all() {
  local d pids=() rc
  for d in "${domains[@]}"; do virsh "$@" "$d" > "$XML_DIR/$d.$1.log" 2>&1 & pids+=($!); done
  for i in "${!domains[@]}"; do
    wait "${pids[$i]}"; rc=$?
    if ((rc == 0)); then pass "virsh $1 ${domains[$i]} (concurrently)"; else fail "virsh $1 ${domains[$i]}: $(cat "$XML_DIR/${domains[$i]}.$1.log")"; fi
  done
}
state_count() { ls "$STATE_DIR"/e2e-c*.json 2>/dev/null | wc -l; }

for round in 1 2; do
  all start
  expect_eq "round $round: HugePages_Total with three running" "$(hp_total)" "$((base + 48))"
  for u in "${units[@]}"; do expect_eq "round $round: AllowedCPUs of $u with three running" "$(allowed_cpus "$u")" "0"; done
  expect_eq "round $round: state files" "$(state_count)" 3
  all destroy
  check "round $round: HugePages_Total back at baseline" eventually 30 hp_is "$base"
  check "round $round: no state file left" eventually 10 test "$(state_count)" -eq 0
  for u in "${units[@]}"; do expect_eq "round $round: AllowedCPUs of $u after" "$(allowed_cpus "$u")" "${before[$u]}"; done
done
