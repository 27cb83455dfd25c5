#!/bin/bash
# A domain without rules: the hook prints nothing, exits 0, and the domain starts and stops normally.
source "$(dirname "$0")/../lib.sh"
name=nogo
domain_xml "$name" > "$XML_DIR/$name.xml"
for op in "prepare begin -" "start begin -" "started begin -" "stopped end -" "release end -" "migrate begin -"; do
  out=$(env -i LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        timeout 10 "$HOOK" "$name" $op < "$XML_DIR/$name.xml" 2>&1); rc=$?
  expect_eq "hook '$name $op' exit code" "$rc" 0
  expect_eq "hook '$name $op' output (stdout+stderr)" "$out" ""
done
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name"
expect_eq "domstate while running" "$(domstate "$name")" running
check "virsh destroy $name" virsh destroy "$name"
expect_eq "domstate after destroy" "$(domstate "$name")" "shut off"
check "no state file for $name" test ! -e "$(state_file "$name")"
