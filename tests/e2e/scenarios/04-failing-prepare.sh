#!/bin/bash
# A prepare that cannot be satisfied aborts the start with our one-line message and leaves nothing behind.
source "$(dirname "$0")/../lib.sh"
name=e2e-toomany
base=$(hp_total)
write_rule "$name" '{"hugepages": {"pageSize": "2M", "count": 100000}}'
check "define $name" define_domain "$name"
t0=$SECONDS
out=$(virsh start "$name" 2>&1); rc=$?
echo "virsh start took $((SECONDS - t0)) s and said: $out"
check "virsh start $name fails" test "$rc" -ne 0
check "error names what was granted ('got ')" grep -qF 'got ' <<<"$out"
check "error names what was asked (' of 100000 2048kB pages')" grep -qF ' of 100000 2048kB pages' <<<"$out"
check "error comes from the hook" grep -qF 'Hook script execution failed' <<<"$out"
check "the hook exited 1" grep -qF 'unexpected exit status 1: ' <<<"$out"
# virsh prints "Failed to start domain" and then libvirt's line ending in the hook's stderr: one line of ours.
expect_eq "virsh error lines (the hook's stderr is one line)" "$(wc -l <<<"$out")" 2
eventually 10 hp_is "$base"
expect_eq "HugePages_Total after the failed start" "$(hp_total)" "$base"
expect_eq "domstate" "$(domstate "$name")" "shut off"
check "no state file left" test ! -e "$(state_file "$name")"
