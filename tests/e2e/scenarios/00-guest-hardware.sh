#!/bin/bash
# The test host looks like a GPU passthrough host: the emulated "GPU" and its "HDMI audio" sit alone in one IOMMU
# group, and the kernel knobs the handlers use exist. Later scenarios rely on this.
source "$(dirname "$0")/../lib.sh"
gpu=/sys/bus/pci/devices/0000:01:00.0 audio=/sys/bus/pci/devices/0000:01:00.1
expect_eq "GPU class" "$(cat $gpu/class)" 0x030000
expect_eq "audio class" "$(cat $audio/class)" 0x040300
expect_eq "GPU driver" "$(basename "$(readlink $gpu/driver)")" bochs-drm
expect_eq "audio driver" "$(basename "$(readlink $audio/driver)")" snd_hda_intel
group=$(readlink $gpu/iommu_group)
expect_eq "GPU and audio share an IOMMU group" "$(readlink $audio/iommu_group)" "$group"
expect_eq "the group holds just those two" "$(ls "$gpu/iommu_group/devices" | tr '\n' ' ')" "0000:01:00.0 0000:01:00.1 "
gpu2=/sys/bus/pci/devices/0000:02:00.0
expect_eq "second GPU class (virtio-gpu-pci, for scenario 24)" "$(cat $gpu2/class)" 0x038000
expect_eq "second GPU on the virtio transport only (virtio_gpu blacklisted: no DRM device)" "$(basename "$(readlink $gpu2/driver)")" virtio-pci
check "no virtio_gpu module" test ! -e /sys/module/virtio_gpu
expect_eq "second GPU alone in its IOMMU group" "$(ls "$gpu2/iommu_group/devices" | tr '\n' ' ')" "0000:02:00.0 "
check "no KVM module (blacklisted: the domains are TCG)" test ! -e /sys/module/kvm_amd -a ! -e /sys/module/kvm_intel
check "2M hugepage pool exists" test -w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
check "1G hugepage pool exists (-cpu max has pdpe1gb; scenario 10 relies on it)" test -w /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
expect_eq "hook is a symlink to hookctl" "$(readlink "$HOOK")" /usr/local/bin/hookctl
expect_eq "rules dir owner and mode" "$(stat -c '%U %a' "$RULES_DIR")" "root 755"
