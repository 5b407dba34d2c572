# Source this file to get a throw-away PostgreSQL cluster for the tests:
#   . .ci/postgres.sh && start_throwaway_postgres
# It runs initdb and pg_ctl in a fresh temporary folder (as the `postgres` user when run as root,
# since PostgreSQL refuses to run as root), listens only on 127.0.0.1 at a free port, exports
# LOWBACK_TEST_POSTGRES (a postgresql:// URL for the tests) and stops and deletes the cluster when
# the calling shell exits (a trap). Without initdb/pg_ctl on the PATH (or in /usr/lib/postgresql/*/bin)
# it says so and leaves LOWBACK_TEST_POSTGRES unset: the PostgreSQL tests are then skipped.

_pg_bin() {
  local tool="$1" found
  found="$(command -v "$tool" 2>/dev/null || true)"
  if [ -z "$found" ]; then
    found="$(ls -d /usr/lib/postgresql/*/bin/"$tool" 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  printf '%s' "$found"
}

_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_throwaway_postgres() {
  if [ -n "${_PG_DIR:-}" ] && [ -d "$_PG_DIR" ]; then
    _pg_as_owner "$_PG_CTL" -D "$_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$_PG_DIR"
  fi
}

start_throwaway_postgres() {
  local initdb pg_ctl port
  initdb="$(_pg_bin initdb)"
  pg_ctl="$(_pg_bin pg_ctl)"
  if [ -z "$initdb" ] || [ -z "$pg_ctl" ]; then
    echo "PostgreSQL (initdb, pg_ctl) not found: the PostgreSQL tests will be skipped." >&2
    return 0
  fi
  _PG_CTL="$pg_ctl"
  _PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/lowback-pg.XXXXXX")"
  trap stop_throwaway_postgres EXIT
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$_PG_DIR"
  fi
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  _pg_as_owner "$initdb" -D "$_PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$_PG_DIR/initdb.log" 2>&1 \
    || { cat "$_PG_DIR/initdb.log" >&2; return 1; }
  # Durability is not needed for a cluster that lives for one test run.
  _pg_as_owner "$pg_ctl" -D "$_PG_DIR/data" -l "$_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$_PG_DIR/server.log" >&2; return 1; }
  export LOWBACK_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$port/postgres"
  export PATH="$(dirname "$pg_ctl"):$PATH"
  echo "Throw-away PostgreSQL at $LOWBACK_TEST_POSTGRES" >&2
}
