#!/bin/bash
# gpu.resetMethod on the guest's real kernel: the second emulated GPU (virtio-gpu-pci at 0000:02:00.0, alone behind
# its own PCIe root port, so the kernel offers it a function-level and a bus reset; on the virtio-pci transport, with
# virtio_gpu blacklisted on the guest's command line so the boot GPU keeps the console) resets with the chosen method
# while the domain runs, and after destroy is back on virtio-pci with the kernel's list it had.
source "$(dirname "$0")/../lib.sh"
gpu=0000:02:00.0
dev=/sys/bus/pci/devices/$gpu
driver_of() { basename "$(readlink "$dev/driver")" 2>/dev/null; }
name=e2e-reset

expect_eq "second GPU class (display controller)" "$(cat $dev/class)" 0x038000
before=$(cat "$dev/reset_method")
echo "reset_method found: '$before'"
read -ra methods <<<"$before"
check "the kernel offers it more than one reset method" test "${#methods[@]}" -ge 2 || exit 1
want=${methods[-1]}
driver_before=$(driver_of)

write_rule "$name" "{\"gpu\": {\"devices\": [\"$gpu\"], \"resetMethod\": \"$want\"}}"
check "define $name" define_domain "$name"
check "hookctl test shows the reset_method write" bash -c \
  "hookctl test $name prepare --xml $XML_DIR/$name.xml | grep -F 'write \"$want\" to /sys/bus/pci/devices/$gpu/reset_method (now \"$before\")'"
check "hookctl doctor lists its reset methods" bash -c "hookctl doctor $name 2>&1 | grep -qF 'reset methods: $before'"
check "virsh start $name" virsh start "$name" || exit 1
expect_eq "reset_method while running" "$(cat "$dev/reset_method")" "$want"
expect_eq "driver while running" "$(driver_of)" vfio-pci
check "virsh destroy $name" virsh destroy "$name"
check "state file gone after release" eventually 20 test ! -e "$(state_file "$name")"
expect_eq "reset_method after release (the kernel's list found)" "$(cat "$dev/reset_method")" "$before"
expect_eq "driver after release" "$(driver_of)" "$driver_before"
expect_eq "driver_override cleared" "$(cat "$dev/driver_override")" "(null)"

# A method the function does not offer is refused at prepare in one line, and nothing changes.
write_rule "$name" "{\"gpu\": {\"devices\": [\"$gpu\"], \"resetMethod\": \"device_specific\"}}"
out=$(virsh start "$name" 2>&1); rc=$?
echo "device_specific: $out"
check "virsh start refuses device_specific (vendor-reset not loaded)" test "$rc" -ne 0
check "with our one line naming what the function offers" grep -qF "offers only \"$before\"" <<<"$out"
expect_eq "reset_method untouched" "$(cat "$dev/reset_method")" "$before"
expect_eq "driver untouched" "$(driver_of)" "$driver_before"
