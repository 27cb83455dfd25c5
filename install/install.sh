#!/usr/bin/env bash
# Installs HookDispatcher as libvirt's qemu hook. Run as root; safe to run again.
#   install/install.sh [--binary PATH] [--root DIR] [--force] [--migrate-vfio-tools] [--restart-libvirtd]
#     --binary PATH          the hookctl to install (default: out/hookctl next to this script's repo)
#     --root DIR             install under DIR instead of / (packaging, tests)
#     --force                replace a foreign /etc/libvirt/hooks/qemu, keeping it as qemu.hookdispatcher-backup
#     --migrate-vfio-tools   when that hook is the VFIO-Tools dispatcher: replace it as --force does and write a rule
#                            per VM tree in /etc/libvirt/hooks/qemu.d/ ({"scriptsDir": …}) so its scripts keep running
#     --restart-libvirtd     restart libvirtd afterwards (libvirtd discovers hooks only at start)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary="$here/../out/hookctl"
root=""
force=0
migrate=0
restart=0
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --root) root=${2%/}; shift 2 ;;
    --force) force=1; shift ;;
    --migrate-vfio-tools) migrate=1; shift ;;
    --restart-libvirtd) restart=1; shift ;;
    *) echo "install.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -f "$binary" ] || { echo "install.sh: '$binary' does not exist: run ./build.sh first" >&2; exit 1; }
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }

bin="$root/usr/local/bin/hookctl"
hook="$root/etc/libvirt/hooks/qemu"
etc="$root/etc/hookdispatcher"
backup="$hook.hookdispatcher-backup"

# The PassthroughPOST / VFIO-Tools dispatcher: a bash hook running qemu.d/<vm>/<operation>/<sub-operation>/*.
is_vfio_tools() {
  [ -f "$1" ] && grep -qE 'qemu\.d/(\$GUEST_NAME|\$\{GUEST_NAME\}|\$1|\$\{1\})|passthroughpo\.st|VFIO-Tools' "$1"
}

# vfio_tools_vms: the VM trees under qemu.d/ (directories; executables directly in qemu.d/ are libvirt's own business).
vfio_tools_vms() {
  local dir
  for dir in "$root/etc/libvirt/hooks/qemu.d"/*/; do
    [ -d "$dir" ] && basename "$dir"
  done
}

vfio_rule() { printf '{ "scriptsDir": "/etc/libvirt/hooks/qemu.d/%s" }' "$1"; }

vfio_vms=()
if [ ! -L "$hook" ] && is_vfio_tools "$hook"; then
  while IFS= read -r vm; do
    case "$vm" in
      *'"'*|*'\'*|.*) echo "install.sh: qemu.d/$vm: not a usable domain name; skipped" >&2 ;;
      *) vfio_vms+=("$vm") ;;
    esac
  done < <(vfio_tools_vms)
  echo "$hook is the VFIO-Tools dispatcher; HookDispatcher runs its per-VM trees with one rule each:"
  for vm in "${vfio_vms[@]}"; do
    echo "  /etc/hookdispatcher/hooks.d/$vm.json: $(vfio_rule "$vm")"
  done
  [ "${#vfio_vms[@]}" -gt 0 ] || echo "  (no VM trees under /etc/libvirt/hooks/qemu.d/)"
  if [ "$migrate" -eq 1 ]; then force=1; fi
elif [ "$migrate" -eq 1 ]; then
  echo "install.sh: --migrate-vfio-tools: $hook is not the VFIO-Tools dispatcher; nothing to migrate" >&2
fi

# A hook that is not ours is the user's work: never overwrite it silently.
if [ -e "$hook" ] || [ -L "$hook" ]; then
  if [ "$(readlink "$hook" 2>/dev/null)" != "/usr/local/bin/hookctl" ]; then
    if [ "$force" -ne 1 ]; then
      if [ "${#vfio_vms[@]}" -gt 0 ]; then
        echo "install.sh: rerun with --migrate-vfio-tools to write those rules and replace $hook (it is kept as $backup)" >&2
      fi
      echo "install.sh: $hook exists and is not HookDispatcher; move it away or rerun with --force (it is kept as $backup)" >&2
      exit 1
    fi
    if [ -e "$backup" ] || [ -L "$backup" ]; then
      echo "install.sh: $backup already exists; refusing to overwrite an earlier backup" >&2
      exit 1
    fi
    mv "$hook" "$backup"
    echo "kept the previous hook as $backup"
  fi
fi

install -D -m 0755 -o root -g root "$binary" "$bin"
echo "installed $bin"
install -d -m 0755 -o root -g root "$root/etc/libvirt/hooks"
ln -sfn /usr/local/bin/hookctl "$hook"
echo "linked $hook -> /usr/local/bin/hookctl"
install -d -m 0755 -o root -g root "$etc" "$etc/config.d" "$etc/hooks.d"
if [ ! -e "$etc/config.json" ]; then
  printf '{\n  "rulesDir": "/etc/hookdispatcher/hooks.d",\n  "stateDir": "/run/hookdispatcher"\n}\n' > "$etc/config.json"
  chmod 0644 "$etc/config.json"
  echo "created $etc/config.json"
fi
install -m 0644 -o root -g root "$here/../hooks.d/rules.schema.json" "$etc/hooks.d/rules.schema.json"
echo "installed $etc/hooks.d/rules.schema.json (examples: hooks.d/ in the source tree)"
install -D -m 0644 -o root -g root "$here/man/hookctl.1" "$root/usr/local/share/man/man1/hookctl.1"
install -D -m 0644 -o root -g root "$here/man/hookdispatcher-rules.5" "$root/usr/local/share/man/man5/hookdispatcher-rules.5"
install -D -m 0644 -o root -g root "$here/completion/hookctl.bash" "$root/usr/local/share/bash-completion/completions/hookctl"
echo "installed the man pages hookctl(1), hookdispatcher-rules(5) and the bash completion"

# One rule per VFIO-Tools tree; an existing rule gets the line as a drop-in instead of being overwritten.
if [ "$migrate" -eq 1 ]; then
  for vm in "${vfio_vms[@]}"; do
    target="$etc/hooks.d/$vm.json"
    if [ -e "$target" ]; then
      install -d -m 0755 -o root -g root "$etc/hooks.d/$vm.d"
      target="$etc/hooks.d/$vm.d/50-vfio-tools.json"
    fi
    if [ -e "$target" ]; then
      echo "kept $target as it is (it exists already)"
      continue
    fi
    printf '%s\n' "$(vfio_rule "$vm")" > "$target"
    chown root:root "$target"
    chmod 0644 "$target"
    echo "wrote $target"
  done
  [ "${#vfio_vms[@]}" -eq 0 ] || echo "check the trees with: hookctl validate"
fi

if [ "$restart" -eq 1 ]; then
  /usr/bin/systemctl restart libvirtd.service
  echo "restarted libvirtd"
else
  echo "libvirtd discovers hooks only when it starts: run 'systemctl restart libvirtd' (or rerun with --restart-libvirtd)"
fi
