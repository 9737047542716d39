#!/usr/bin/env bash
# Creates the Python virtual environment that the test suite's independent
# references use (the snapshot reference reader/writer in Tests/Reference/snapshot,
# with PyNaCl): ~/.cache/ai-mem/venv, or $AI_MEM_VENV. ai-mem itself never needs Python.
set -euo pipefail

venv="${AI_MEM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-mem/venv}"
pynacl_version="1.6.2"

if [ -x "$venv/bin/python3" ] && "$venv/bin/python3" -c "import nacl, sys; sys.exit(0 if nacl.__version__ == '$pynacl_version' else 1)" 2>/dev/null; then
    echo "setup-python: $venv has PyNaCl $pynacl_version"
    exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "pynacl==$pynacl_version"
echo "setup-python: $venv has PyNaCl $pynacl_version"
