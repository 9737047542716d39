#!/usr/bin/env bash
# Creates the Python virtual environment that the test suite's independent
# references and real clients use: PyNaCl for the snapshot reference reader/writer
# (Tests/Reference/snapshot), the official MCP SDK for the client session against
# `ai-mem mcp` (Tests/Reference/mcp): ~/.cache/ai-mem/venv, or $AI_MEM_VENV.
# ai-mem itself never needs Python.
set -euo pipefail

venv="${AI_MEM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-mem/venv}"
pynacl_version="1.6.2"
mcp_version="2.3.0"

have() {
    "$venv/bin/python3" - <<PY 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("pynacl") == "$pynacl_version" and version("mcp") == "$mcp_version" else 1)
PY
}

if [ -x "$venv/bin/python3" ] && have; then
    echo "setup-python: $venv has PyNaCl $pynacl_version and mcp $mcp_version"
    exit 0
fi
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "pynacl==$pynacl_version" "mcp==$mcp_version"
echo "setup-python: $venv has PyNaCl $pynacl_version and mcp $mcp_version"
