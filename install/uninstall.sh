#!/usr/bin/env bash
# Removes HookDispatcher; restores a hook that install.sh --force kept aside. Rules and config stay (they are
# the user's); pass --purge to remove /etc/hookdispatcher too.
#   install/uninstall.sh [--root DIR] [--purge] [--force] [--restart-libvirtd]
set -euo pipefail
root=""
purge=0
force=0
restart=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2%/}; shift 2 ;;
    --purge) purge=1; shift ;;
    --force) force=1; shift ;;
    --restart-libvirtd) restart=1; shift ;;
    *) echo "uninstall.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || { echo "uninstall.sh: run as root" >&2; exit 1; }

hook="$root/etc/libvirt/hooks/qemu"
backup="$hook.hookdispatcher-backup"
state="$root/run/hookdispatcher"

# Without the hook, libvirt's release could not give back what running domains hold.
held=$(find "$state" -maxdepth 1 -name '*.json' ! -name '.*' -printf '%f ' 2>/dev/null || true)
if [ -n "$held" ] && [ "$force" -ne 1 ]; then
  echo "uninstall.sh: domains still hold host resources ($held in $state): stop them or run 'hookctl release DOMAIN' first, or rerun with --force" >&2
  exit 1
fi
if [ "$(readlink "$hook" 2>/dev/null)" = "/usr/local/bin/hookctl" ]; then
  rm -f "$hook"
  echo "removed $hook"
fi
if [ -e "$backup" ] || [ -L "$backup" ]; then
  mv "$backup" "$hook"
  echo "restored the previous hook $hook"
fi
rm -f "$root/usr/local/bin/hookctl"
echo "removed $root/usr/local/bin/hookctl"
rm -f "$root/usr/local/share/man/man1/hookctl.1" "$root/usr/local/share/man/man5/hookdispatcher-rules.5" \
  "$root/usr/local/share/bash-completion/completions/hookctl"
if [ "$purge" -eq 1 ]; then
  rm -rf "$root/etc/hookdispatcher"
  echo "removed $root/etc/hookdispatcher"
else
  echo "kept $root/etc/hookdispatcher (rules and config); --purge removes it"
fi
if [ "$restart" -eq 1 ]; then
  /usr/bin/systemctl restart libvirtd.service
  echo "restarted libvirtd"
fi
