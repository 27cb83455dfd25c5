# bash completion for hookctl(1): commands, options, domain names from the rules directory, and for forget the ids
# of the records a domain holds (from its state file).
# Installed as /usr/share/bash-completion/completions/hookctl (or /usr/local/share/... by install.sh).

_hookctl_config() {
  local config=${HOOKDISPATCHER_CONFIG:-/etc/hookdispatcher/config.json} i
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    [[ ${COMP_WORDS[i]} == --config ]] && config=${COMP_WORDS[i + 1]}
  done
  printf '%s\n' "$config"
}

# _hookctl_dir KEY DEFAULT : the directory the config file names under KEY (relative to the file), else DEFAULT.
_hookctl_dir() {
  local config dir
  config=$(_hookctl_config)
  dir=$(sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$config" 2>/dev/null | head -n 1)
  [[ -n $dir && $dir != /* ]] && dir="$(dirname "$config")/$dir"
  printf '%s\n' "${dir:-$2}"
}

_hookctl_rules_dir() { _hookctl_dir rulesDir /etc/hookdispatcher/hooks.d; }

# _hookctl_steps DOMAIN : the ids of the records DOMAIN's state file holds (what 'hookctl forget DOMAIN STEP' takes:
# services.stop, lookingGlass.kvmfr, gpu.resetMethod.0000:01:00.0, ...); the state directory is root's to read.
_hookctl_steps() {
  grep -o '"id"[[:space:]]*:[[:space:]]*"[^"]*"' "$(_hookctl_dir stateDir /run/hookdispatcher)/$1.json" 2>/dev/null | sed 's/.*"\([^"]*\)"$/\1/'
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
  local cur prev command i domain=
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
      *) ((n == 0)) && domain=${COMP_WORDS[i]}; ((n++)) ;;
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
    forget)
      if ((n == 0)); then
        COMPREPLY=($(compgen -W "$(_hookctl_domains)" -- "$cur"))
      elif ((n == 1)); then
        COMPREPLY=($(compgen -W "$(_hookctl_steps "$domain")" -- "$cur"))
        # A PCI address in an id has colons, which bash splits words at: complete the part after the last one.
        declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
      fi
      ;;
    status | release | pin)
      ((n == 0)) && COMPREPLY=($(compgen -W "$(_hookctl_domains)" -- "$cur"))
      ;;
  esac
}

complete -F _hookctl hookctl
