#!/usr/bin/env bash
# Run the bot. Without TELEGRAM_BOT_TOKEN: an offline playground on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")"
source ./tools/venv.sh
exec .venv/bin/digibank run "$@"
