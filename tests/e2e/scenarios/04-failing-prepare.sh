#!/bin/bash
# A prepare that cannot be satisfied aborts the start with our one-line message and leaves nothing behind:
# first a request larger than the guest's memory (refused before the kernel is asked), then one the kernel
# cannot fully grant (asked once, the partial grant given back).
source "$(dirname "$0")/../lib.sh"
base=$(hp_total)

try_start() { # NAME → sets $out and $rc
  local t0=$SECONDS
  out=$(virsh start "$1" 2>&1); rc=$?
  echo "virsh start $1 took $((SECONDS - t0)) s and said: $out"
}

name=e2e-toomany
write_rule "$name" '{"hugepages": {"pageSize": "2M", "count": 100000}}'
check "define $name" define_domain "$name"
try_start "$name"
check "virsh start $name fails" test "$rc" -ne 0
check "error comes from the hook" grep -qF 'Hook script execution failed' <<<"$out"
check "error is our one line naming the request and the memory" \
  grep -qE "hookdispatcher: $name prepare: hugepages: 100000 2048kB pages \(195.3 GiB\) exceed this host's memory \(MemTotal [0-9.]+ GiB\)$" <<<"$out"
expect_eq "HugePages_Total after the refused start" "$(hp_total)" "$base"
expect_eq "domstate" "$(domstate "$name")" "shut off"
check "no state file left" test ! -e "$(state_file "$name")"

# Nearly all of the guest's memory in 2M pages: under MemTotal, but the running guest cannot free it all.
# One attempt, no escalation: each attempt costs ~20 s under TCG.
name=e2e-short
pages=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 2048 - 8 ))
write_rule "$name" "{\"hugepages\": {\"pageSize\": \"2M\", \"count\": $pages, \"attempts\": 1, \"dropCaches\": \"never\", \"compactMemory\": \"never\"}}"
check "define $name" define_domain "$name"
try_start "$name"
check "virsh start $name fails" test "$rc" -ne 0
check "exit status 1 (an action failed)" grep -qF 'unexpected exit status 1' <<<"$out"
check "error says what the kernel granted ('got N of $pages 2048kB pages')" grep -qE "hugepages:2048kB: got [0-9]+ of $pages 2048kB pages in " <<<"$out"
check "the stderr was a single line" test "$(grep -c 'hookdispatcher:' <<<"$out")" -eq 1
check "HugePages_Total back at baseline" eventually 20 hp_is "$base"
expect_eq "domstate" "$(domstate "$name")" "shut off"
check "no state file left" test ! -e "$(state_file "$name")"
