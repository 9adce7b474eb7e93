#!/bin/sh
# Print the path of a Python >= 3.12, or say in one line what to install and fail.
# Order: $PYTHON, python3.13/python3.12/python3 on PATH, then pyenv's installed versions.
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

if [ -n "$PYTHON" ]; then
  if ok "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not a working Python >= 3.12" >&2; exit 1
fi
for name in python3.13 python3.12 python3 python; do
  p=$(command -v "$name" 2>/dev/null) || continue
  # pyenv shims exit 127 unless that version is selected: ok() rejects them.
  if ok "$p"; then echo "$p"; exit 0; fi
done
root=${PYENV_ROOT:-$HOME/.pyenv}
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "No Python >= 3.12 found: install Python 3.12 (e.g. 'pyenv install 3.12' or your OS package) or run make PYTHON=/path/to/python3.12" >&2
exit 1
