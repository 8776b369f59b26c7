#!/usr/bin/env bash
# Check that `migrate` carries a database made by an earlier version forward with no data lost.
#
#   scripts/upgrade-check.sh <git ref of the earlier version>
#
# In a throwaway PostgreSQL: the earlier version (a git worktree of REF, run with this
# checkout's virtualenv) migrates and loads the demo; every table's row count is taken;
# then this version migrates the same database, and the counts are compared table by table
# (a table may be renamed by a migration: pass the renames in TABLE_RENAMES as old=new,...).
# ledger_check and rewards_check must pass afterwards. Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${1:?usage: scripts/upgrade-check.sh <git ref>}
HERE=$(pwd)
OLD=$(mktemp -d "${TMPDIR:-/tmp}/tikjoy-old.XXXXXX")
trap 'git -C "$HERE" worktree remove --force "$OLD" >/dev/null 2>&1 || true' EXIT
git worktree add --detach --force "$OLD" "$REF" >/dev/null
export DJANGO_ENV=development SOCIAL_BACKEND=sandbox
PY="$HERE/.venv/bin/python"

scripts/with-postgres.sh bash -c '
  set -euo pipefail
  counts() {
    psql -XAtq -d tikjoy -c "SELECT table_name FROM information_schema.tables WHERE table_schema = '"'"'public'"'"' AND table_type = '"'"'BASE TABLE'"'"' ORDER BY 1" |
      while read -r t; do echo "$t $(psql -XAtq -d tikjoy -c "SELECT count(*) FROM \"$t\"")"; done
  }
  (cd "'"$OLD"'" && "'"$PY"'" manage.py migrate -v0 && "'"$PY"'" manage.py seed_demo --quiet-credentials >/dev/null)
  counts > "'"$OLD"'/before.txt"
  "'"$PY"'" manage.py migrate -v0
  "'"$PY"'" manage.py ledger_check | tail -1
  "'"$PY"'" manage.py rewards_check | tail -1
  counts > "'"$OLD"'/after.txt"
  "'"$PY"'" - "'"$OLD"'/before.txt" "'"$OLD"'/after.txt" <<PYEOF
import os, sys
renames = dict(p.split("=") for p in os.environ.get("TABLE_RENAMES", "").split(",") if p)
before = dict(line.split() for line in open(sys.argv[1]))
after = dict(line.split() for line in open(sys.argv[2]))
lost = []
for table, n in sorted(before.items()):
    if table.startswith("django_q_") or table == "django_migrations":
        continue
    now = after.get(renames.get(table, table))
    if now is None or int(now) < int(n):
        lost.append(f"{table}: {n} rows before, {now} after")
print(f"{len(before)} tables before, {len(after)} after; {sum(int(v) for v in before.values())} rows before")
if lost:
    print("ROWS LOST:\n  " + "\n  ".join(lost))
    sys.exit(1)
print("no rows lost")
PYEOF
'
