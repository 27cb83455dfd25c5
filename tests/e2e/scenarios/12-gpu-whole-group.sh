#!/bin/bash
# gpu with wholeIommuGroup: the rule names only the "GPU" 0000:01:00.0; while the domain runs it and its "HDMI audio"
# 0000:01:00.1 are on vfio-pci and /dev/vfio/<group> exists; after destroy they are back on bochs-drm and
# snd_hda_intel. The emulated GPU is the boot VGA (boot_vga = 1), so without "singleGpu" the hook refuses it.
source "$(dirname "$0")/../lib.sh"
gpu=0000:01:00.0 audio=0000:01:00.1
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null; }
group=$(basename "$(readlink /sys/bus/pci/devices/$gpu/iommu_group)")
name=e2e-gpu

write_rule "$name" "{\"gpu\": {\"devices\": [\"$gpu\"]}}"
check "define $name" define_domain "$name"
out=$(virsh start "$name" 2>&1); rc=$?
echo "without singleGpu: $out"
check "virsh start refuses the boot GPU without singleGpu" test "$rc" -ne 0
check "with our one line naming boot_vga" grep -qE "hookdispatcher: $name prepare: gpu: $gpu is the boot GPU \(boot_vga = 1\)" <<<"$out"
expect_eq "GPU untouched" "$(driver_of $gpu)" bochs-drm

write_rule "$name" "{\"gpu\": {\"devices\": [\"$gpu\"], \"wholeIommuGroup\": true, \"singleGpu\": true}}"
t0=$SECONDS
check "virsh start $name" virsh start "$name" || exit 1
echo "virsh start took $((SECONDS - t0)) s"
expect_eq "GPU driver while running" "$(driver_of $gpu)" vfio-pci
expect_eq "audio driver while running (same IOMMU group)" "$(driver_of $audio)" vfio-pci
check "/dev/vfio/$group exists" test -c "/dev/vfio/$group"
expect_eq "driver_override while running" "$(cat /sys/bus/pci/devices/$gpu/driver_override)" vfio-pci
lspci=$(lspci -k -s 01:00); echo "$lspci"
expect_eq "lspci -k shows vfio-pci for both functions" "$(grep -c 'Kernel driver in use: vfio-pci' <<<"$lspci")" 2
hookctl status "$name"

t0=$SECONDS
check "virsh destroy $name" virsh destroy "$name"
check "GPU back on bochs-drm" eventually 20 bash -c "[[ \$(basename \$(readlink /sys/bus/pci/devices/$gpu/driver)) == bochs-drm ]]"
echo "release took ≤ $((SECONDS - t0)) s"
expect_eq "audio back on snd_hda_intel" "$(driver_of $audio)" snd_hda_intel
expect_eq "driver_override cleared" "$(cat /sys/bus/pci/devices/$gpu/driver_override)" "(null)"
expect_eq "frame-buffer console bound again" "$(cat /sys/class/vtconsole/vtcon0/bind)" 1
check "state file gone after release" eventually 10 test ! -e "$(state_file "$name")"
