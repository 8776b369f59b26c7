#!/usr/bin/env bash
# make prod-smoke: the production topology on this machine, under load and under faults (docs/deploy.md).
#
# Starts PostgreSQL (scripts/with-postgres.sh, durable), Redis (append-only file), gunicorn's two pools
# (deploy/gunicorn.conf.py: the web pool, and the back-office pool at a lower CPU priority), nginx in
# front (deploy/nginx/tikjoy.conf) and two django-q2 clusters on the Redis broker, all with
# DJANGO_ENV=production; HTTPS expectations are relaxed only by SMOKE_TEST_PLAIN_HTTP=loopback-only,
# which the settings refuse unless every host is a loopback name. Then:
#   1. migrate, collectstatic, demo data; smoke checks of the pages a person opens;
#   2. load: locust through nginx (as a browser reaches the site), the real mix, headless and
#      time-bounded; then the bare view, the brand page and /wallet/ each alone under the same server
#      (figures, goals, BELOW GOAL);
#   3. faults: SIGKILL a cluster while it pays engagement and settles rewards, restart it; restart
#      Redis; restart PostgreSQL; fill the queue with 10,000 tasks and watch it drain;
#   4. ledger_check and rewards_check; each outage as seen by pages and /healthz.
# Stops everything it started (trap) and exits non-zero when a check failed.
#
# PROD_SMOKE_USERS (32), PROD_SMOKE_SECONDS (60: the mix; the capacity runs take a third each),
# PROD_SMOKE_FAULT_POSTS (2000), PROD_SMOKE_FLOOD (10000), PROD_SMOKE_WEB_WORKERS (4),
# PROD_SMOKE_BACK_WORKERS (2),
# PROD_SMOKE_SKIP_LOAD=1 / PROD_SMOKE_SKIP_FAULTS=1 for a shorter run; PROD_SMOKE_KEEP_UP=N keeps the
# topology up N seconds after the smoke checks, to look around.
set -euo pipefail
# One compound command: bash reads it whole before running it, so editing this file while it
# runs can't change what the run does.
{
cd "$(dirname "$0")/.."

if [ -z "${PGHOST:-}" ] || [ -z "${DATABASE_URL:-}" ]; then
  exec env PG_DURABLE=1 scripts/with-postgres.sh "$0" "$@"
fi

PY=.venv/bin/python
USERS=${PROD_SMOKE_USERS:-32}
SECONDS_MIX=${PROD_SMOKE_SECONDS:-60}
SECONDS_ALONE=$(( SECONDS_MIX / 3 ))
FAULT_POSTS=${PROD_SMOKE_FAULT_POSTS:-2000}
FLOOD=${PROD_SMOKE_FLOOD:-10000}
WEB_WORKERS=${PROD_SMOKE_WEB_WORKERS:-4}
BACK_WORKERS=${PROD_SMOKE_BACK_WORKERS:-2}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/tikjoy-prod-smoke.XXXXXX")
# Seven consecutive loopback ports nothing listens on (other benchmark servers may share this
# machine): the web pool, nginx's HTTP and HTTPS, the fake TikTok's server, Redis, nginx's door for
# the load test, the back-office pool. Below the kernel's range of ephemeral ports (32768 and up
# here), where an outgoing connection of this run could take one after the check (nginx once
# failed to bind its port so).
WEB_PORT=$(python3 - <<'PORTS'
import random
import socket

for _ in range(500):
    base = random.randrange(20000, 32000 - 7)
    sockets = []
    try:
        for port in range(base, base + 7):
            sock = socket.socket()
            sockets.append(sock)
            sock.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        for sock in sockets:
            sock.close()
    print(base)
    break
else:
    raise SystemExit("prod-smoke: no seven free ports in a row between 20000 and 32000")
PORTS
)
SANDBOX_PORT=$(( WEB_PORT + 3 ))
REDIS_PORT=$(( WEB_PORT + 4 ))
LOAD_PORT=$(( WEB_PORT + 5 ))
BACK_PORT=$(( WEB_PORT + 6 ))
# The web pool itself (the smoke checks and the faults' prober) and nginx's door (the load test,
# and the site's address: the sandbox TikTok sends the browser back to it).
BASE="http://127.0.0.1:$WEB_PORT"
LOAD="http://127.0.0.1:$LOAD_PORT"
FAILED=0
STARTED_AT=$(date +%s)

# PostgreSQL from scripts/with-postgres.sh: its data directory and server binaries, to restart it.
PGDATA_DIR="$PGHOST/data"
PG_CTL=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | head -1 || command -v pg_ctl)
PG_AS=()
[ "$(id -u)" -eq 0 ] && PG_AS=(runuser -u postgres --)

scripts/ensure-redis.sh
scripts/ensure-nginx.sh

# --- the production profile, on loopback --------------------------------------------------------
export DJANGO_ENV=production
export SMOKE_TEST_PLAIN_HTTP=loopback-only
SECRET_KEY="prod-smoke-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')"
export SECRET_KEY
export CONSUMER_ID_KEY="prod-smoke-consumer-ids"
export ALLOWED_HOSTS=127.0.0.1,localhost
export SITE_URL="$LOAD"
export Q_BROKER="redis://127.0.0.1:$REDIS_PORT/0"
export CACHE_URL="redis://127.0.0.1:$REDIS_PORT/1"
export Q_WORKERS=2
# The replica alias on the same server: the router and its pool are exercised (a real replica is
# another server: docs/deploy.md).
export DATABASE_REPLICA_URL="$DATABASE_URL"
export DATABASE_POOL_MAX_SIZE=8
# While PostgreSQL is down a request waits this long for a connection, then gets the 503 page.
export DATABASE_POOL_TIMEOUT=5
# The fake TikTok and WhatsApp APIs that TikJoy's servers call: another server, as the real ones are
# (served by the same server, a sign-in's token exchange would wait for a free thread of its own).
# The authorize page, which the browser opens, stays on the site (it redirects back to it).
export TIKTOK_API_BASE_URL="http://127.0.0.1:$SANDBOX_PORT/sandbox/tiktok/open-api"
export WHATSAPP_API_BASE_URL="http://127.0.0.1:$SANDBOX_PORT/sandbox/whatsapp/v21.0"
# The fake answers from this same (2-CPU, shared) machine under load: give it the time a loaded
# machine needs instead of the 10 s a real TikTok gets.
export TIKTOK_HTTP_TIMEOUT_SECONDS=60 WHATSAPP_HTTP_TIMEOUT_SECONDS=60
# The load test measures the API, not its per-key limiter (600/min would refuse most of the calls).
export API_RATE_LIMIT_PER_MINUTE=1000000
export LOG_LEVEL=WARNING
export GUNICORN_BIND="127.0.0.1:$WEB_PORT" GUNICORN_WORKERS="$WEB_WORKERS" GUNICORN_ACCESS_LOG="$RUN/access.log"

say() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - STARTED_AT ))"; }
fail() { echo "FAILED: $*"; FAILED=1; }

REDIS_PID=""; WEB_PID=""; BACK_PID=""; SANDBOX_PID=""; CLUSTER_PIDS=("" ""); PROBE_PID=""; NGINX_ON=""
start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN" --appendonly yes --appendfsync everysec \
    --save "" --daemonize no --logfile "$RUN/redis.log" &
  REDIS_PID=$!
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "redis did not start"; return 1
}
stop_redis() {
  [ -n "$REDIS_PID" ] || return 0
  redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || kill "$REDIS_PID" 2>/dev/null || true
  wait "$REDIS_PID" 2>/dev/null || true
  REDIS_PID=""
}
start_cluster() {  # its own process group, so SIGKILL reaches the sentinel and every worker at once
  # at the CPU priority of deploy/systemd/tikjoy-worker@.service (Nice=10)
  setsid nice -n 10 "$PY" manage.py qcluster >>"$RUN/cluster-$1.log" 2>&1 &
  CLUSTER_PIDS[$1]=$!
}
stop_cluster() {
  local pid=${CLUSTER_PIDS[$1]}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  CLUSTER_PIDS[$1]=""
}
# The stand-in for TikTok's API is called straight by the app, not through nginx: room for more connections
# than threads, as gunicorn has by default (deploy/gunicorn.conf.py, worker_connections).
start_sandbox() {
  GUNICORN_BIND="127.0.0.1:$SANDBOX_PORT" GUNICORN_WORKERS=2 GUNICORN_THREADS=8 GUNICORN_WORKER_CONNECTIONS=64 GUNICORN_ACCESS_LOG=/dev/null \
    .venv/bin/gunicorn -c deploy/gunicorn.conf.py tikjoy.wsgi >>"$RUN/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
}
start_web() {
  .venv/bin/gunicorn -c deploy/gunicorn.conf.py tikjoy.wsgi >>"$RUN/web.log" 2>&1 &
  WEB_PID=$!
}
stop_gunicorn() {  # the arbiter whose pid is $1, and its workers
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
stop_web() { stop_gunicorn "$WEB_PID"; WEB_PID=""; }
start_back() {  # as deploy/systemd/tikjoy-back.service: its own port and workers, Nice=10
  nice -n 10 .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind "127.0.0.1:$BACK_PORT" --workers "$BACK_WORKERS" \
    --access-logfile "$RUN/back-access.log" tikjoy.wsgi >>"$RUN/back.log" 2>&1 &
  BACK_PID=$!
}
stop_back() { stop_gunicorn "$BACK_PID"; BACK_PID=""; }
cleanup() {
  local rc=$?
  set +e  # stop everything, whatever fails on the way
  trap - EXIT INT TERM
  if [ -n "$PROBE_PID" ]; then touch "$RUN/stop-probe"; wait "$PROBE_PID" 2>/dev/null; fi
  if [ -n "$NGINX_ON" ] && [ -f "$RUN/nginx/nginx.pid" ]; then kill -TERM "$(cat "$RUN/nginx/nginx.pid")" 2>/dev/null; fi
  if [ -n "$SANDBOX_PID" ]; then kill -TERM "$SANDBOX_PID" 2>/dev/null; wait "$SANDBOX_PID" 2>/dev/null; fi
  stop_cluster 0; stop_cluster 1; stop_web; stop_back; stop_redis
  if [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
    echo "prod-smoke: logs of the failed run:" >&2
    tail -n 30 "$RUN"/web.log "$RUN"/back.log "$RUN"/cluster-*.log 2>/dev/null >&2 || true
  fi
  rm -rf "$RUN"
  exit "$rc"
}
trap cleanup EXIT INT TERM

has() { grep -qiF -- "$1" <<<"$2"; }  # not `curl | grep -q`: grep's early exit fails the pipe
# Every request asks for English (the checks read English text; a visitor without a language gets
# the brand's own on its page).
healthz() { curl -H 'Accept-Language: en' -s -m 15 "$BASE/healthz" || echo "(no answer)"; }
# An outage while it lasts: /healthz answers 503 naming each part given as down, the others ok.
expect_down() {
  local body status part
  body=$(curl -H 'Accept-Language: en' -s -m 20 -w '\n%{http_code}' "$BASE/healthz") || true
  status=${body##*$'\n'}; body=${body%$'\n'*}
  echo "/healthz while it lasts: $status $body"
  [ "$status" = "503" ] || { fail "/healthz answered $status during the outage of $*"; return; }
  for part in database queue cache; do
    if [[ " $* " == *" $part "* ]]; then
      has "\"$part\": \"down\"" "$body" || fail "/healthz did not report $part down"
    else
      has "\"$part\": \"ok\"" "$body" || fail "/healthz reported $part down (only $* is)"
    fi
  done
}
# A page that needs the database while it is down: the 503 "back in a moment" page, no traceback.
expect_503_page() {
  local body status
  body=$(curl -H 'Accept-Language: en' -s -m 30 -w '\n%{http_code}' "$BASE$1") || true
  status=${body##*$'\n'}
  if [ "$status" = "503" ] && has "back in a moment" "$body" && ! has "Traceback" "$body"; then
    echo "ok  GET $1 while it is down -> 503 back in a moment"
  else
    fail "GET $1 while the database is down: $status (expected the 503 back-in-a-moment page)"
  fi
}
web_workers() { { pgrep -P "$WEB_PID" || true; } | sort -n | tr "\n" " "; }
wait_healthy() {  # [tries] [server]: /healthz of the web pool (or of server) answers 200
  for _ in $(seq "${1:-100}"); do
    [ "$(curl -H 'Accept-Language: en' -s -o /dev/null -w '%{http_code}' -m 15 "${2:-$BASE}/healthz")" = "200" ] && return 0
    sleep 0.3
  done
  return 1
}
phase_start() { PHASE_T0=$(date +%s.%N); }
phase_end() { echo "$PHASE_T0,$(date +%s.%N),$1" >>"$RUN/phases.csv"; }

say "PostgreSQL $("$PG_CTL" --version | awk '{print $3}') (fsync on), Redis $(redis-server --version | awk '{print $3}' | tr -d 'v='), $(nproc) CPUs"
start_redis

say "migrate, collectstatic, demo data"
"$PY" manage.py migrate --noinput -v0
echo "migrated ($(( $(date +%s) - STARTED_AT ))s)"
# collectstatic compresses every file (gzip and brotli): minutes on 2 CPUs. Kept from an earlier run
# when no static source and no installed package changed since.
MANIFEST=staticfiles/staticfiles.json
if [ -f "$MANIFEST" ] && [ ! .venv/.installed -nt "$MANIFEST" ] \
   && [ -z "$(find . \( -path ./staticfiles -o -path ./.venv \) -prune -o -path '*/static/*' -type f -newer "$MANIFEST" -print -quit)" ]; then
  echo "static files unchanged since the last collectstatic"
else
  "$PY" manage.py collectstatic --noinput -v0
  echo "static files collected ($(( $(date +%s) - STARTED_AT ))s)"
fi
# seed_demo sets known passwords: it refuses the production profile, so it runs as development
# against the same database (and queues its tasks on the same Redis).
DJANGO_ENV=development "$PY" manage.py seed_demo --quiet-credentials >"$RUN/seed.log" 2>&1 \
  || { cat "$RUN/seed.log"; fail "seed_demo"; exit 1; }
"$PY" scripts/prod/topology.py loadprep >"$RUN/load.env"
# shellcheck disable=SC1091
. "$RUN/load.env"
export SMOKE_TIKTOK_SECRET=sandbox-client-secret SMOKE_WHATSAPP_SECRET=sandbox-app-secret

say "gunicorn: the web pool ($WEB_WORKERS workers x 4 threads) on $BASE, the back-office pool ($BACK_WORKERS x 4, nice 10) on :$BACK_PORT; two django-q2 clusters on Redis (nice 10); the fake TikTok on :$SANDBOX_PORT"
start_sandbox
start_web
start_back
start_cluster 0
start_cluster 1
wait_healthy || { healthz; fail "/healthz never answered 200"; exit 1; }
echo "/healthz: $(healthz)"
wait_healthy 100 "http://127.0.0.1:$BACK_PORT" && echo "the back-office pool: /healthz 200" \
  || { fail "the back-office pool's /healthz never answered 200"; exit 1; }

say "smoke: what a person opens"
check() {  # path, expected status, text the page must contain
  local body status
  body=$(curl -H 'Accept-Language: en' -s -m 20 -w '\n%{http_code}' "$BASE$1") || true
  status=${body##*$'\n'}
  if [ "$status" != "$2" ] || ! grep -qF -- "$3" <<<"$body"; then
    fail "GET $1: $status (expected $2 with '$3')"
  else
    echo "ok  GET $1 -> $status"
  fi
}
check / 200 "TikJoy"
check "/b/$SMOKE_BRAND/" 200 "Continue with TikTok"
check /wallet/ 302 ""
check /accounts/login/ 200 "Sign in"
check /static/css/tikjoy.css 200 "{"
check /no-such-page/ 404 "doesn't exist"
check /api/v1/rewards 401 '401'
check "/r/$SMOKE_AFFILIATE_CODE" 302 ""
check /healthz 200 '"cache": "ok"'
STATIC_HASHED=$(curl -H 'Accept-Language: en' -s "$BASE/" | grep -o '/static/css/tikjoy\.[0-9a-f]*\.css' | head -1 || true)
[ -n "$STATIC_HASHED" ] && has 'cache-control: max-age=315360000' "$(curl -H 'Accept-Language: en' -sI "$BASE$STATIC_HASHED")" \
  && echo "ok  hashed static files, cached for ever ($STATIC_HASHED)" || fail "hashed static files"
has "content-security-policy" "$(curl -H 'Accept-Language: en' -sI "$BASE/")" && echo "ok  security headers" || fail "security headers"

say "nginx: deploy/nginx/tikjoy.conf in front of gunicorn (TLS with a throwaway certificate)"
HTTP_PORT=$(( WEB_PORT + 1 )); HTTPS_PORT=$(( WEB_PORT + 2 ))
mkdir -p "$RUN/nginx"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -keyout "$RUN/nginx/key.pem" -out "$RUN/nginx/cert.pem" 2>/dev/null
# The site as shipped, with this run's ports, paths and certificate.
sed -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|; s|listen \[::\]:80;||" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS_PORT ssl http2;|; s|listen \[::\]:443 ssl http2;||" \
    -e "s|server 127.0.0.1:8000;|server 127.0.0.1:$WEB_PORT;|; s|server 127.0.0.1:8001;|server 127.0.0.1:$BACK_PORT;|" \
    -e "s|server_name tikjoy.example.com;|server_name 127.0.0.1;|" \
    -e "s|/etc/letsencrypt/live/tikjoy.example.com/fullchain.pem|$RUN/nginx/cert.pem|" \
    -e "s|/etc/letsencrypt/live/tikjoy.example.com/privkey.pem|$RUN/nginx/key.pem|" \
    -e "s|/srv/tikjoy/staticfiles/|$PWD/staticfiles/|g" -e "s|/var/lib/tikjoy/media/|$RUN/media/|" \
    deploy/nginx/tikjoy.conf >"$RUN/nginx/site.conf"
# The load test's door: the HTTPS server's locations (static files, the two pools) over plain HTTP on
# loopback, as the smoke flag runs the site (locust then measures the site, not its own TLS), with the
# port in Host ($host drops it: the site's absolute URLs, the sandbox TikTok's redirect, need it).
python3 - "$RUN/nginx/site.conf" "$LOAD_PORT" <<'DOOR'
import re
import sys

path, port = sys.argv[1], sys.argv[2]
site = open(path).read()
(tls,) = [b for b in re.findall(r"^server \{\n.*?^\}", site, re.S | re.M) if "ssl_certificate" in b]
door = "\n".join(
    line for line in tls.splitlines() if "ssl" not in line and not line.strip().startswith("listen")
)
door = door.replace("server {", f"server {{\n    listen 127.0.0.1:{port};", 1).replace("$host", "$http_host")
open(path, "a").write("\n# make prod-smoke's door for the load test\n" + door + "\n")
DOOR
cat >"$RUN/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $RUN/nginx/body; proxy_temp_path $RUN/nginx/proxy;
  fastcgi_temp_path $RUN/nginx/fastcgi; uwsgi_temp_path $RUN/nginx/uwsgi; scgi_temp_path $RUN/nginx/scgi;
  include $RUN/nginx/site.conf;
}
NGINX
if /usr/sbin/nginx -t -q -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" && /usr/sbin/nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx"; then
  NGINX_ON=1
  echo "ok  nginx -t accepts the site"
  H="http://127.0.0.1:$HTTP_PORT"; S="https://127.0.0.1:$HTTPS_PORT"
  [ "$(curl -H 'Accept-Language: en' -s -o /dev/null -w '%{http_code} %{redirect_url}' "$H/b/$SMOKE_BRAND/")" = "301 https://127.0.0.1/b/$SMOKE_BRAND/" ] \
    && echo "ok  plain HTTP is redirected to HTTPS" || fail "nginx: no HTTPS redirect"
  [ "$(curl -H 'Accept-Language: en' -s -o /dev/null -w '%{http_code}' "$H/healthz")" = "200" ] && echo "ok  /healthz over plain HTTP (the balancer's probe)" || fail "nginx: /healthz over HTTP"
  has "Continue with TikTok" "$(curl -H 'Accept-Language: en' -sk "$S/b/$SMOKE_BRAND/")" && echo "ok  the brand page over TLS" || fail "nginx: brand page over TLS"
  HASHED=$(curl -H 'Accept-Language: en' -sk "$S/" | grep -o '/static/css/tikjoy\.[0-9a-f]*\.css' | head -1 || true)
  has "cache-control: public, immutable" "$(curl -H 'Accept-Language: en' -skI "$S$HASHED")" && echo "ok  nginx serves hashed static files, immutable" || fail "nginx: static files"
  [ "$(head -c 60000000 /dev/zero | curl -H 'Accept-Language: en' -sk -o /dev/null -w '%{http_code}' -X POST --data-binary @- "$S/console/campaigns/video/add/")" = "413" ] \
    && echo "ok  a 60 MB upload is refused by nginx (413): client_max_body_size 55m" || fail "nginx: client_max_body_size"
  # The two pools: each path lands in the pool deploy/nginx/tikjoy.conf names (the pools' access logs).
  has "Continue with TikTok" "$(curl -H 'Accept-Language: en' -s "$LOAD/b/$SMOKE_BRAND/?pool-check")" \
    && [ "$(curl -H 'Accept-Language: en' -s -o /dev/null -w '%{http_code}' "$LOAD/api/v1/rewards?pool-check")" = "401" ] \
    && [ "$(curl -H 'Accept-Language: en' -s -o /dev/null -w '%{http_code}' "$LOAD/console/?pool-check")" = "302" ] \
    && sleep 1 \
    && grep -q "GET /b/$SMOKE_BRAND/?pool-check" "$RUN/access.log" && ! grep -q "pool-check" <(grep -v "/b/" "$RUN/access.log") \
    && grep -q "GET /api/v1/rewards?pool-check" "$RUN/back-access.log" && grep -q "GET /console/?pool-check" "$RUN/back-access.log" \
    && ! grep -q "/b/$SMOKE_BRAND/?pool-check" "$RUN/back-access.log" \
    && echo "ok  nginx sends the brand page to the web pool, the API and the console to the back-office pool" \
    || fail "nginx: the two pools' routing"
else
  fail "nginx refused deploy/nginx/tikjoy.conf"
fi

if [ "${PROD_SMOKE_KEEP_UP:-0}" != "0" ]; then
  echo "keeping the topology up for ${PROD_SMOKE_KEEP_UP}s: $BASE, settings in $RUN/load.env"
  sleep "$PROD_SMOKE_KEEP_UP"
fi

if [ "${PROD_SMOKE_SKIP_LOAD:-0}" != "1" ] && [ -z "$NGINX_ON" ]; then
  fail "no load test: it goes through nginx, which did not start"
elif [ "${PROD_SMOKE_SKIP_LOAD:-0}" != "1" ]; then
  say "load: the real mix through nginx ($LOAD), $USERS users, ${SECONDS_MIX}s (locust, headless)"
  LOCUST=(.venv/bin/locust -f scripts/prod/locustfile.py --headless --host "$LOAD" -u "$USERS" -r "$USERS"
          --only-summary --loglevel WARNING --exit-code-on-error 0)
  "${LOCUST[@]}" -t "${SECONDS_MIX}s" --csv "$RUN/mix" Consumer Platforms Merchant ApiClient Visitor \
    >"$RUN/locust-mix.log" 2>&1 || { tail -20 "$RUN/locust-mix.log"; fail "locust (mix)"; }
  say "load: the bare view, the brand page and /wallet/, each alone, $USERS users, ${SECONDS_ALONE}s each"
  "${LOCUST[@]}" -t "${SECONDS_ALONE}s" --csv "$RUN/bare" BareOnly >"$RUN/locust-bare.log" 2>&1 || fail "locust (bare)"
  "${LOCUST[@]}" -t "${SECONDS_ALONE}s" --csv "$RUN/brand" BrandOnly >"$RUN/locust-brand.log" 2>&1 || fail "locust (brand)"
  "${LOCUST[@]}" -t "${SECONDS_ALONE}s" --csv "$RUN/wallet" WalletOnly >"$RUN/locust-wallet.log" 2>&1 || fail "locust (wallet)"
  "$PY" scripts/prod/load_report.py "$RUN/mix" "$RUN/bare" "$RUN/brand" "$RUN/wallet" "$USERS" \
    || fail "errors under load"
  say "the books after the load"
  "$PY" manage.py ledger_check && "$PY" manage.py rewards_check || fail "ledger_check / rewards_check after the load"
fi

if [ "${PROD_SMOKE_SKIP_FAULTS:-0}" != "1" ]; then
  say "faults: prepare $FAULT_POSTS posts to pay and $FAULT_POSTS rewards to settle"
  "$PY" scripts/prod/topology.py faultprep "$RUN/fault.json" "$FAULT_POSTS"
  # The sweeps are on the queue before the watcher starts: its Python start-up takes seconds here.
  "$PY" scripts/prod/probe.py watch "$BASE" "$RUN/probe.csv" "$RUN/stop-probe" &
  PROBE_PID=$!

  say "fault 1: SIGKILL a django-q2 cluster while it pays engagement and settles rewards"
  phase_start
  "$PY" scripts/prod/topology.py enqueue 3 &
  # kill-mid kills the cluster in any case; it fails when both sweeps were never mid-way at once.
  if KILLED=$("$PY" scripts/prod/topology.py kill-mid "$RUN/fault.json" "${CLUSTER_PIDS[0]}"); then
    echo "killed cluster 0 (its sentinel and every worker) $KILLED"
  else
    echo "killed cluster 0 $KILLED"
    fail "the SIGKILL did not come in the middle of both engagement processing and settlement"
  fi
  wait "${CLUSTER_PIDS[0]}" 2>/dev/null || true; CLUSTER_PIDS[0]=""
  sleep 2
  start_cluster 0
  echo "restarted cluster 0; the sweeps' schedules come due (their next run)"
  for _ in $(seq 120); do
    "$PY" scripts/prod/topology.py kick >/dev/null
    sleep 5
    read -r PAID SETTLED < <("$PY" scripts/prod/topology.py progress "$RUN/fault.json")
    echo "  paid $PAID of $FAULT_POSTS, settled $SETTLED of $FAULT_POSTS"
    [ "$PAID" -ge "$FAULT_POSTS" ] && [ "$SETTLED" -ge "$FAULT_POSTS" ] && break
  done
  "$PY" scripts/prod/topology.py verify "$RUN/fault.json" || fail "work lost or done twice after SIGKILL"
  phase_end "SIGKILL of a cluster mid-work"

  say "fault 2: restart Redis mid-run (queue and cache)"
  phase_start
  "$PY" scripts/prod/topology.py flood "redis-$$" 2000 >/dev/null
  stop_redis
  echo "Redis stopped"
  expect_down queue cache
  sleep 5
  start_redis
  echo "Redis back: /healthz $(healthz)"
  for _ in $(seq 120); do
    read -r DONE LEFT LOST < <("$PY" scripts/prod/topology.py flood-count "redis-$$")
    [ "$LEFT" = "0" ] && [ $(( DONE + LOST )) -ge 2000 ] && break  # the last ones may still be running
    sleep 1
  done
  echo "of 2000 tasks queued just before the restart: $DONE ran once, $LOST failed in a worker's hands while Redis was down (recorded as failed tasks), queue left $LEFT"
  [ "$LEFT" = "0" ] && [ $(( DONE + LOST )) -eq 2000 ] || fail "tasks vanished in the Redis restart"
  wait_healthy || fail "/healthz not ok after the Redis restart"
  phase_end "Redis restart"

  say "fault 3: restart PostgreSQL mid-run (web processes not restarted)"
  phase_start
  WORKERS_BEFORE=$(web_workers)
  "${PG_AS[@]}" "$PG_CTL" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
  sleep 1
  echo "PostgreSQL stopped"
  expect_down database
  # The bare view reads the database on every request; the brand page may come from the cache.
  expect_503_page "/smoke/bare/$SMOKE_BRAND"
  BRAND_DOWN=$(curl -H 'Accept-Language: en' -s -m 30 -w '\n%{http_code}' "$BASE/b/$SMOKE_BRAND/") || true
  case "${BRAND_DOWN##*$'\n'}" in
    200) echo "ok  the brand page while it is down -> 200 (from the cache)" ;;
    503) has "back in a moment" "$BRAND_DOWN" && echo "ok  the brand page while it is down -> 503 back in a moment" \
           || fail "the brand page while the database is down: a 503 that is not the back-in-a-moment page" ;;
    *) fail "the brand page while the database is down: ${BRAND_DOWN##*$'\n'}" ;;
  esac
  sleep 3
  # The options scripts/with-postgres.sh started it with (durable: fsync on).
  "${PG_AS[@]}" "$PG_CTL" -D "$PGDATA_DIR" -l "$PGHOST/postgres.log" -w -t 60 \
    -o "-k $PGHOST -p $PGPORT -c listen_addresses='' -c max_connections=300 -c shared_buffers=256MB" start >/dev/null
  echo "PostgreSQL started"
  wait_healthy || fail "/healthz not ok after the PostgreSQL restart"
  # Each web process's pool may still hold connections to the old server: each is found broken on
  # its first use (that request gets the 503 page) and replaced. Count them until 20 answers in a row are ok.
  AFTER=0; STREAK=0
  for _ in $(seq 400); do
    if [ "$(curl -H 'Accept-Language: en' -s -o /dev/null -w '%{http_code}' -m 20 "$BASE/smoke/bare/$SMOKE_BRAND")" = "200" ]; then
      STREAK=$(( STREAK + 1 )); [ "$STREAK" -ge 20 ] && break
    else
      AFTER=$(( AFTER + 1 )); STREAK=0
    fi
  done
  echo "after PostgreSQL was back: $AFTER request(s) met a connection to the old server (503), then 20 ok in a row"
  [ "$STREAK" -ge 20 ] || fail "the site did not recover after the PostgreSQL restart"
  echo "/healthz: $(healthz)"
  kill -0 "$WEB_PID" 2>/dev/null && echo "the same gunicorn (arbiter $WEB_PID) answers; workers before: $WORKERS_BEFORE; after: $(web_workers)" \
    || fail "gunicorn's arbiter is gone after the PostgreSQL restart"
  sleep 3
  phase_end "PostgreSQL restart"

  say "fault 4: $FLOOD tasks on the queue, drained by the two clusters"
  phase_start
  T0=$(date +%s.%N)
  "$PY" scripts/prod/topology.py flood "flood-$$" "$FLOOD"
  T1=$(date +%s.%N)
  for _ in $(seq 600); do
    read -r DONE LEFT LOST < <("$PY" scripts/prod/topology.py flood-count "flood-$$")
    [ "$LEFT" = "0" ] && [ "$DONE" -ge "$FLOOD" ] && break
    sleep 1
  done
  T2=$(date +%s.%N)
  awk -v t0="$T0" -v t1="$T1" -v t2="$T2" -v n="$DONE" -v left="$LEFT" 'BEGIN {
    printf "queued %d tasks in %.1fs; %d ran, queue left %d; drained %.1fs after the last was queued (%.0f tasks/s end to end)\n",
      n, t1 - t0, n, left, t2 - t1, n / (t2 - t0) }'
  [ "$DONE" = "$FLOOD" ] && [ "$LEFT" = "0" ] || fail "flood: $DONE of $FLOOD ran exactly once"
  phase_end "queue flood"

  touch "$RUN/stop-probe"; wait "$PROBE_PID" 2>/dev/null || true; PROBE_PID=""
  say "what pages and /healthz showed during each fault"
  "$PY" scripts/prod/probe.py report "$RUN/probe.csv" "$RUN/phases.csv" || fail "a fault showed a wrong page"
fi

say "the books at the end"
"$PY" manage.py ledger_check && "$PY" manage.py rewards_check || fail "ledger_check / rewards_check"
grep -h "Traceback" "$RUN"/web.log >/dev/null 2>&1 && echo "(web log has tracebacks: see above if the run failed)"

say "prod-smoke done in $(( $(date +%s) - STARTED_AT ))s: $([ "$FAILED" -eq 0 ] && echo ok || echo FAILED)"
exit "$FAILED"
}
