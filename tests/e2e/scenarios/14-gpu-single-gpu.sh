#!/bin/bash
# Single-GPU handover on the guest's console: a stand-in display manager is stopped, the frame-buffer console
# unbound, the bochs module unloaded, the GPU and its audio bound to vfio-pci; after destroy all of it comes back.
source "$(dirname "$0")/../lib.sh"
gpu=0000:01:00.0 audio=0000:01:00.1
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null; }
loaded() { grep -q "^$1 " /proc/modules; }
name=e2e-single unit=e2e-display.service
stand_in_unit $unit
check "bochs is loaded (lsmod)" loaded bochs
lsmod | grep -E '^(bochs|drm_vram_helper|vfio_pci) '
fbcon=$(grep -l 'frame buffer' /sys/class/vtconsole/vtcon*/name | head -n1 | xargs dirname)
expect_eq "$fbcon is bound before" "$(cat "$fbcon/bind")" 1

write_rule "$name" "{\"gpu\": {\"devices\": [\"$gpu\"], \"singleGpu\": {\"stopUnits\": [\"$unit\"], \"unbindVtConsoles\": true, \"unbindEfiFramebuffer\": true, \"unloadModules\": [\"bochs\"]}}}"
check "define $name" define_domain "$name"
hookctl test "$name" prepare --xml "$XML_DIR/$name.xml"
t0=$SECONDS
check "virsh start $name" virsh start "$name" || exit 1
echo "virsh start took $((SECONDS - t0)) s"
expect_eq "$unit stopped" "$(systemctl is-active $unit)" inactive
# Unloading bochs removes fb0, and fbcon then unregisters its vtcon entirely: no frame-buffer console is bound.
fb_bound() { local v; for v in /sys/class/vtconsole/vtcon*; do grep -q 'frame buffer' "$v/name" && [[ $(cat "$v/bind") == 1 ]] && return 0; done; return 1; }
if fb_bound; then fail "no frame-buffer console is bound while running"; else pass "no frame-buffer console is bound while running"; fi
check "bochs unloaded" bash -c "! grep -q '^bochs ' /proc/modules"
expect_eq "GPU on vfio-pci" "$(driver_of $gpu)" vfio-pci
expect_eq "audio on vfio-pci" "$(driver_of $audio)" vfio-pci
hookctl status "$name"

t0=$SECONDS
check "virsh destroy $name" virsh destroy "$name"
check "state file gone after release" eventually 30 test ! -e "$(state_file "$name")"
echo "release took ≤ $((SECONDS - t0)) s"
check "bochs loaded again" loaded bochs
expect_eq "GPU back on bochs-drm" "$(driver_of $gpu)" bochs-drm
expect_eq "audio back on snd_hda_intel" "$(driver_of $audio)" snd_hda_intel
expect_eq "$fbcon bound again" "$(cat "$fbcon/bind")" 1
expect_eq "$unit running again" "$(systemctl is-active $unit)" active
check "fb0 is bochs again" grep -q bochs /proc/fb
journalctl -q SYSLOG_IDENTIFIER=hookdispatcher LIBVIRT_DOMAIN=$name -o cat | tail -n 20
