#!/usr/bin/env bash
# Run the tests: lint, translation check, then pytest (PostgreSQL too when TEST_POSTGRES_URL
# is set; .ci/run sets it up).
set -euo pipefail
cd "$(dirname "$0")"
source ./tools/venv.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --diff .; exit 1; }
.venv/bin/lint-imports --no-cache  # the import contracts in pyproject.toml
.venv/bin/digibank i18n check
exec .venv/bin/pytest "$@"
