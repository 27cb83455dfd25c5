#!/bin/bash
# Two domains with disjoint pins, interleaved: the host keeps only the CPUs neither uses, and stopping one
# widens it again; when both are gone the original values are back.
source "$(dirname "$0")/../lib.sh"
before=$(allowed_cpus system.slice)
before_user=$(allowed_cpus user.slice)
write_rule e2e-pin3 '{"cpuIsolation": true}'
write_rule e2e-pin2 '{"cpuIsolation": true}'
check "define e2e-pin3" define_domain e2e-pin3 64 "$(pinned_xml 3)"
check "define e2e-pin2" define_domain e2e-pin2 64 "$(pinned_xml 2)"
check "start e2e-pin3" virsh start e2e-pin3 || exit 1
expect_eq "system.slice with e2e-pin3" "$(allowed_cpus system.slice)" "0-2"
check "start e2e-pin2" virsh start e2e-pin2 || exit 1
expect_eq "system.slice with both" "$(allowed_cpus system.slice)" "0-1"
expect_eq "init.scope with both" "$(allowed_cpus init.scope)" "0-1"
check "destroy e2e-pin3" virsh destroy e2e-pin3
expect_eq "system.slice with e2e-pin2 left" "$(allowed_cpus system.slice)" "0-1 3"
check "destroy e2e-pin2" virsh destroy e2e-pin2
expect_eq "system.slice after both" "$(allowed_cpus system.slice)" "$before"
expect_eq "user.slice after both" "$(allowed_cpus user.slice)" "$before_user"
