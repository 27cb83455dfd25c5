#!/bin/bash
# The user's own scripts on the real libvirtd: (a) a Looking Glass shm file made at prepare and removed at release;
# (b) a failing script aborts the start with its stderr line and gives back the hugepages taken before it;
# (c) a script past its time limit is killed with its process group; (d) a script leaving `sleep &` on its stdout
# does not stall the start; (e) a VFIO-Tools tree (qemu.d/<vm>/prepare/begin, stopped/end, release/end) through scriptsDir.
source "$(dirname "$0")/../lib.sh"
bin=/usr/local/lib/e2e-scripts
install -d -m 0755 "$bin"
script() { # NAME BODY : a root-owned 0755 shell script in $bin
  printf '#!/bin/sh\n%s\n' "$2" > "$bin/$1"
  chmod 0755 "$bin/$1"
}
try_start() { # NAME → sets $out, $rc and $took
  local t0=$SECONDS
  out=$(virsh start "$1" 2>&1); rc=$?
  took=$((SECONDS - t0))
  echo "virsh start $1 took $took s (exit $rc): $out"
}
start_fails_with() { # NAME WHAT LINE : virsh start NAME fails with LINE (our one stderr line), leaving no state
  check "define $1" define_domain "$1"
  try_start "$1"
  check "virsh start $1 fails" test "$rc" -ne 0
  check "the error is our one line with $2" grep -qF "hookdispatcher: $1 prepare: $3" <<<"$out"
  check "no state file left" test ! -e "$(state_file "$1")"
}
base=$(hp_total)

# (a) Looking Glass: created with owner and mode before QEMU starts, removed at release.
shm=/dev/shm/looking-glass
name=e2e-lg
write_rule "$name" "{\"scripts\": [{\"name\": \"looking-glass\", \"run\": [\"/usr/bin/install\", \"-m\", \"0660\", \"-o\", \"nobody\", \"-g\", \"kvm\", \"/dev/null\", \"$shm\"], \"undo\": [\"/usr/bin/rm\", \"-f\", \"$shm\"], \"timeoutSeconds\": 10}]}"
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name"
expect_eq "$shm owner, group and mode while running" "$(stat -c '%U:%G %a' "$shm" 2>&1)" "nobody:kvm 660"
check "the step is in the state file" grep -qF '"scripts:looking-glass"' "$(state_file "$name")"
check "virsh destroy $name" virsh destroy "$name"
check "$shm removed at release" eventually 10 test ! -e "$shm"
check "no state file left" eventually 10 test ! -e "$(state_file "$name")"

# (b) A failing script: its first stderr line in virsh's error, the pages and the earlier script undone.
name=e2e-fail
script made.sh 'touch /run/e2e-made; awk "/^HugePages_Total:/ {print \$2}" /proc/meminfo > /run/e2e-pages-seen'
script fails.sh 'echo "e2e: the capture card is busy" >&2; echo "second line" >&2; exit 1'
write_rule "$name" "{\"hugepages\": {\"pageSize\": \"2M\", \"count\": 8}, \"scripts\": [{\"run\": [\"$bin/made.sh\"], \"undo\": [\"/usr/bin/rm\", \"/run/e2e-made\"]}, {\"run\": [\"$bin/fails.sh\"]}]}"
start_fails_with "$name" "the script's first stderr line" \
  "scripts:fails.sh: '$bin/fails.sh' exited with status 1: e2e: the capture card is busy"
check "only the first stderr line" bash -c '! grep -qF "second line" <<<"$0"' "$out"
expect_eq "HugePages_Total the scripts saw (reserved before them)" "$(cat /run/e2e-pages-seen 2>&1)" "$((base + 8))"
check "HugePages_Total back at baseline" eventually 20 hp_is "$base"
check "the earlier script's undo ran" test ! -e /run/e2e-made

# (c) Past its time limit: killed with everything it started, the start fails saying so.
name=e2e-slow
script slow.sh '/bin/sleep 1001 >/dev/null 2>&1 & /bin/sleep 1001'
write_rule "$name" "{\"scripts\": [{\"name\": \"slow\", \"run\": [\"$bin/slow.sh\"], \"timeoutSeconds\": 3}]}"
start_fails_with "$name" "the script and its limit" \
  "scripts:slow: '$bin/slow.sh' did not finish within 3 s and was killed with its process group"
check "no process of the script left" bash -c '! pgrep -f "slee[p] 1001"'

# (d) A background child holding the script's stdout: the hook does not wait for it (it would for 30 s).
name=e2e-bg
script bg.sh '/bin/sleep 1002 & echo "started a helper"'
write_rule "$name" "{\"scripts\": [{\"name\": \"bg\", \"run\": [\"$bin/bg.sh\"]}]}"
check "define $name" define_domain "$name"
try_start "$name"
check "virsh start $name succeeds" test "$rc" -eq 0
check "the holder was killed" bash -c '! pgrep -f "slee[p] 1002"'
check "the journal says so" eventually 10 bash -c "journalctl -o cat LIBVIRT_DOMAIN=$name HOOK_STEP=scripts:bg | grep -qF 'left a process holding its stdout'"
check "the script's output is in the journal with its stream" eventually 10 bash -c \
  "journalctl -o cat LIBVIRT_DOMAIN=$name HOOK_STEP=scripts:bg HOOK_STREAM=stdout | grep -qx 'started a helper'"
# virsh's own time is mostly QEMU under TCG (5-35 s on a loaded host): time the step from its journal entries.
step_seconds=$(journalctl -q --no-pager -o short-unix LIBVIRT_DOMAIN=$name HOOK_OPERATION=prepare HOOK_STEP=scripts:bg |
  awk 'NR == 1 {first = $1} {last = $1} END {if (NR >= 2) printf "%d", last - first}')
check "the step took ${step_seconds:-?} s, not the 30 s limit (virsh start: $took s)" test "${step_seconds:-99}" -lt 5
check "virsh destroy $name" virsh destroy "$name"

# (e) A VFIO-Tools tree as-is: lexical order, the tree's argv, the XML on stdin, release/end at release.
name=e2e-tree
tree=/etc/libvirt/hooks/qemu.d/$name
log=/run/e2e-tree.log
install -d -m 0755 "$tree/prepare/begin" "$tree/stopped/end" "$tree/release/end"
body='echo "$(basename "$0") $* $(grep -c "<name>e2e-tree</name>")" >> '"$log"'; echo "hello from $(basename "$0")"'
for f in prepare/begin/20-second.sh prepare/begin/10-first.sh stopped/end/10-stopped.sh release/end/10-end.sh; do
  printf '#!/bin/bash\n%s\n' "$body" > "$tree/$f"; chmod 0755 "$tree/$f"
done
printf 'not executable\n' > "$tree/prepare/begin/README"
write_rule "$name" "{\"scriptsDir\": \"$tree\"}"
check "hookctl validate $name" hookctl validate "$name"
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name"
expect_eq "prepare/begin in lexical order with argv and the XML on stdin" "$(cat "$log" 2>&1)" \
  "$(printf '10-first.sh %s prepare begin - 1\n20-second.sh %s prepare begin - 1' "$name" "$name")"
check "their output is in the journal" eventually 10 bash -c \
  "journalctl -o cat LIBVIRT_DOMAIN=$name HOOK_STEP=scriptsDir:prepare/begin/10-first.sh HOOK_STREAM=stdout | grep -qx 'hello from 10-first.sh'"
check "virsh destroy $name" virsh destroy "$name"
check "stopped/end ran at stopped" eventually 10 grep -qx "10-stopped.sh $name stopped end - 1" "$log"
check "release/end ran at release, after it" eventually 10 bash -c "tail -n 1 $log | grep -qE '^10-end.sh $name release end (-|destroyed) 1$'"
check "no state file left" eventually 10 test ! -e "$(state_file "$name")"

rm -rf "$bin" "$tree" "$log" "$shm" /run/e2e-pages-seen
check "no script process left" bash -c '! pgrep -f "slee[p] 100[12]"'
