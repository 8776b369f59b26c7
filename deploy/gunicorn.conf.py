"""gunicorn settings for TikJoy's web processes (deploy/tikjoy-web.service and make prod-smoke).

Every value can be set from the environment of the service, so one file serves a small VM and
a big one: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_WORKER_CONNECTIONS,
GUNICORN_TIMEOUT, GUNICORN_MAX_REQUESTS.
The back-office pool (tikjoy-back.service) is the same file with --bind and --workers on its command line.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes use the cores; threads cover the time a request waits on PostgreSQL, Redis or TikTok.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Keep workers x threads (plus the task workers) below PostgreSQL's max_connections /
# DATABASE_POOL_MAX_SIZE: each thread holds at most one pooled connection at a time.
# A process takes only as many connections as it has threads. A request then waits in the kernel's one
# accept queue for whichever process frees a thread first, never behind the busy threads of the process
# that happened to accept it (a gthread worker otherwise accepts up to 1,000 and queues them itself).
# nginx opens a connection per request for this reason (no upstream `keepalive`), and gunicorn closes it
# after the response: with no room beyond the threads there is none for idle kept-alive connections.
# Measured in docs/benchmarks.md ("One connection per thread"). Raise GUNICORN_WORKER_CONNECTIONS
# above the threads only for clients that keep connections open to gunicorn directly. Set the threads with
# GUNICORN_THREADS, not --threads on the command line: the connections follow the variable.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", threads))
keepalive = 5 if worker_connections > threads else 0
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# A worker is replaced after this many requests (plus jitter): a slow leak can't grow for ever. Not
# much lower: a new worker imports the app and loads its URLs and templates again (3.5 s of CPU on
# the 2-CPU benchmark machine) and prepares its statements anew, and at 5,000 each of 4 workers
# restarted about every minute under make prod-smoke's load (docs/benchmarks.md, "two pools").
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# The proxy in front (nginx on the same machine, or the load balancer's addresses) is the only
# source of X-Forwarded-* gunicorn believes; Django reads X-Forwarded-Proto (settings.py) and, with
# TRUST_X_FORWARDED_FOR, the last X-Forwarded-For hop (core/http.py).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Requests larger than this are refused before Django reads them (nginx refuses them first).
limit_request_line = 8190
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# gunicorn's default line, then how long the request took (ms), as the last field: what a slow page is
# found by (docs/deploy.md).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "tikjoy-web"
