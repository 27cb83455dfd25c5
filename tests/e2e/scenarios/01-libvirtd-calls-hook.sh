#!/bin/bash
# libvirtd calls our hook: a domain with a rule gets a state file while it runs, none after release,
# and the hook's journal entries carry the domain name.
source "$(dirname "$0")/../lib.sh"
name=e2e-calls
write_rule "$name" '{"hugepages": {"pageSize": "2M", "count": 8}}'
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name" || exit 1
check "state file $(state_file "$name") exists while running" test -f "$(state_file "$name")"
check "virsh destroy $name" virsh destroy "$name"
check "state file gone after release" eventually 10 test ! -e "$(state_file "$name")"
check "journal has SYSLOG_IDENTIFIER=hookdispatcher entries for $name" eventually 10 \
  bash -c "journalctl -o json --no-pager SYSLOG_IDENTIFIER=hookdispatcher | grep -qF '\"LIBVIRT_DOMAIN\":\"$name\"'"
