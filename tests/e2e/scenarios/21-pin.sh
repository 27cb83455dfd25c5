#!/bin/bash
# hookctl pin on the guest's real sysfs (2 vCPUs of QEMU: 2 cores, no SMT) proposes XML that libvirt accepts: the
# domain is defined with it (vcpupin, emulatorpin, iothreadpin, <cpu><topology>), starts with those pins in force,
# doctor checks them as ok, and it is destroyed. Read-only: pin and doctor change nothing.
source "$(dirname "$0")/../lib.sh"
name=e2e-pin

domain_xml "$name" 64 "<iothreads>1</iothreads>" > "$XML_DIR/$name.draft.xml"
out=$(hookctl pin "$name" --xml "$XML_DIR/$name.draft.xml"); rc=$?
echo "$out"
expect_eq "pin exits 0" "$rc" 0
check "the rules are stated" grep -qE '^  2\. host: keeps the first 1 core \(core 0 \(CPU 0\)\)' <<<"$out"
fragment=$(sed -n '/^<vcpu placement/,$p' <<<"$out")
check "one vcpupin on CPU 1" grep -qF "<vcpupin vcpu='0' cpuset='1'/>" <<<"$fragment"
check "the iothread is pinned with the emulator" grep -qF "<iothreadpin iothread='1' cpuset='0'/>" <<<"$fragment"
# The proposal replaces the draft's <vcpu> and <iothreads>; everything else stays.
domain_xml "$name" 64 "$fragment" | grep -vxF '  <vcpu>1</vcpu>' > "$XML_DIR/$name.xml"
cat "$XML_DIR/$name.xml"
check "virsh define with the proposed XML" virsh define "$XML_DIR/$name.xml"
check "virsh start $name" virsh start "$name" || exit 1
expect_eq "vCPU 0 runs on CPU 1" "$(virsh vcpupin "$name" --vcpu 0 | awk '$1 == "0" {print $2}')" 1
expect_eq "the emulator runs on CPU 0" "$(virsh emulatorpin "$name" | awk '$1 == "*:" {print $2}')" 0
doctor=$(hookctl doctor "$name")
grep -E 'CPU (topology|pins)' -A4 <<<"$doctor"
check "doctor finds the pins sound" grep -qE '^  ok   CPU pins: 1 vCPU\(s\) on 1 whole core\(s\)' <<<"$doctor"
check "virsh destroy $name" virsh destroy "$name"
