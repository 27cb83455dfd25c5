#!/usr/bin/env bash
# Builds the e2e guest: a debootstrapped Debian rootfs (E2E_SUITE: bookworm, the default, with systemd 252 and libvirt 9;
# or trixie, with systemd 257 and libvirt 11) packed into an ext4 image, plus the kernel and initrd
# taken from that rootfs. Usage: build-image.sh OUTDIR   (writes OUTDIR/{base.raw,vmlinuz,initrd.img})
# run.sh calls this once per cache key (hash of packages.txt + this file), so anything that changes the guest
# belongs here, and everything that changes per run (the runner, scenarios, binary) comes over the 9p share.
set -euo pipefail
out=${1:?usage: build-image.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${E2E_MIRROR:-http://deb.debian.org/debian}
suite=${E2E_SUITE:-bookworm}
rootfs=$out/rootfs

cleanup() {
  mountpoint -q "$rootfs/proc" && umount "$rootfs/proc"
  rm -rf "$rootfs"
}
trap cleanup EXIT

packages=$(grep -v '^\s*#' "$here/packages.txt" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
echo "e2e: debootstrap $suite into $rootfs"
timeout 1500 debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" \
  > "$out/debootstrap.log" 2>&1 || { tail -n 30 "$out/debootstrap.log" >&2; exit 1; }

echo "e2e: configuring guest"
echo e2e-guest > "$rootfs/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 e2e-guest\n' > "$rootfs/etc/hosts"
: > "$rootfs/etc/machine-id"
chroot "$rootfs" passwd -d root >/dev/null
install -d "$rootfs/mnt/host"
cat > "$rootfs/etc/fstab" <<'FSTAB'
/dev/vda  /          ext4  rw,errors=remount-ro  0 1
host      /mnt/host  9p    trans=virtio,version=9p2000.L,msize=262144,nofail  0 0
FSTAB

# The initrd must find the root disk; 9p is loaded early too so the share mounts without surprises.
modules='virtio_pci virtio_blk ext4 9p 9pnet_virtio'
printf '%s\n' $modules >> "$rootfs/etc/initramfs-tools/modules"
printf '%s\n' 9p 9pnet_virtio > "$rootfs/etc/modules-load.d/e2e-9p.conf"

# libvirt-guests waits up to 300 s at power-off for diskless domains that never shut down.
# The others are timers and services that only cost boot time in a throwaway VM.
for unit in libvirt-guests.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
            man-db.timer systemd-timesyncd.service getty@tty1.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done

# The test unit: runs the runner from the share once the system and libvirtd are up, then powers off
# whatever happens (FailureAction covers a runner that crashes; run.sh bounds the whole boot with timeout).
# DefaultDependencies=no: a unit wanted by multi-user.target but ordered after it would otherwise form a cycle
# with the After= that targets add to what they want.
cat > "$rootfs/etc/systemd/system/hookdispatcher-e2e.service" <<'UNIT'
[Unit]
Description=HookDispatcher e2e runner
DefaultDependencies=no
Requires=sysinit.target mnt-host.mount
After=sysinit.target basic.target multi-user.target libvirtd.service mnt-host.mount
ConditionPathExists=/mnt/host/guest-runner.sh
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/bash /mnt/host/guest-runner.sh
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/hookdispatcher-e2e.service \
  "$rootfs/etc/systemd/system/multi-user.target.wants/hookdispatcher-e2e.service"

echo "e2e: rebuilding initrd"
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" update-initramfs -u -k all > "$out/initramfs.log" 2>&1 || { cat "$out/initramfs.log" >&2; exit 1; }
kver=$(basename "$(ls -d "$rootfs"/lib/modules/* | sort -V | tail -n 1)")
chroot "$rootfs" lsinitramfs "/boot/initrd.img-$kver" > "$out/initrd.list"
umount "$rootfs/proc"
for m in $modules; do
  grep -q "/$m\.ko" "$out/initrd.list" || grep -q "/$m\.ko" "$rootfs/lib/modules/$kver/modules.builtin" \
    || { echo "e2e: initrd lacks $m" >&2; exit 1; }
done
cp "$rootfs/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$out/initrd.img"

echo "e2e: packing ext4 image"
rm -f "$out/base.raw"
truncate -s 4G "$out/base.raw"
mkfs.ext4 -q -F -L e2eroot -d "$rootfs" "$out/base.raw"
echo "$kver" > "$out/kernel-version"
