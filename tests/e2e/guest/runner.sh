#!/bin/bash
# Runs inside the e2e guest (hookdispatcher-e2e.service, after multi-user.target and libvirtd.service).
# Installs the hook from the share like a user does, runs each scenario, and leaves the results, the journal and
# an exit code in /mnt/host/results. The unit powers the guest off when this script ends, whatever its status.
share=/mnt/host
results=$share/results
exec >>"$results/runner.log" 2>&1
set -u
# Settings handed over by run.sh (E2E_SCENARIO_TIMEOUT, E2E_VIRSH_TIMEOUT).
[[ -f $share/env ]] && source "$share/env"
export E2E_VIRSH_TIMEOUT=${E2E_VIRSH_TIMEOUT:-180}
echo "runner: start $(date -u +%T), kernel $(uname -r), $(virsh --version 2>/dev/null | sed 's/^/libvirt /')"

# A heartbeat on the serial console, which does not go through the share: run.sh's watchdog reads it and restarts a
# guest that has stopped (a frozen kernel, a hung share, a scenario its timeout could not end). It names the
# scenario running and for how long; /run is the guest's own tmpfs.
console=/dev/ttyS0
progress() { printf 'e2e-runner: %s\n' "$*" > "$console" 2>/dev/null || true; }
echo "- $(date +%s)" > /run/e2e-current
( while sleep 10; do read -r cur since < /run/e2e-current; progress "alive $cur $(($(date +%s) - ${since:-0}))"; done ) &
heartbeat=$!

# Every pool's page count (size:count …), and putting them back: a scenario that leaks pages fails, and the next one
# still starts with the memory the guest has (a leak of nearly all of it once let the OOM killer take libvirtd).
pools() { local p; for p in /sys/kernel/mm/hugepages/hugepages-*; do printf '%s:%s ' "${p##*-}" "$(cat "$p/nr_hugepages")"; done; }
restore_pools() {
  local e; for e in $1; do echo "${e#*:}" > "/sys/kernel/mm/hugepages/hugepages-${e%%:*}/nr_hugepages"; done
}
destroy_domains() {
  local d
  for d in $(timeout 60 virsh list --all --name 2>/dev/null); do
    timeout 60 virsh destroy "$d" >/dev/null 2>&1; timeout 60 virsh undefine "$d" >/dev/null 2>&1
  done
}

finish() {
  local rc=$1
  echo "- $(date +%s)" > /run/e2e-current
  destroy_domains
  timeout 60 journalctl -o json --no-pager > "$results/journal.json" 2>/dev/null
  cp -r /var/log/libvirt/qemu "$results/libvirt-qemu-logs" 2>/dev/null
  echo "$rc" > "$results/exitcode"
  sync
  echo "runner: done, exit $rc"
  progress "done $rc"
  kill "$heartbeat" 2>/dev/null
  exit "$rc"
}

# Install as the README tells users to.
timeout 180 bash "$share/install/install.sh" --binary "$share/hookctl" --restart-libvirtd || finish 2
timeout 120 bash -c 'until virsh -c qemu:///system list >/dev/null 2>&1; do sleep 1; done' || finish 3

rc=0
baseline_pools=$(pools)
while read -r name; do
  [[ -n $name ]] || continue
  echo "runner: scenario $name"
  echo "$name $(date +%s)" > /run/e2e-current
  progress "start $name"
  start=$SECONDS
  (cd "$share/scenarios" && E2E_SCENARIO=$name E2E_LIB=$share/lib.sh \
     timeout --kill-after=10 "${E2E_SCENARIO_TIMEOUT:-300}" bash "$share/scenarios/$name.sh") \
     > "$results/$name.log" 2>&1 </dev/null
  src=$?
  ((src == 124)) && echo "FAIL scenario timed out after ${E2E_SCENARIO_TIMEOUT:-300}s" >> "$results/$name.log"
  # Each scenario starts from a clean host: no domains, no rules, the hugepage pools as the guest booted with.
  destroy_domains
  rm -rf /etc/hookdispatcher/hooks.d/*
  left=$(pools)
  if [[ $left != "$baseline_pools" ]]; then
    echo "FAIL runner: the scenario left the hugepage pools at $left(booted with $baseline_pools); put back" >> "$results/$name.log"
    restore_pools "$baseline_pools"
    ((src == 0)) && src=1
  fi
  echo "$src" > "$results/$name.rc"
  echo "runner: scenario $name exit $src in $((SECONDS - start)) s"
  progress "end $name $src"
  echo "- $(date +%s)" > /run/e2e-current
  ((src == 0)) || rc=1
done < "$share/scenarios/order"
finish "$rc"
