"""The project's own hostile-input test: every form and endpoint it can find, with values meant to break it.

What it walks, discovered at run time (a new app's pages are walked without touching this file):

- the console: every add and change form of every ModelAdmin registered on
  ``console_site`` (inline formsets included), one field at a time, each with the
  values of its kind from ``HOSTILE``; every list's filters, search, ordering and
  page parameters; every list action with odd or other tenants' ids;
- every other URL of the root URLconf (public pages, sign-in, claims, the wallet and
  its JSON, the sandbox fakes...): path parameters filled with hostile values, GET
  with hostile query strings, and every POST form on the page submitted with each
  hostile value in every field, anonymously and as a signed-in consumer;
- the webhooks, signed as TikTok and Meta sign them, with hostile JSON bodies;
- /ops/ as a superuser: every ModelAdmin's list (search, ordering, page and filter
  parameters), add page, first object's pages and own object URLs (the review queue's
  reject, a person's ban and lift), the diagnostics page, and every POST form found
  there with hostile values in all its fields.

It asserts that nothing answers 5xx, that a form answered with errors wrote no row
anywhere (row counts of every table unchanged), that the other tenant's rows never
change, and that no HTML page ever contains stored or echoed markup unescaped.
Values are fixed; the few sampled choices use a fixed seed. It runs in ``make test``.

To extend it: give your app's objects to ``_populate`` in
``merchants/tests/test_tenant_isolation.py`` (the world both tests walk) and, for a
new signed endpoint, a signer in ``SIGNERS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import time
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone

from accounts.models import User
from merchants.console_site import ConsoleModelAdmin, console_site
from merchants.models import ConsentField, Membership
from merchants.roles import Role
from merchants.services import consent_give
from merchants.tests.test_tenant_isolation import _merchant, _populate, _user
from tikjoy.tests.html_forms import forms_of, main_form

pytestmark = pytest.mark.django_db

SEED = 12
MARKUP = '<b data-hostile="1">'

# One table of values meant to break things; each field gets the values of its kind.
TEXT = {
    "empty": "",
    "100,000 characters": "x" * 100_000,
    "NUL": "a\x00b",
    "lone surrogate": "a\ud800b",
    "RTL override": "\u202egnp.exe",
    "emoji": "\U0001f600\U0001f44d\U0001f3fd\u200d",
    "HTML": f'<script>alert("x")</script>{MARKUP}',
    "SQL": "' OR 1=1; DROP TABLE accounts_user; --",
}
NUMBERS = {
    "empty": "",
    "negative": "-1",
    "zero": "0",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e100": "1e100",
    "20 digits": "99999999999999999999",
    "fraction": "0.0000000001",
    "not a number": "abc",
}
DATES = {
    "empty": "",
    "malformed date": "2026-02-30",
    "not a date": "31/31/31",
    "far future": "99999-01-01",
    "time": "25:61:61",
}
CHOICES = {"empty": "", "not a choice": "NOT_A_CHOICE", "20 digits": "99999999999999999999", "NUL": "\x00"}
HOSTILE = {**TEXT, **NUMBERS, **DATES}
# In every field at once: 100,000 characters per field is over Django's body limit (a plain 400,
# so they go one field at a time); near-duplicates add time, not coverage. The add page after
# the change page (the same form) gets the values that differ most.
ALL_AT_ONCE_SKIP = {"100,000 characters", "-Infinity", "fraction", "time", "not a date"}
ALL_AT_ONCE_EVERY_PAGE = {"empty", "NUL", "lone surrogate", "HTML", "20 digits", "malformed date"}


def _encode(data: dict) -> bytes:
    """A urlencoded body as a browser would send it; lone surrogates become the bytes they'd be."""
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass").encode("ascii")


def _post(client, url: str, data: dict):
    return client.post(url, _encode(data), content_type="application/x-www-form-urlencoded")


def _row_counts() -> tuple:
    tables = sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.managed
        and not m._meta.proxy
        and m._meta.db_table not in ("django_session", "accounts_session")
    )
    # Table names from the models, quoted: no outside input reaches this statement.
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(zip(tables, cursor.fetchone(), strict=True))


class Walk:
    """Sends requests, keeps what went wrong (all of it, so one run shows every problem)."""

    def __init__(self, client, world):
        self.client = client
        self.world = world
        self.problems: list[str] = []
        self.requests = 0
        client.raise_request_exception = False

    def check(self, response, what: str) -> None:
        self.requests += 1
        if response.status_code >= 500:
            self.problems.append(f"{what} answered {response.status_code}")
        elif (
            "html" in response.get("Content-Type", "")
            and not response.streaming
            and MARKUP.encode() in response.content
        ):
            self.problems.append(f"{what} shows markup unescaped")

    def get(self, url: str, what: str | None = None, params: dict | None = None):
        response = self.client.get(url, params) if params else self.client.get(url)
        self.check(response, what or f"GET {url}")
        return response

    def post_form(self, url: str, data: dict, what: str):
        before = _row_counts()
        response = _post(self.client, url, data)
        self.check(response, what)
        if response.status_code == 200 or response.status_code >= 400:
            after = _row_counts()
            if after != before:
                changed = [(b[0], b[1], a[1]) for b, a in zip(before, after, strict=True) if b != a]
                self.problems.append(f"{what} answered {response.status_code} but wrote rows: {changed}")
        return response

    def assert_clean(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems[:80])


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    """The two-merchant world, built once for the module in a transaction rolled back at the end;
    each test runs in a savepoint inside it (as in ``test_tenant_isolation``)."""
    outer = transaction.atomic()
    outer._from_testcase = True  # as Django's TestCase does: services' durable blocks may run inside
    with django_db_blocker.unblock(), outer:
        alpha, alpha_owner = _merchant("alpha", "Alpha Foods", "alpha.example", "Rue Alpha")
        _populate(alpha, alpha_owner, "alpha.example", "Alpha")
        bravo, bravo_owner = _merchant("bravosecret", "Bravo Secret Brand", "bravo.example", "Rue Bravo")
        _populate(bravo, bravo_owner, "bravo.example", "Bravo")
        consumer = User.objects.create_user(email="consumer@hostile.example", display_name="Con Sumer")
        # A member of Alpha's audience: its brand page shows them the claim forms.
        consent_give(user=consumer, merchant=alpha, fields=[ConsentField.DISPLAY_NAME], now=timezone.now())
        yield {"alpha": alpha, "alpha_owner": alpha_owner, "bravo": bravo, "consumer": consumer}
        transaction.set_rollback(True)


@pytest.fixture
def world(_world, db):
    return _world


def _bravo_rows(world) -> list:
    rows = []
    for model_admin in console_site._registry.values():
        queryset = model_admin.model._default_manager.filter(**{model_admin.merchant_path: world["bravo"].pk})
        rows.append(sorted(queryset.values_list()))
    return rows


def _bravo_ids(world) -> list[str]:
    ids = set()
    for model_admin in console_site._registry.values():
        queryset = model_admin.model._default_manager.filter(**{model_admin.merchant_path: world["bravo"].pk})
        ids.update(str(pk) for pk in queryset.values_list("pk", flat=True))
    return sorted(ids, key=int)


# --- the console's forms -----------------------------------------------------------------------

CONSOLE_ADMINS = sorted(
    (model._meta.label_lower for model in console_site._registry),
)


def _admin_for(label: str) -> ConsoleModelAdmin:
    return next(a for m, a in console_site._registry.items() if m._meta.label_lower == label)


def _values_for(field, other_tenant_ids: list[str]) -> dict[str, str]:
    """The values that can pass a field's own checks and still break what comes after (the
    database's range, a length, markup shown later): each field gets those of its kind alone,
    the rest of the form valid. (Every value of ``HOSTILE`` reaches every field in the
    all-at-once pass.)"""
    name = field.name
    if field.kind in ("select", "radio"):
        return {"not a choice": "NOT_A_CHOICE", "other tenant's id": other_tenant_ids[0]}
    if field.kind == "number" or name.endswith(
        ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
    ):
        return {key: NUMBERS[key] for key in ("20 digits", "1e100")}
    if re.search(r"_(0|1)$", name) or field.kind in ("date", "time", "datetime-local"):
        return {"far future": DATES["far future"]}
    if field.kind == "hidden" and name.endswith("-id"):
        return {"other tenant's id": other_tenant_ids[0], "20 digits": "99999999999999999999"}
    return {key: TEXT[key] for key in ("100,000 characters", "HTML")}


def _filled(form) -> dict[str, list[str]]:
    """What the form submits unchanged, with a plausible value where a person must choose or type one."""
    data = form.data()
    for field in form.fields:
        if field.name in data or "__prefix__" in field.name or field.kind in ("submit", "button", "file"):
            continue
        if field.kind == "radio" and field.options:
            data[field.name] = [field.options[0]]
    for field in form.fields:
        if data.get(field.name) != [""] or "__prefix__" in field.name:
            continue
        if field.kind == "email" or "email" in field.name:
            data[field.name] = ["walker@alpha.example"]
        elif field.kind == "select" and any(field.options):
            data[field.name] = [next(option for option in field.options if option)]
    return data


def _form_fields(form) -> list:
    """Fields worth a value: not the buttons, not CSRF, one form per inline formset (the first)."""
    seen, fields = set(), []
    for field in form.fields:
        if field.kind in ("submit", "button", "image", "reset", "file", "checkbox"):
            continue
        if field.name in ("csrfmiddlewaretoken", "console_merchant") or field.name in seen:
            continue
        if "__prefix__" in field.name:
            continue  # the formset's template for a new row, ignored by Django
        match = re.search(r"-(\d+)-", field.name)
        if match and match.group(1) != "0":
            continue
        seen.add(field.name)
        fields.append(field)
    return fields


@pytest.mark.parametrize("label", CONSOLE_ADMINS)
def test_console_forms_survive_hostile_values_in_every_field(client, world, label):
    model_admin = _admin_for(label)
    opts = model_admin.opts
    walk = Walk(client, world)
    client.force_login(world["alpha_owner"])
    bravo_before, other_ids = _bravo_rows(world), _bravo_ids(world)
    alpha_obj = (
        model_admin.model._default_manager.filter(**{model_admin.merchant_path: world["alpha"].pk})
        .order_by("pk")
        .first()
    )
    # The change page first: the object's own values are a baseline that saves; the add page
    # borrows them for the fields the two forms share.
    pages = []
    if alpha_obj is not None:
        pages.append(reverse(f"console:{opts.app_label}_{opts.model_name}_change", args=[alpha_obj.pk]))
    pages.append(reverse(f"console:{opts.app_label}_{opts.model_name}_add"))

    forms_walked, saved_baselines, walked_fields, known = 0, 0, set(), {}
    for url in pages:
        page = walk.get(url)
        form = main_form(page.content.decode(errors="replace")) if page.status_code == 200 else None
        if form is None or not any(f.name == "_save" for f in form.fields):
            continue  # read-only for this role, or no such page
        forms_walked += 1
        own = _filled(form)
        baseline = {**own, **{k: v for k, v in known.items() if k in own and "-" not in k}, "_save": "Save"}
        known.update(own)
        fields = _form_fields(form)
        # Every hostile value in every field at once (100,000 characters per field go one field
        # at a time below: in every field at once the body is over Django's limit, a plain 400)...
        for name, value in HOSTILE.items():
            if name in ALL_AT_ONCE_SKIP or (name not in ALL_AT_ONCE_EVERY_PAGE and forms_walked > 1):
                continue
            walk.post_form(
                url, {**baseline, **{f.name: value for f in fields}}, f"POST {url} all fields={name}"
            )
        # ...and one field at a time (the rest valid), each with the values of its kind.
        saved = False
        for field in fields:
            if field.name in walked_fields:
                continue  # the same field on the add and the change page: once is enough
            for name, value in _values_for(field, other_ids).items():
                response = walk.post_form(
                    url, {**baseline, field.name: value}, f"POST {url} {field.name}={name}"
                )
                saved = saved or response.status_code == 302
        # The baseline must save (or a value above did), or nothing above reached the database.
        if saved or walk.post_form(url, baseline, f"POST {url} unchanged").status_code == 302:
            saved_baselines += 1
            walked_fields.update(f.name for f in fields)
        # What was stored renders escaped on the list and the page itself.
        walk.get(reverse(f"console:{opts.app_label}_{opts.model_name}_changelist"))
        walk.get(url)

    print(f"{label}: {walk.requests} requests, {forms_walked} forms, {saved_baselines} saved as they were")
    walk.assert_clean()
    assert _bravo_rows(world) == bravo_before, "the walk changed another merchant's rows"
    assert not forms_walked or saved_baselines, (
        f"no form of {label} saves unchanged: the walk can't reach the database; fix its baseline"
    )


def test_console_lists_survive_hostile_filters_search_ordering_pages_and_actions(client, world):
    walk = Walk(client, world)
    client.force_login(world["alpha_owner"])
    bravo_before, other_ids = _bravo_rows(world), _bravo_ids(world)
    odd = {k: TEXT[k] for k in ("NUL", "100,000 characters", "RTL override", "HTML")}
    odd.update({"not a choice": "NOT_A_CHOICE", "other tenant's id": other_ids[0], "20 digits": "9" * 20})

    for model, model_admin in console_site._registry.items():
        url = reverse(f"console:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = walk.get(url).content.decode(errors="replace")
        params = set(re.findall(r'href="\?([^"=&]+)=', page)) | {"q", "o", "p"}
        export = reverse(f"console:{model._meta.app_label}_{model._meta.model_name}_export")
        for param in sorted(params):
            for name, value in odd.items():
                walk.get(url, f"GET {url}?{param}={name}", {param: value})
                response = walk.get(export, f"GET {export}?{param}={name}", {param: value})
                if response.streaming:  # the export of a filtered list streams: read it to the end
                    b"".join(response.streaming_content)
        for action in (
            "export_csv",
            "delete_selected",
            "NOT_AN_ACTION",
            "\x00",
            *(model_admin.actions or []),
        ):
            for ids in (other_ids[:3], ["abc"], ["99999999999999999999"]):
                walk.post_form(
                    url,
                    {"action": action, "_selected_action": ids, "index": "0", "select_across": "0"},
                    f"POST {url} action={action!r} ids={ids}",
                )

    walk.assert_clean()
    assert _bravo_rows(world) == bravo_before


def _console_urls(world) -> list[str]:
    """Every console URL: the site's own pages and every ModelAdmin URL, object URLs for Alpha's objects."""
    urls = []
    for pattern in console_site.get_urls():
        if (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not pattern.pattern.converters
            and "(?P" not in str(pattern.pattern)
            and pattern.name not in ("logout", "view_on_site")
        ):
            urls.append(reverse(f"console:{pattern.name}"))
    for model, model_admin in console_site._registry.items():
        first = (
            model._default_manager.filter(**{model_admin.merchant_path: world["alpha"].pk})
            .order_by("pk")
            .first()
        )
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            if pattern.name.endswith(("_changelist", "_delete", "_history", "_export")):
                continue  # lists: walked above; deleting and exporting take no parameters
            if "object_id" in str(pattern.pattern):
                if first is not None:
                    urls.append(reverse(f"console:{pattern.name}", kwargs={"object_id": first.pk}))
            elif not pattern.pattern.converters:
                urls.append(reverse(f"console:{pattern.name}"))
    return urls


def test_every_console_url_survives_hostile_query_strings(client, world):
    """GET every console URL (JSON ones such as the rule quote included) with hostile values in every
    parameter name its forms use (``rules-0-amount`` also as ``amount``)."""
    walk = Walk(client, world)
    client.force_login(world["alpha_owner"])
    values = {
        k: HOSTILE[k] for k in ("20 digits", "1e100", "NaN", "negative", "HTML", "not a number", "empty")
    }
    urls = _console_urls(world)
    names = {"page", "next", "action", "q", "days"}
    for url in urls:
        page = walk.get(url)
        if "html" in page.get("Content-Type", "") and page.status_code == 200:
            for form in forms_of(page.content.decode(errors="replace")):
                for field in form.fields:
                    names.add(field.name)
                    names.add(re.sub(r"^.*-\d+-", "", field.name))
    names = sorted(n for n in names if n and "__prefix__" not in n and n != "csrfmiddlewaretoken")
    for url in urls:
        for value_name, value in values.items():
            walk.get(url, f"GET {url} every parameter={value_name}", dict.fromkeys(names, value))
    assert len(urls) > 10
    walk.assert_clean()


# The console's own pages with forms of their own (not a ModelAdmin's): each POST form, with hostile
# values in every field the person fills (the hidden ones keep the page's values), all at once and
# one at a time. A refused form writes nothing (row counts), and Alpha stays open.
CONSOLE_FORM_PAGES = ("console:close", "console:refund_bank")


def test_console_pages_with_their_own_forms_survive_hostile_values(client, world):
    walk = Walk(client, world)
    client.force_login(world["alpha_owner"])
    form_values = {name: HOSTILE[name] for name in sorted(ALL_AT_ONCE_EVERY_PAGE)}
    posted = 0
    for name in CONSOLE_FORM_PAGES:
        path = reverse(name)
        page = walk.get(path)
        assert page.status_code == 200, path
        for form in forms_of(page.content.decode(errors="replace")):
            if form.method != "post":
                continue
            baseline = form.data()
            fields = [
                f
                for f in form.fields
                if f.kind not in ("submit", "button", "file", "hidden") and f.name != "csrfmiddlewaretoken"
            ]
            for value_name, value in form_values.items():
                for chosen in [fields, *([f] for f in fields)]:
                    walk.post_form(
                        form.action or path,
                        {**baseline, **{f.name: value for f in chosen}},
                        f"POST {path} {[f.name for f in chosen]}={value_name}",
                    )
                    posted += 1
    assert posted > 10
    world["alpha"].refresh_from_db()
    assert world["alpha"].closed_at is None
    walk.assert_clean()


def test_the_diagnostics_search_and_pages_survive_hostile_values(client, world):
    """The Diagnostics search (``q``) with every hostile text and number, and its pages with ids that are
    out of range, another merchant's or not numbers: never a 5xx, never markup echoed, never a row."""
    from rewards.models import MerchantConsumer

    walk = Walk(client, world)
    client.force_login(world["alpha_owner"])
    before = _row_counts()
    search = reverse("console:diagnostics")
    for name, value in {**TEXT, **NUMBERS, "handle": "@" + "a" * 70, "phone": "+" + "9" * 30}.items():
        query = urlencode({"q": value}, encoding="utf-8", errors="surrogatepass")
        response = walk.get(f"{search}?{query}", f"GET {search} q={name}")
        assert response.status_code in (200, 400), name
    bravo_ref = MerchantConsumer.objects.filter(merchant=world["bravo"]).values_list("pk", flat=True).first()
    bravo_campaign = world["bravo"].campaigns.values_list("pk", flat=True).first()
    for tail in ("0", "99999999999999999999", "9" * 40, str(bravo_ref), "abc", "-1", "%00"):
        for kind in ("consumers", "campaigns"):
            walk.get(f"/console/diagnostics/{kind}/{tail}/")
    walk.get(f"/console/diagnostics/campaigns/{bravo_campaign}/")
    ours = MerchantConsumer.objects.filter(merchant=world["alpha"]).values_list("pk", flat=True).first()
    assert walk.get(reverse("console:diagnostics_consumer", kwargs={"ref": ours})).status_code == 200
    assert _row_counts() == before
    walk.assert_clean()


# --- every other URL -------------------------------------------------------------------------------


def _public_routes() -> list[tuple[str, URLPattern]]:
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith(("console/", "ops/")):
                    continue  # walked above (the console) and below (ops)
                walk(pattern.url_patterns, route)
            elif "media/" not in route:
                found.append((route, pattern))

    walk(get_resolver().url_patterns, "")
    return found


PUBLIC_ROUTES = _public_routes()
# The first value of each kind is a real one (a claimable action, Alpha's slug, Alpha's first
# campaign): the first path of every route is a real page, the others are drawn with the seed.
PATH_VALUES = {
    "str": [
        "like",
        "comment",
        "x",
        "%00",
        "%ED%A0%80",
        "%E2%80%AEx",
        "99999999999999999999",
        "%3Cb%3E",
        "' OR 1=1 --",
    ],
    "int": ["<alpha campaign>", "0", "1", "99999999999999999999"],
    "slug": ["alpha", "bravosecret", "no-such-brand", "x" * 300],
}


def _paths(route: str, pattern: URLPattern, world) -> list[str]:
    """Concrete paths for a route, its parameters filled with real and hostile values."""
    route = route.replace("^", "").replace("$", "")
    params = re.findall(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)", route)
    if not params:
        return ["/" + route]
    paths = []
    rng = random.Random(SEED + len(route))
    alpha_campaign = str(world["alpha"].campaigns.order_by("pk").first().pk)
    for n in range(5):
        path = route
        for converter, _name, _regex_name in params:
            kind = converter or "str"
            choices = PATH_VALUES.get(kind, PATH_VALUES["str"])
            if kind == "int":
                choices = [*choices, *_bravo_ids(world)[:2]]
            value = choices[0] if n == 0 else rng.choice(choices)
            value = alpha_campaign if value == "<alpha campaign>" else value
            path = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", value, path, count=1)
        try:
            resolve("/" + path.replace("%00", "x").split("?")[0])
        except Resolver404:
            continue
        paths.append("/" + path)
    return sorted(set(paths)) or []


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "consumer"])
def test_every_other_page_survives_hostile_paths_queries_and_forms(client, world, settings, signed_in):
    settings.TIKTOK_CLIENT_SECRET = "hostile-test-secret"
    walk = Walk(client, world)
    if signed_in:
        client.force_login(world["consumer"])
    rng = random.Random(SEED)
    query_values = {
        k: HOSTILE[k] for k in ("NUL", "lone surrogate", "20 digits", "HTML", "100,000 characters")
    }
    form_values = {
        k: HOSTILE[k]
        for k in (
            "empty",
            "100,000 characters",
            "NUL",
            "lone surrogate",
            "RTL override",
            "HTML",
            "SQL",
            "20 digits",
            "NaN",
            "malformed date",
        )
    }

    for route, pattern in PUBLIC_ROUTES:
        if pattern.name in ("account_logout",):
            continue
        for path in _paths(route, pattern, world):
            page = walk.get(path)
            name, value = rng.choice(sorted(query_values.items()))
            walk.get(
                path + "?" + urlencode({"next": value, "page": value, "code": value}, errors="surrogatepass"),
                f"GET {path}?…={name}",
            )
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                # No form to read (a POST-only endpoint such as a claim): empty, and odd values.
                for value_name in ("empty", "HTML", "20 digits"):
                    walk.post_form(path, {"next": HOSTILE[value_name]}, f"POST {path} (no form) {value_name}")
                continue
            for form in forms_of(page.content.decode(errors="replace")):
                if form.method != "post":
                    continue
                action = form.action or path
                if not action.startswith("/"):
                    continue
                baseline = form.data()
                fields = [
                    f
                    for f in form.fields
                    if f.kind not in ("submit", "button", "file") and f.name != "csrfmiddlewaretoken"
                ]
                for value_name, value in form_values.items():
                    walk.post_form(
                        action,
                        {**baseline, **{f.name: value for f in fields}},
                        f"POST {action} (from {path}) all={value_name}",
                    )
    if signed_in:
        client.force_login(world["consumer"])
    walk.assert_clean()


# --- JSON endpoints and webhooks -------------------------------------------------------------------

TIKTOK_SECRET, WHATSAPP_SECRET = "hostile-tiktok-secret", "hostile-whatsapp-secret"


def _sign_tiktok(body: bytes) -> dict:
    t = int(time.time())
    digest = hmac.new(TIKTOK_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"TikTok-Signature": f"t={t},s={digest}"}


def _sign_whatsapp(body: bytes) -> dict:
    return {
        "X-Hub-Signature-256": "sha256="
        + hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    }


STRIPE_SECRET = "whsec_hostile-stripe-secret"


def _sign_stripe(body: bytes) -> dict:
    t = int(time.time())
    digest = hmac.new(STRIPE_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={t},v1={digest}"}


SIGNERS = {"tiktok_webhook": _sign_tiktok, "whatsapp_webhook": _sign_whatsapp, "stripe_webhook": _sign_stripe}

HOSTILE_JSON = [
    b"",
    b"null",
    b"[]",
    b'{"event": "authorization.removed", "user_openid": "a\\u0000b"}',
    b'{"event": "\\ud800"}',
    b'{"\\udfff": 1}',
    b'{"n": NaN}',
    b'{"n": -Infinity}',
    b'{"n": 1e400}',
    b'{"n": ' + b"9" * 5000 + b"}",
    b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"event": "authorization.removed", "user_openid": 12345678901234567890123}',
    b'{"event": "authorization.removed", "user_openid": {"nested": true}}',
    b'{"object": "whatsapp_business_account", "entry": [{"changes": "'
    + MARKUP.encode().replace(b'"', b'\\"')
    + b'"}]}',
    b"\xff\xfe\x00",
    json.dumps({"event": "x" * 100_000}).encode(),
]


def test_every_webhook_has_a_signer_here():
    webhooks = [
        pattern.name for _route, pattern in PUBLIC_ROUTES if pattern.name and "webhook" in pattern.name
    ]
    assert webhooks
    assert set(webhooks) <= set(SIGNERS), "add a signer for the new webhook to SIGNERS"


def test_webhooks_and_json_endpoints_survive_hostile_bodies(client, world, settings):
    settings.TIKTOK_CLIENT_SECRET, settings.WHATSAPP_APP_SECRET = TIKTOK_SECRET, WHATSAPP_SECRET
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    walk = Walk(client, world)
    endpoints = [
        (route, pattern)
        for route, pattern in PUBLIC_ROUTES
        if pattern.name
        and (
            "webhook" in pattern.name
            or route.endswith(".json")
            or "open-api" in route
            or pattern.name == "affiliates_conversion"  # the thank-you-page tag's reports
        )
    ]
    assert endpoints
    for route, pattern in endpoints:
        for path in _paths(route, pattern, world):
            signer = SIGNERS.get(pattern.name)
            for body in HOSTILE_JSON:
                headers = signer(body) if signer else {}
                response = client.post(path, body, content_type="application/json", headers=headers)
                walk.check(response, f"POST {path} signed={bool(signer)} body={body[:40]!r}")
                if signer and response.status_code != 200:
                    walk.problems.append(f"{path}: a validly signed delivery answered {response.status_code}")
                for header in ("garbage", "t=1,s=\u00e9", "sha256=", "t=" + "9" * 400 + ",s=" + "0" * 64):
                    response = client.post(
                        path,
                        body,
                        content_type="application/json",
                        headers={
                            "TikTok-Signature": header,
                            "X-Hub-Signature-256": header,
                            "Stripe-Signature": header,
                        },
                    )
                    walk.check(response, f"POST {path} header={header[:20]!r}")
    walk.assert_clean()


def test_the_walk_reaches_the_console_forms_sign_in_claims_and_webhooks():
    names = {pattern.name for _route, pattern in PUBLIC_ROUTES}
    assert {"account_login", "whatsapp_login", "claim", "join", "wallet_summary", "tiktok_webhook"} <= names
    assert {"me", "whatsapp_connect", "whatsapp_connect_confirm", "home"} <= names
    assert {"brand_poster", "brand_qr"} <= {
        p.name for p in console_site.get_urls() if isinstance(p, URLPattern)
    }
    assert {"campaigns.campaign", "merchants.touchpoint", "campaigns.ugcsubmission"} <= set(CONSOLE_ADMINS)


def test_the_whatsapp_connection_code_page_survives_hostile_codes(client, world):
    """The code form exists only while a code is waiting: put one in the consumer's session first."""
    from social.services import WHATSAPP_CONNECT_SESSION_KEY

    walk = Walk(client, world)
    client.force_login(world["consumer"])
    session = client.session
    session[WHATSAPP_CONNECT_SESSION_KEY] = {
        "user": world["consumer"].pk,
        "phone": "+491709999999",
        "digest": "0" * 64,
        "at": time.time(),
        "failed": -1000,  # never run out of attempts during the walk
    }
    session.save()
    page = walk.get(reverse("social:whatsapp_connect_confirm"))
    assert page.status_code == 200
    (form,) = [f for f in forms_of(page.content.decode()) if any(field.name == "code" for field in f.fields)]
    for value_name, value in HOSTILE.items():
        walk.post_form(
            reverse("social:whatsapp_connect_confirm"), {**form.data(), "code": value}, f"code={value_name}"
        )
    for value_name in ("NUL", "HTML", "20 digits", "lone surrogate", "100,000 characters", "empty"):
        walk.post_form(
            reverse("social:whatsapp_connect"), {"phone": HOSTILE[value_name]}, f"phone={value_name}"
        )
    assert not User.objects.filter(phone="+491709999999").exists()
    walk.assert_clean()


def test_a_member_with_two_merchants_is_walked_too(client, world):
    """An agency in both teams, with Alpha selected, posting Bravo's ids: nothing of Bravo changes."""
    agency = _user("team@agency.example")
    Membership.objects.create(merchant=world["alpha"], user=agency, role=Role.OWNER)
    Membership.objects.create(merchant=world["bravo"], user=agency, role=Role.VIEWER)
    client.force_login(agency)
    client.post(reverse("console:switch"), {"merchant": world["alpha"].pk})
    walk = Walk(client, world)
    before, other_ids = _bravo_rows(world), _bravo_ids(world)
    for model in console_site._registry:
        url = reverse(f"console:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action in ("delete_selected", "pause", "end", "withdraw"):
            walk.post_form(
                url,
                {
                    "action": action,
                    "_selected_action": other_ids,
                    "post": "yes",
                    "index": "0",
                    "console_merchant": str(world["bravo"].pk),
                },
                f"POST {url} {action} with Bravo's ids",
            )
    walk.assert_clean()
    assert _bravo_rows(world) == before


# --- /ops/ (staff) ----------------------------------------------------------------------------------


def _ops_urls(world) -> list[str]:
    """Every /ops/ URL: the site's own pages, every ModelAdmin's list, add page and object pages
    (its first object), and the ModelAdmins' own object URLs (approve, reject, ban, lift...)."""
    from django.contrib import admin as django_admin

    site = django_admin.site
    urls = ["/ops/diagnostics/"]
    for pattern in site.get_urls():
        if (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not pattern.pattern.converters
            and "(?P" not in str(pattern.pattern)
            and pattern.name not in ("logout",)
        ):
            urls.append(reverse(f"admin:{pattern.name}"))
    for model, model_admin in site._registry.items():
        first = model._default_manager.order_by("pk").first()
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            if pattern.name.endswith(("_delete",)) or "password" in pattern.name:
                continue  # deleting: one POST away from removing the world; passwords: Django's own
            route = str(pattern.pattern)
            converters = pattern.pattern.converters
            if "object_id" in route or converters:
                if first is None:
                    continue
                if len(converters) > 1:
                    continue
                name = next(iter(converters), "object_id")
                urls.append(reverse(f"admin:{pattern.name}", kwargs={name: first.pk}))
            elif "(?P" not in route:
                urls.append(reverse(f"admin:{pattern.name}"))
    return sorted(set(urls))


def test_ops_pages_survive_hostile_queries_and_forms(client, world, ops):
    """Staff are trusted, not infallible: a pasted value in a list's search, a filter, a reason or a
    form field is refused in words, never a 500 or unescaped markup. The review queue, a person's
    page (ban, lift) and the diagnostics included."""
    from campaigns.models import ActionType
    from rewards.models import Reward, RewardStatus
    from rewards.services import action_record

    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    now = timezone.now()
    for name in ("Twin One", "Twin Two"):  # two people on one device: a held reward to review
        person = User.objects.create_user(
            email=f"{name.replace(' ', '.')}@hostile.example", display_name=name
        )
        action_record(
            user=person,
            merchant=world["alpha"],
            action_type=ActionType.TIKTOK_LOGIN,
            now=now,
            device_id="d" * 32,
        )
    assert Reward.objects.filter(status=RewardStatus.HELD).exists()
    walk = Walk(client, world)
    client.force_login(ops)
    odd = {k: HOSTILE[k] for k in ("NUL", "HTML", "20 digits", "lone surrogate", "not a number")}
    urls = _ops_urls(world)
    for url in urls:
        page = walk.get(url)
        params = {"q", "o", "p"}
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            params |= set(re.findall(r'href="\?([^"=&]+)=', page.content.decode(errors="replace")))
        for name, value in odd.items():
            query = urlencode(dict.fromkeys(sorted(params)[:40], value), errors="surrogatepass")
            walk.get(f"{url}?{query}", f"GET {url} every parameter={name}")
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        for form in forms_of(page.content.decode(errors="replace")):
            action = form.action or url
            if form.method != "post" or not action.startswith("/ops/") or "logout" in action:
                continue
            fields = [
                f
                for f in form.fields
                if f.kind not in ("submit", "button", "file", "checkbox") and f.name != "csrfmiddlewaretoken"
            ]
            if not fields:
                continue  # a button (approve): walked by its own tests
            for name in ("empty", "NUL", "HTML", "100,000 characters", "20 digits", "malformed date"):
                walk.post_form(
                    action,
                    {**form.data(), **{f.name: HOSTILE[name] for f in fields}},
                    f"POST {action} all={name}",
                )
    print(f"/ops/: {len(urls)} URLs, {walk.requests} requests")
    assert any("/heldreward/" in u and u.endswith("/reject/") for u in urls)
    assert any(u.endswith("/ban/") for u in urls) and "/ops/diagnostics/" in urls
    walk.assert_clean()


def test_the_console_coupon_form_survives_hostile_values(client, world):
    """/console/promote/coupons/ (a console page of its own, not a ModelAdmin): the form giving a
    consumer a coupon, and withdrawing one, with hostile values in every field."""
    walk = Walk(client, world)
    client.force_login(world["alpha_owner"])
    bravo_before, other_ids = _bravo_rows(world), _bravo_ids(world)
    url = reverse("console:promote_coupons")
    form = main_form(walk.get(url).content.decode(errors="replace"))
    assert form is not None and any(f.name == "consumer" for f in form.fields)
    baseline = _filled(form)
    fields = [f for f in _form_fields(form) if f.name != "action"]
    for name, value in HOSTILE.items():
        if name in ALL_AT_ONCE_SKIP:
            continue
        walk.post_form(url, {**baseline, **{f.name: value for f in fields}}, f"POST {url} all fields={name}")
    for field in fields:
        for name, value in {**_values_for(field, other_ids), **TEXT}.items():
            walk.post_form(url, {**baseline, field.name: value}, f"POST {url} {field.name}={name}")
    for name, value in {"other tenant's id": other_ids[0], **NUMBERS, **TEXT}.items():
        walk.post_form(url, {"action": "revoke", "coupon": value}, f"POST {url} revoke coupon={name}")
    walk.post_form(url, {**baseline, "action": "NOT_AN_ACTION"}, f"POST {url} action=unknown")
    walk.get(url)
    # The consumer search (the page's ?q= and its JSON, which the page's script asks).
    search = reverse("console:promote_coupon_consumers")
    for name, value in {
        **HOSTILE,
        "@ only": "@",
        "+ only": "+",
        "bad e-mail": "a@@b",
        "phone": "+39 1",
    }.items():
        query = urlencode({"q": value}, encoding="utf-8", errors="surrogatepass")
        for target in (search, url):
            walk.get(f"{target}?{query}", f"GET {target} q={name}")
        walk.get(f"{url}?{query.replace('q=', 'before=', 1)}", f"GET {url} before={name}")
    walk.assert_clean()
    assert _bravo_rows(world) == bravo_before


def _whatsapp_value(**parts) -> dict:
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"}, **parts}
    return {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"value": value}]}]}


def test_chats_survive_hostile_replies_statuses_and_inbox_forms(client, world, settings):
    """Meta's signed deliveries with hostile replies and statuses for Alpha's conversation, then the
    Inbox shows them escaped, and its forms refuse hostile values without writing a row."""
    from chats.models import Thread

    settings.WHATSAPP_APP_SECRET = WHATSAPP_SECRET
    settings.WHATSAPP_API_BASE_URL = "http://127.0.0.1:9/v21.0"  # nothing listens: a send fails fast
    walk = Walk(client, world)
    thread = Thread.objects.get(merchant=world["alpha"])
    phone = thread.user.phone.lstrip("+")
    odd = ["", "x" * 5000, "1e400", "-1", "99999999999999999999", "\u202e", MARKUP, None, [], {"a": 1}]
    bodies = []
    for i, text in enumerate(TEXT.values()):
        message = {
            "from": phone,
            "id": f"wamid.hostile{i}",
            "timestamp": "1",
            "type": "text",
            "text": {"body": text},
        }
        bodies.append(_whatsapp_value(messages=[message]))
    for i, value in enumerate(odd):
        bodies.append(
            _whatsapp_value(messages=[{"from": value, "id": value, "timestamp": value, "type": value}])
        )
        bodies.append(
            _whatsapp_value(
                messages=[
                    {"from": phone, "id": f"wamid.odd{i}", "timestamp": value, "type": value, "text": value}
                ]
            )
        )
        bodies.append(
            _whatsapp_value(statuses=[{"id": value, "status": value, "timestamp": value, "errors": value}])
        )
        bodies.append(_whatsapp_value(statuses=[{"id": "wamid.x", "status": "failed", "errors": [value]}]))
    bodies.append(
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"messages": "x"}}]}]}
    )
    for payload in bodies:
        body = json.dumps(payload).encode()
        response = client.post(
            "/webhooks/whatsapp/", body, content_type="application/json", headers=_sign_whatsapp(body)
        )
        walk.check(response, f"POST /webhooks/whatsapp/ {body[:80]!r}")
        if response.status_code != 200:
            walk.problems.append(f"a validly signed WhatsApp delivery answered {response.status_code}")

    client.force_login(world["alpha_owner"])
    url = reverse("console:chats_thread", kwargs={"thread_id": thread.pk})
    walk.get(url)
    walk.get(reverse("console:chats_inbox"))
    merchant_field = {"console_merchant": str(world["alpha"].pk)}
    for name, value in HOSTILE.items():
        if name != "HTML":  # markup is a fine message: it is sent (and shown escaped)
            walk.post_form(url, {"text": value, "template": "", **merchant_field}, f"send text={name}")
    for name, value in CHOICES.items():
        walk.post_form(url, {"text": "hello", "template": value, **merchant_field}, f"send template={name}")
    for name, value in NUMBERS.items():
        walk.post_form(
            reverse("console:chats_start"), {"person": value, **merchant_field}, f"start person={name}"
        )
    walk.post_form(url, {"text": MARKUP, "template": "", **merchant_field}, "send markup")
    walk.get(url)
    walk.assert_clean()
