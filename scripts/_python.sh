# Shared by scripts/_venv.sh and scripts/check-wheel: find a Python that can run lowback-bot, and
# keep a virtual environment made with one. Source it, then:
#   pick_python       print the path of a suitable interpreter; if there is none, say what to
#                     install (on stderr) and return 1
#   ensure_venv DIR   make DIR a working virtual environment of a suitable Python, with pip; one
#                     made with an older Python, without pip, whose Python is gone, or made in
#                     another folder (a checkout moved or renamed) is made again
# A suitable interpreter is Python 3.11 or newer that can make virtual environments (its venv and
# ensurepip modules: Debian and Ubuntu ship them apart, as python3.X-venv). LOWBACK_PYTHON names
# the one to use; otherwise python3, then python3.13, python3.12, python3.11 are tried in turn.

LOWBACK_MIN_PYTHON=3.11

# The version (3.11.7) of interpreter $1, if it runs at all (a pyenv shim of a version that is not
# installed is on the PATH but does not).
_python_version() {
  "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null
}

_new_enough() {
  local major minor want_major want_minor
  IFS=. read -r major minor _ <<<"$1"
  IFS=. read -r want_major want_minor <<<"$LOWBACK_MIN_PYTHON"
  [ "$major" -gt "$want_major" ] || { [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }
}

_makes_venvs() {
  "$1" -c 'import ensurepip, venv' >/dev/null 2>&1
}

pick_python() {
  local candidates=(python3 python3.13 python3.12 python3.11) found=() no_venv="" name path version
  if [ -n "${LOWBACK_PYTHON:-}" ]; then
    candidates=("$LOWBACK_PYTHON")
  fi
  for name in "${candidates[@]}"; do
    path="$(command -v "$name" 2>/dev/null)" || continue
    version="$(_python_version "$path")" || continue
    if ! _new_enough "$version"; then
      found+=("$name $version (too old)")
    elif ! _makes_venvs "$path"; then
      found+=("$name $version (without its venv module)")
      no_venv="${no_venv:-${version%.*}}"
    else
      printf '%s\n' "$path"
      return 0
    fi
  done
  {
    echo "lowback-bot needs Python $LOWBACK_MIN_PYTHON or newer, with its venv module, and none was found."
    if [ "${#found[@]}" -gt 0 ]; then
      local list="" item
      for item in "${found[@]}"; do list="${list:+$list; }$item"; done
      echo "Found: $list."
    elif [ -n "${LOWBACK_PYTHON:-}" ]; then
      echo "LOWBACK_PYTHON=$LOWBACK_PYTHON does not run."
    else
      echo "Found none of: ${candidates[*]}."
    fi
    if [ -n "$no_venv" ]; then
      echo "Install the venv module: on Debian or Ubuntu, sudo apt install python$no_venv-venv"
    else
      echo "Install Python $LOWBACK_MIN_PYTHON or newer:"
      echo "  Debian or Ubuntu: sudo apt install python3.11 python3.11-venv"
      echo "  macOS with Homebrew: brew install python@3.12"
      echo "  anything else: https://www.python.org/downloads/"
    fi
    echo "Then run this again; or name the interpreter to use: LOWBACK_PYTHON=/path/to/python3.12 $0"
  } >&2
  return 1
}

ensure_venv() {
  local dir="$1" problem="" version python
  if [ -e "$dir" ] || [ -L "$dir" ]; then
    if [ ! -x "$dir/bin/python" ]; then
      problem="it has no Python"
    elif ! version="$(_python_version "$dir/bin/python")"; then
      problem="its Python no longer runs (was the Python it was made with removed?)"
    elif ! _new_enough "$version"; then
      problem="it was made with Python $version, and lowback-bot needs $LOWBACK_MIN_PYTHON or newer"
    elif ! "$dir/bin/pip" --version >/dev/null 2>&1; then
      # Its scripts name the Python of the folder it was made in: after a move none of them runs.
      if "$dir/bin/python" -m pip --version >/dev/null 2>&1; then
        problem="it was made in another folder (was the checkout moved or renamed?)"
      else
        problem="it has no pip"
      fi
    else
      return 0
    fi
  fi
  python="$(pick_python)" || return 1
  if [ -n "$problem" ]; then
    echo "Making $dir again: $problem." >&2
    rm -rf "$dir"
  fi
  if ! "$python" -m venv "$dir" >&2 || ! "$dir/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$dir"
    echo "$python could not make a virtual environment with pip in $dir." >&2
    return 1
  fi
}
