#!/usr/bin/env bash
# Install (when missing) and start the services the tests use; write .test-services.env.
#   PostgreSQL: the one at $KINTSUGI_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres)
#               when it answers; otherwise a throwaway cluster on 127.0.0.1:55432.
#   Prometheus, Alertmanager, Chromium: Debian packages; the tests start their own instances.
set -euo pipefail
cd "$(dirname "$0")/.."
env_file=.test-services.env
default_url="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
url="${KINTSUGI_TEST_POSTGRES_URL:-$default_url}"

log() { printf '[services] %s\n' "$*" >&2; }

apt_updated=0
need_packages() {
  local missing=()
  for spec in "$@"; do
    local pkg=${spec%%:*} bin=${spec#*:}
    command -v "$bin" >/dev/null 2>&1 || [ -x "$bin" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})"
    exit 2
  fi
  if [ $apt_updated = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pg_answers() {
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys
import psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
psycopg.connect(url, connect_timeout=3).close()
PY
}

start_own_postgres() {
  need_packages postgresql:/usr/lib/postgresql
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local data=/tmp/kintsugi-test-pg
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    mkdir -p "$data"
    chown postgres:postgres "$data"
    runuser -u postgres -- "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
  fi
  if ! runuser -u postgres -- "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p 55432 -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  fi
  url="postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
}

case "${1:-start}" in
  start)
    if pg_answers "$url"; then
      log "PostgreSQL answers at ${url#*@}"
    elif [ -z "${KINTSUGI_TEST_POSTGRES_URL:-}" ] && pg_answers "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"; then
      url="postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
      log "PostgreSQL answers at ${url#*@}"
    else
      log "no PostgreSQL at ${url#*@}; starting a throwaway cluster"
      start_own_postgres
      pg_answers "$url" || { log "PostgreSQL did not start (see /tmp/kintsugi-test-pg/server.log)"; exit 2; }
    fi
    need_packages prometheus:prometheus prometheus-alertmanager:prometheus-alertmanager \
      chromium:chromium ripgrep:rg postgresql-client:pg_dump
    printf 'export KINTSUGI_TEST_POSTGRES_URL=%q\nexport KINTSUGI_CHROMIUM=%q\n' \
      "$url" "$(command -v chromium)" > "$env_file"
    log "ready (${env_file})"
    ;;
  *)
    echo "usage: $0 start" >&2; exit 2 ;;
esac
