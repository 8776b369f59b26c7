"""The WSGI application the HTTP benchmarks serve with gunicorn (``core.benchmarking.http_server``).

It is the project's own application (settings, middleware, URLs) with two changes for the run,
both given by the benchmark command through the environment: the URLs gain the bare view the
figures are compared with (``core.bench_urls``), and ``TIKJOY_BENCH_SETTINGS`` (JSON) overrides a
few settings (``DEBUG`` off as in production; e.g. an API rate limit no run reaches). Never used
outside a benchmark.
"""

import json
import os

import django
from django.conf import settings

django.setup(set_prefix=False)
for _name, _value in json.loads(os.environ.get("TIKJOY_BENCH_SETTINGS", "{}")).items():
    setattr(settings, _name, _value)
os.environ.setdefault("TIKJOY_BENCH_URLCONF", settings.ROOT_URLCONF)
settings.ROOT_URLCONF = "core.bench_urls"

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402 - after the settings are final

application = WSGIHandler()
