# bash completion for hookctl(1): commands, options, and domain names from the rules directory.
# Installed as /usr/share/bash-completion/completions/hookctl (or /usr/local/share/... by install.sh).

_hookctl_rules_dir() {
  local config=${HOOKDISPATCHER_CONFIG:-/etc/hookdispatcher/config.json} i dir
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    [[ ${COMP_WORDS[i]} == --config ]] && config=${COMP_WORDS[i + 1]}
  done
  dir=$(sed -n 's/.*"rulesDir"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$config" 2>/dev/null | head -n 1)
  [[ -n $dir && $dir != /* ]] && dir="$(dirname "$config")/$dir"
  printf '%s\n' "${dir:-/etc/hookdispatcher/hooks.d}"
}

_hookctl_domains() {
  local dir f name
  dir=$(_hookctl_rules_dir)
  for f in "$dir"/*.json "$dir"/*.d; do
    [[ -e $f ]] || continue
    name=${f##*/}
    name=${name%.json}
    name=${name%.d}
    [[ $name == *.schema ]] && continue
    printf '%s\n' "$name"
  done | sort -u
}

_hookctl() {
  local cur prev command i
  COMPREPLY=()
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands="doctor pin test validate status release forget hook journal-test inhibit-hold"
  local global="--config --verbose -v --help -h --version"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --config) ((i++)) ;;
      -*) ;;
      *) command=${COMP_WORDS[i]}; break ;;
    esac
  done
  case $prev in
    --config | --xml)
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
  esac
  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$global" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return
  fi
  local options
  case $command in
    doctor) options="--xml --json" ;;
    pin) options="--vcpus --host-cores --xml --json" ;;
    test) options="--xml --json --apply --force" ;;
    validate) options="" ;;
    status) options="--json" ;;
    release) options="--all --force" ;;
    forget) options="--yes --force" ;;
    journal-test) options="--size" ;;
    *) options="" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options --config --verbose --help" -- "$cur"))
    return
  fi
  # Position of the word among the command's arguments (options and their values skipped).
  local n=0
  for ((i = i + 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --xml | --config | --size | --vcpus | --host-cores) ((i++)) ;;
      -*) ;;
      *) ((n++)) ;;
    esac
  done
  case $command in
    test)
      if ((n == 0)); then
        COMPREPLY=($(compgen -W "$(_hookctl_domains)" -- "$cur"))
      elif ((n == 1)); then
        COMPREPLY=($(compgen -W "prepare start started release" -- "$cur"))
      fi
      ;;
    validate)
      COMPREPLY=($(compgen -W "$(_hookctl_domains)" -- "$cur") $(compgen -f -X '!*.json' -- "$cur"))
      ;;
    doctor)
      COMPREPLY=($(compgen -W "$(_hookctl_domains)" -- "$cur"))
      ;;
    status | release | forget | pin)
      ((n == 0)) && COMPREPLY=($(compgen -W "$(_hookctl_domains)" -- "$cur"))
      ;;
  esac
}

complete -F _hookctl hookctl
