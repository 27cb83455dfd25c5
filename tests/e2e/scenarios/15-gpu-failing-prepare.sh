#!/bin/bash
# A gpu prepare that cannot be carried out aborts the start with our one-line message and leaves nothing bound:
# a nonexistent second device (refused before anything changes), then a driver modprobe cannot load (fails after
# the frame-buffer console was unbound: rolled back).
source "$(dirname "$0")/../lib.sh"
gpu=0000:01:00.0 audio=0000:01:00.1
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null; }
fbcon=$(grep -l 'frame buffer' /sys/class/vtconsole/vtcon*/name | head -n1 | xargs dirname)
as_found() {
  expect_eq "GPU on bochs-drm" "$(driver_of $gpu)" bochs-drm
  expect_eq "audio on snd_hda_intel" "$(driver_of $audio)" snd_hda_intel
  expect_eq "GPU driver_override" "$(cat /sys/bus/pci/devices/$gpu/driver_override)" "(null)"
  expect_eq "audio driver_override" "$(cat /sys/bus/pci/devices/$audio/driver_override)" "(null)"
  expect_eq "$fbcon bound" "$(cat "$fbcon/bind")" 1
  check "no state file left" eventually 10 test ! -e "$(state_file "$1")"
  expect_eq "domstate" "$(domstate "$1")" "shut off"
}

try_start() { # NAME RULE → sets $out
  write_rule "$1" "$2"
  check "define $1" define_domain "$1"
  local t0=$SECONDS
  out=$(virsh start "$1" 2>&1); local rc=$?
  echo "virsh start took $((SECONDS - t0)) s and said: $out"
  check "virsh start $1 fails" test "$rc" -ne 0
}

name=e2e-gpubad
try_start "$name" "{\"gpu\": {\"devices\": [\"$gpu\", \"0000:0b:00.0\"], \"singleGpu\": true}}"
check "with our one line naming the missing device" \
  grep -qE "hookdispatcher: $name prepare: gpu: 0000:0b:00.0: no such PCI device \(/sys/bus/pci/devices/0000:0b:00.0 does not exist\)$" <<<"$out"
check "the stderr was a single line" test "$(grep -c 'hookdispatcher:' <<<"$out")" -eq 1
as_found "$name"

name=e2e-gpunodriver
try_start "$name" "{\"gpu\": {\"devices\": [\"$gpu\"], \"driver\": \"e2e-no-such-driver\", \"singleGpu\": true}}"
check "exit status 1 (an action failed)" grep -qF 'unexpected exit status 1' <<<"$out"
check "with modprobe's own message" grep -qE "hookdispatcher: $name prepare: gpu.bind.0000:01:00.1: /usr/sbin/modprobe e2e-no-such-driver failed \(exit 1\): modprobe: FATAL: Module e2e-no-such-driver not found" <<<"$out"
as_found "$name"
