#!/bin/bash
# services on real systemd: two domains ask e2e-sync.service (running) and e2e-idle.service (loaded, not running)
# stopped. The first start stops e2e-sync only; it stays stopped until the last of the two is destroyed, then runs
# again; e2e-idle, which was not running, is never started.
source "$(dirname "$0")/../lib.sh"
stand_in_unit e2e-sync.service
stand_in_unit e2e-idle.service
check "stop e2e-idle.service" systemctl stop e2e-idle.service
for name in e2e-svc-a e2e-svc-b; do
  write_rule "$name" '{"services": {"stop": ["e2e-sync.service", "e2e-idle.service"]}}'
  check "define $name" define_domain "$name"
done
check "virsh start e2e-svc-a" virsh start e2e-svc-a || exit 1
expect_eq "e2e-sync.service is stopped while e2e-svc-a runs" "$(systemctl is-active e2e-sync.service)" inactive
check "virsh start e2e-svc-b" virsh start e2e-svc-b || exit 1
check "virsh destroy e2e-svc-a" virsh destroy e2e-svc-a
check "state of e2e-svc-a gone" eventually 10 test ! -e "$(state_file e2e-svc-a)"
expect_eq "e2e-sync.service stays stopped while e2e-svc-b runs" "$(systemctl is-active e2e-sync.service)" inactive
check "virsh destroy e2e-svc-b" virsh destroy e2e-svc-b
check "state of e2e-svc-b gone" eventually 10 test ! -e "$(state_file e2e-svc-b)"
expect_eq "e2e-sync.service runs again after the last release" "$(systemctl is-active e2e-sync.service)" active
expect_eq "e2e-idle.service, not running before, stays stopped" "$(systemctl is-active e2e-idle.service)" inactive
journalctl -b --no-pager -o cat SYSLOG_IDENTIFIER=hookdispatcher 2>/dev/null | grep -E 'e2e-sync' | tail -n 5
