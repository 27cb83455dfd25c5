#!/bin/bash
# sleepInhibitor on real logind: while the domain runs, systemd-inhibit --list shows our lock (held by a
# transient service); after destroy both are gone.
source "$(dirname "$0")/../lib.sh"
name=e2e-awake
unit=hookdispatcher-inhibit-$(systemd-escape "$name").service
write_rule "$name" '{"sleepInhibitor": {"what": "sleep:idle"}}'
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name" || exit 1
list=$(systemd-inhibit --list --no-pager 2>&1)
echo "$list"
check "systemd-inhibit lists hookdispatcher's lock for $name" grep -qE "hookdispatcher.*libvirt domain $name is running" <<<"$list"
check "the lock is sleep:idle in block mode" grep -qE "sleep:idle.*block" <<<"$list"
expect_eq "$unit is active" "$(systemctl is-active "$unit")" "active"
check "virsh destroy $name" virsh destroy "$name"
check "the lock is gone after destroy" eventually 10 bash -c "! systemd-inhibit --list --no-pager | grep -q 'libvirt domain $name'"
check "$unit is gone" eventually 10 bash -c "! systemctl is-active --quiet $unit"
check "state file gone after release" eventually 10 test ! -e "$(state_file "$name")"
