#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# initdb's a fresh cluster in a temporary folder, listening only on a Unix
# socket there, exports DATABASE_URL (and PGHOST/PGPORT/PGUSER for psql and
# pgbench), runs COMMAND, and always stops and removes the cluster on exit.
# PG_DURABLE=1 keeps PostgreSQL's default durability (fsync on) for benchmarks;
# otherwise fsync is off, which is fine for a cluster thrown away after tests.
# Installs Debian's postgresql with apt-get when the server binaries are missing.
set -euo pipefail

find_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"; return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

if ! BINDIR=$(find_bindir); then
  echo "with-postgres: PostgreSQL server binaries missing; installing Debian's postgresql" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-contrib >/dev/null
  BINDIR=$(find_bindir) || { echo "with-postgres: could not install PostgreSQL" >&2; exit 1; }
fi
PGBENCH_BIN="$BINDIR/pgbench"
[ -x "$PGBENCH_BIN" ] || PGBENCH_BIN=$(command -v pgbench || true)

PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/tikjoy-pg.XXXXXX")
PORT=$(( 20000 + RANDOM % 20000 ))
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb and postgres refuse to run as root: run the cluster as an unprivileged user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$PGDIR"
  chmod 755 "$PGDIR"
  RUN_AS=(runuser -u postgres --)
fi

cleanup() {
  local rc=$?
  "${RUN_AS[@]}" "$BINDIR/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
  exit $rc
}
trap cleanup EXIT INT TERM

"${RUN_AS[@]}" "$BINDIR/initdb" -D "$PGDIR/data" -U tikjoy --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${PG_DURABLE:-0}" = "1" ] && DURABILITY=""
"${RUN_AS[@]}" "$BINDIR/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" -w -t 60 \
  -o "-k $PGDIR -p $PORT -c listen_addresses='' -c max_connections=300 -c shared_buffers=256MB $DURABILITY" \
  start >/dev/null || { cat "$PGDIR/postgres.log" >&2; exit 1; }

export PGHOST="$PGDIR" PGPORT="$PORT" PGUSER=tikjoy PGDATABASE=postgres
export PGBENCH="$PGBENCH_BIN"
"$BINDIR/createdb" tikjoy
ENCODED_DIR=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGDIR")
export DATABASE_URL="postgres://tikjoy@${ENCODED_DIR}:${PORT}/tikjoy"
echo "with-postgres: PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on socket $PGDIR port $PORT" >&2

set +e
"$@"
rc=$?
set -e
exit $rc
