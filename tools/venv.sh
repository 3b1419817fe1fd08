# Sourced by run.sh and test.sh: make .venv with Python 3.11+ and install the project into it,
# again only when pyproject.toml changed. `source tools/venv.sh test` adds the test extras.
extras="${1:-}"
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "digibank: Python 3.11 or newer is needed" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
hash="$(sha256sum < pyproject.toml | cut -c1-16)"
stamp="$(cat .venv/.deps-stamp 2>/dev/null || true)"
# Reinstall when pyproject.toml changed, or when extras are asked for that are not there.
if [ "${stamp%%-*}" != "$hash" ] || { [ -n "$extras" ] && [ "$stamp" != "$hash-$extras" ]; }; then
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
  if [ -n "$extras" ]; then
    .venv/bin/python -m pip install --quiet -e ".[$extras]"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  echo "$hash-$extras" > .venv/.deps-stamp
fi
