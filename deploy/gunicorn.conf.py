"""gunicorn settings for TikJoy's web processes (deploy/tikjoy-web.service and make prod-smoke).

Every value can be set from the environment of the service, so one file serves a small VM and
a big one: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT.
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
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (plus jitter): a slow leak can't grow for ever.
max_requests = 5000
max_requests_jitter = 500
# The proxy in front (nginx on the same machine, or the load balancer's addresses) is the only
# source of X-Forwarded-* gunicorn believes; Django reads X-Forwarded-Proto (settings.py) and, with
# TRUST_X_FORWARDED_FOR, the last X-Forwarded-For hop (core/http.py).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Requests larger than this are refused before Django reads them (nginx refuses them first).
limit_request_line = 8190
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "tikjoy-web"
