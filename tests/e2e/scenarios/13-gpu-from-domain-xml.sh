#!/bin/bash
# fromDomainXml with managed='no' hostdevs: the hook binds 0000:01:00.0 and .1 at prepare and libvirt's own QEMU
# opens them through vfio (its command line names vfio-pci and host=0000:01:00.0); after destroy both are back.
source "$(dirname "$0")/../lib.sh"
gpu=0000:01:00.0 audio=0000:01:00.1
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null; }
name=e2e-gpuxml
hostdev() { echo "<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x01' slot='0x00' function='$1'/></source></hostdev>"; }
domain_xml "$name" 64 | sed "s|<devices>|<devices>$(hostdev 0x0)$(hostdev 0x1)|" > "$XML_DIR/$name.xml"
check "define $name with two managed='no' hostdevs" virsh define "$XML_DIR/$name.xml"
write_rule "$name" '{"gpu": {"fromDomainXml": true, "singleGpu": true}}'

t0=$SECONDS
out=$(virsh start "$name" 2>&1); rc=$?
echo "virsh start took $((SECONDS - t0)) s: $out"
check "virsh start $name" test "$rc" -eq 0 || { tail -n 20 "/var/log/libvirt/qemu/$name.log"; exit 1; }
expect_eq "domstate" "$(domstate "$name")" running
expect_eq "GPU on vfio-pci" "$(driver_of $gpu)" vfio-pci
expect_eq "audio on vfio-pci" "$(driver_of $audio)" vfio-pci
log=/var/log/libvirt/qemu/$name.log
grep -E 'vfio-pci' "$log" | tail -n 3
check "QEMU's command line has a vfio-pci device" grep -q 'vfio-pci' "$log"
check "for host=0000:01:00.0" grep -qE '"host":"0000:01:00.0"|host=0000:01:00.0' "$log"
check "and host=0000:01:00.1" grep -qE '"host":"0000:01:00.1"|host=0000:01:00.1' "$log"
check "QEMU holds /dev/vfio/$(basename "$(readlink /sys/bus/pci/devices/$gpu/iommu_group)")" \
  bash -c "ls -l /proc/\$(pgrep -f 'guest=$name' | head -n1)/fd | grep -q /dev/vfio/"

check "virsh destroy $name" virsh destroy "$name"
check "GPU back on bochs-drm" eventually 20 bash -c "[[ \$(basename \$(readlink /sys/bus/pci/devices/$gpu/driver)) == bochs-drm ]]"
expect_eq "audio back on snd_hda_intel" "$(driver_of $audio)" snd_hda_intel
check "state file gone after release" eventually 10 test ! -e "$(state_file "$name")"
