# Shared by scripts/start and scripts/test: make .venv and install the project into it when needed.
# Usage: . scripts/_venv.sh EXTRA   (EXTRA is "" or "[test]")
# A .venv made with a Python older than 3.11, without pip, or whose Python is gone is made again
# with a suitable interpreter (scripts/_python.sh says which, or what to install).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
extra="${1:-}"
stamp="$venv/.installed$extra"
. "$root/scripts/_python.sh"
ensure_venv "$venv" || exit 1
# Reinstall when pyproject.toml or setup.py changed since the last install.
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] || [ "$root/setup.py" -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  # setuptools says, for every editable install, that a folder named like the package in the
  # working directory could be imported instead; here that folder is the package itself.
  PYTHONWARNINGS="ignore:Editable installation" \
    "$venv/bin/python" -m pip install --quiet -e "$root$extra" >&2
  touch "$stamp" "$venv/.installed"  # an extra installs the project too: scripts/start need not again
fi
