#!/bin/bash
# kill -9 of the installed hook at every step of a prepare and of a release that use all four handlers (cpuIsolation
# moved to prepare) on the real kernel, systemd and logind: gpu with the whole single-GPU handover (a stand-in display
# manager, the frame-buffer console, the bochs module, the GPU and its audio function), hugepages, sleepInhibitor,
# cpuIsolation. For step k the hook is killed as soon as its k-th intent is in the state file (prepare) or its k-th
# record has left it (release); then 'hookctl status' must work, and a release ('release end' as libvirt calls it, or
# 'hookctl release', alternately) must bring the host back exactly as it was: drivers, driver_override, console,
# module, unit, pool, AllowedCPUs, inhibitor; the other release then finds nothing.
source "$(dirname "$0")/../lib.sh"
gpu=0000:01:00.0 audio=0000:01:00.1
name=e2e-sweep unit=e2e-sweep-display.service
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null; }
stand_in_unit $unit
fbcon=$(grep -l 'frame buffer' /sys/class/vtconsole/vtcon*/name | head -n1 | xargs dirname)

write_rule "$name" "{
  \"gpu\": {\"devices\": [\"$gpu\"], \"singleGpu\": {\"stopUnits\": [\"$unit\"], \"unloadModules\": [\"bochs\"]}},
  \"hugepages\": {\"pageSize\": \"2M\", \"count\": 8},
  \"sleepInhibitor\": true,
  \"cpuIsolation\": {\"hostCpus\": \"0-1\", \"at\": \"prepare\"}
}"
check "define $name" define_domain "$name"
state=$(state_file "$name")

# Everything the rule changes, one line: two equal snapshots mean the host is as it was.
snapshot() {
  local f
  printf 'gpu=%s audio=%s ' "$(driver_of $gpu)" "$(driver_of $audio)"
  for f in $gpu $audio; do printf 'override=%s ' "$(cat /sys/bus/pci/devices/$f/driver_override)"; done
  printf 'fbcon=%s bochs=%s unit=%s pages=%s ' "$(cat "$fbcon/bind" 2>/dev/null)" \
    "$(grep -c '^bochs ' /proc/modules)" "$(systemctl is-active $unit)" "$(hp_total)"
  printf 'cpus=%s/%s/%s ' "$(allowed_cpus system.slice)" "$(allowed_cpus user.slice)" "$(allowed_cpus init.scope)"
  printf 'inhibitor=%s state=%s\n' "$(systemctl is-active hookdispatcher-inhibit-$name.service)" "$([[ -e $state ]] && echo kept)"
}

# records_now : $count = how many step records the state file holds now, without forking (the hook moves on in
# milliseconds).
records_now() {
  local text="" rest
  [[ -e $state ]] && read -r -d '' text < "$state"
  rest=${text//\"id\":/}
  count=$(( (${#text} - ${#rest}) / 5 ))
}

# run_hook OP SUB : the hook as libvirt runs it, in the background; its pid in $hook_pid.
run_hook() {
  "$HOOK" "$name" "$1" "$2" - < "$XML_DIR/$name.xml" > "$XML_DIR/$name.$1.log" 2>&1 &
  hook_pid=$!
}

# kill_when TEST : kill -9 the background hook once TEST (a bash expression over $n, the record count) holds;
# counts it in $killed unless the hook ended first. Not in a subshell: only this shell can reap the hook.
kill_when() {
  local n deadline=$((SECONDS + 60))
  while kill -0 "$hook_pid" 2>/dev/null && ((SECONDS < deadline)); do
    records_now
    n=$count
    if eval "$1" && kill -9 "$hook_pid" 2>/dev/null; then
      wait "$hook_pid" 2>/dev/null
      killed=$((killed + 1))
      return
    fi
  done
  wait "$hook_pid" 2>/dev/null
}

baseline=$(snapshot)
echo "baseline: $baseline"

# One whole prepare and release first: the number of steps, and proof the rule works here.
run_hook prepare begin; wait "$hook_pid"; rc=$?
check "reference prepare exits 0 ($(cat "$XML_DIR/$name.prepare.log"))" test "$rc" -eq 0
records_now; steps=$count
echo "prepare journals $steps steps: $(hookctl status "$name" | grep -oE '^  [a-zA-Z.:0-9]+' | tr -d ' ' | tr '\n' ' ')"
check "it used every handler (at least 9 steps)" test "$steps" -ge 9
running=$(snapshot)
check "the host changed while prepared" test "$running" != "$baseline"
run_hook release end; wait "$hook_pid"
expect_eq "reference release restores the host" "$(snapshot)" "$baseline"

# restore K WHERE : status first, then both releases, alternating which goes first; the host must be the baseline.
killed=0 restored=0 points=0
restore() {
  local k=$1 where=$2 status
  status=$(hookctl status "$name" 2>&1) || fail "$where kill $k: hookctl status exited non-zero: $status"
  echo "$where kill $k: held $(grep -cE '^  [a-zA-Z.:0-9]+ \[' <<<"$status") steps, $(grep -c interrupted <<<"$status") interrupted"
  if ((k % 2)); then
    "$HOOK" "$name" release end - < "$XML_DIR/$name.xml" || fail "$where kill $k: release end exited $?"
    expect_eq "$where kill $k: hookctl release afterwards" "$(hookctl release "$name")" "$name: holds nothing"
  else
    hookctl release "$name" > /dev/null || fail "$where kill $k: hookctl release exited $?"
    "$HOOK" "$name" release end - < "$XML_DIR/$name.xml" || fail "$where kill $k: release end afterwards exited $?"
  fi
  points=$((points + 1))
  expect_eq "$where kill $k: host restored" "$(snapshot)" "$baseline" && restored=$((restored + 1))
}

for ((k = 1; k <= steps; k++)); do
  run_hook prepare begin
  kill_when "((n >= $k))"
  restore "$k" prepare
done

for ((k = 1; k <= steps; k++)); do
  run_hook prepare begin; wait "$hook_pid"
  run_hook release end
  kill_when "((n <= $steps - $k))"
  restore "$k" release
done

echo "crash sweep: $points kill points, $killed hooks killed mid-run, $restored hosts restored exactly"
expect_eq "every kill point restored" "$restored" "$points"
check "most kills landed mid-run (killed $killed of $points)" test "$killed" -ge $((points / 2))
