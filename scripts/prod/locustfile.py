"""The real mix of TikJoy's traffic for ``make prod-smoke`` (locust, headless, bounded in time).

Consumers open a brand page, join with the sandbox TikTok (the real OAuth dance: TikJoy's
TikTok client exchanges the code with the sandbox over HTTP), agree to share, claim a like, and
read /wallet/ and its JSON; TikTok and WhatsApp deliver webhooks signed as the real ones
(TikTok-Signature ``t=,s=`` HMAC of ``t.body``; Meta's X-Hub-Signature-256 of the body);
merchants sign in and open the console's dashboard and reward list; the API is called with a
secret key; the affiliate redirect /r/<code> is followed by visitors; and a bare one-ORM-get view
under the same server is the anchor.

Settings come from the environment (scripts/prod-smoke.sh sets them): SMOKE_BRAND (slug),
SMOKE_API_KEY, SMOKE_AFFILIATE_CODE, SMOKE_MERCHANT_EMAIL, SMOKE_MERCHANT_PASSWORD,
SMOKE_TIKTOK_SECRET, SMOKE_WHATSAPP_SECRET. ``SMOKE_ONLY`` picks the capacity runs' single page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

from locust import FastHttpUser, constant, task
from locust.exception import StopUser
from requests.cookies import create_cookie

BRAND = os.environ.get("SMOKE_BRAND", "joycoffee")
API_KEY = os.environ.get("SMOKE_API_KEY", "")
AFFILIATE_CODE = os.environ.get("SMOKE_AFFILIATE_CODE", "")
MERCHANT_EMAIL = os.environ.get("SMOKE_MERCHANT_EMAIL", "owner@demo.tikjoy.local")
MERCHANT_PASSWORD = os.environ.get("SMOKE_MERCHANT_PASSWORD", "tikjoy-demo-2026")  # every demo person's
TIKTOK_SECRET = os.environ.get("SMOKE_TIKTOK_SECRET", "sandbox-client-secret")
WHATSAPP_SECRET = os.environ.get("SMOKE_WHATSAPP_SECRET", "sandbox-app-secret")
_FIELDS = re.compile(r'name="fields" value="([^"]+)"')


def _csrf(client) -> str:
    return next((cookie.value for cookie in client.cookiejar if cookie.name == "csrftoken"), "")


def _form(fields: dict, **headers: str) -> dict:
    """A form's body as a browser sends it (a list is a field given several times), and its headers."""
    return {
        "data": urlencode(fields, doseq=True),
        "headers": {"Content-Type": "application/x-www-form-urlencoded", **headers},
    }


def _expect(response, *statuses: int, contains: str = "") -> bool:
    """Mark a response a failure unless its status (and, when given, its text) is what a person gets."""
    if response.status_code not in statuses:
        response.failure(f"status {response.status_code}")
    elif contains and contains not in response.text:
        response.failure(f"missing {contains!r}")
    else:
        response.success()
        return True
    return False


def _or_stop(ok: bool) -> None:
    """A person whose sign-in failed stops there (counted once as an error), as a person would."""
    if not ok:
        raise StopUser


class Browser(FastHttpUser):
    """Every user here is a browser (or a server) that asks for English: the checks read English
    text, and an anonymous visitor without a language would get the brand's own (German for the demo).

    FastHttpUser (geventhttpclient) and not HttpUser (requests): locust runs on the same two CPUs as
    the servers it measures, and requests' client took about twice the CPU for the same mix (20 s
    against 11 s in a 60 s run at 32 users, 2026-11-30): CPU the servers did not get."""

    abstract = True
    default_headers = {"Accept-Language": "en"}


class Consumer(Browser):
    """A consumer from a brand page to the wallet, then back to it now and then."""

    weight = 6
    wait_time = constant(0)

    def on_start(self) -> None:
        self.joined = False
        c = self.client
        with c.get(f"/b/{BRAND}/", name="brand page", catch_response=True) as r:
            ok = _expect(r, 200, contains="Continue with TikTok")
        _or_stop(ok)
        with c.post(
            "/accounts/tiktok/login/",
            **_form(
                {"process": "login", "next": f"/b/{BRAND}/join/", "csrfmiddlewaretoken": _csrf(c)},
                Referer=f"{self.host}/b/{BRAND}/",
            ),
            name="join: sign in with TikTok (to the sandbox's authorize page)",
            catch_response=True,
        ) as r:
            ok = _expect(r, 200, contains="Authorize")
            authorize_url = r.url
        _or_stop(ok)
        params = dict(parse_qsl(urlsplit(authorize_url).query))
        with c.post(
            authorize_url.split("?", 1)[0],
            **_form(
                {**params, "display_name": f"Load {uuid.uuid4().hex[:6]}", "csrfmiddlewaretoken": _csrf(c)}
            ),
            name="join: authorize, token exchange, consent page",
            catch_response=True,
        ) as r:
            ok = _expect(r, 200, contains='name="decision"')
            fields = _FIELDS.findall(r.text)
        _or_stop(ok)
        with c.post(
            f"/b/{BRAND}/join/",
            **_form({"decision": "agree", "fields": fields, "csrfmiddlewaretoken": _csrf(c)}),
            name="join: agree (then the wallet)",
            catch_response=True,
        ) as r:
            ok = _expect(r, 200, contains="Your wallet")
        _or_stop(ok)
        with c.post(
            f"/b/{BRAND}/claim/like/",
            **_form({"csrfmiddlewaretoken": _csrf(c)}),
            name="claim a like (then the wallet)",
            catch_response=True,
        ) as r:
            ok = _expect(r, 200)
        _or_stop(ok)
        self.joined = True

    @task(3)
    def brand_page(self) -> None:
        with self.client.get(f"/b/{BRAND}/", name="brand page", catch_response=True) as r:
            _expect(r, 200)

    @task(3)
    def wallet(self) -> None:
        with self.client.get("/wallet/", name="/wallet/", catch_response=True) as r:
            _expect(r, 200, contains="Your wallet")

    @task(3)
    def wallet_json(self) -> None:
        with self.client.get("/wallet/summary.json", name="/wallet/summary.json", catch_response=True) as r:
            _expect(r, 200)


class Platforms(Browser):
    """TikTok and WhatsApp delivering webhooks, signed as the real ones."""

    weight = 1
    wait_time = constant(0.05)

    @task
    def tiktok(self) -> None:
        body = json.dumps(
            {
                "client_key": "sandbox-client-key",
                "event": "video.publish.complete",
                "create_time": int(time.time()),
                "user_openid": f"load-{uuid.uuid4().hex}",
                "content": json.dumps({"share_id": uuid.uuid4().hex}),
            }
        ).encode()
        ts = int(time.time())
        signature = hmac.new(TIKTOK_SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        with self.client.post(
            "/webhooks/tiktok/",
            data=body,
            headers={"Content-Type": "application/json", "TikTok-Signature": f"t={ts},s={signature}"},
            name="webhook: TikTok",
            catch_response=True,
        ) as r:
            _expect(r, 200)

    @task
    def whatsapp(self) -> None:
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "id": "100000000000001",
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messaging_product": "whatsapp",
                                    "metadata": {"phone_number_id": "100000000000001"},
                                    "statuses": [
                                        {
                                            "id": f"wamid.{uuid.uuid4().hex}",
                                            "status": "delivered",
                                            "timestamp": str(int(time.time())),
                                            "recipient_id": "4915112345678",
                                        }
                                    ],
                                },
                            }
                        ],
                    }
                ],
            }
        ).encode()
        signature = hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        with self.client.post(
            "/webhooks/whatsapp/",
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"},
            name="webhook: WhatsApp",
            catch_response=True,
        ) as r:
            _expect(r, 200)


class Merchant(Browser):
    """A merchant's staff member on the console: the dashboard and the reward list."""

    weight = 1
    wait_time = constant(0.05)

    def on_start(self) -> None:
        c = self.client
        c.get("/accounts/login/", name="merchant: sign-in page")
        with c.post(
            "/accounts/login/",
            **_form(
                {"login": MERCHANT_EMAIL, "password": MERCHANT_PASSWORD, "csrfmiddlewaretoken": _csrf(c)}
            ),
            name="merchant: sign in",
            catch_response=True,
        ) as r:
            ok = _expect(r, 200)
        _or_stop(ok)

    @task
    def dashboard(self) -> None:
        with self.client.get("/console/", name="console: dashboard", catch_response=True) as r:
            _expect(r, 200, contains="Dashboard")

    @task
    def rewards(self) -> None:
        with self.client.get(
            "/console/rewards/reward/", name="console: rewards list", catch_response=True
        ) as r:
            _expect(r, 200)


class ApiClient(Browser):
    """A merchant's server calling the API with a secret key."""

    weight = 1
    wait_time = constant(0.05)

    @task
    def rewards(self) -> None:
        with self.client.get(
            "/api/v1/rewards?limit=50",
            headers={"Authorization": f"Bearer {API_KEY}"},
            name="API: GET /api/v1/rewards",
            catch_response=True,
        ) as r:
            _expect(r, 200)


class Visitor(Browser):
    """A visitor following an affiliate's tracked link, and the bare view beside it."""

    weight = 1
    wait_time = constant(0.05)

    @task
    def redirect(self) -> None:
        with self.client.get(
            f"/r/{AFFILIATE_CODE}", name="/r/<code>", allow_redirects=False, catch_response=True
        ) as r:
            _expect(r, 302)

    @task
    def bare(self) -> None:
        with self.client.get(f"/smoke/bare/{BRAND}", name="bare view", catch_response=True) as r:
            _expect(r, 200)


class BareOnly(Browser):
    """Capacity run: only the bare view (picked by name on locust's command line, as are all)."""

    wait_time = constant(0)

    @task
    def bare(self) -> None:
        with self.client.get(f"/smoke/bare/{BRAND}", name="bare view", catch_response=True) as r:
            _expect(r, 200)


class BrandOnly(Browser):
    """Capacity run: only the brand page, as a visitor who has not signed in."""

    wait_time = constant(0)

    @task
    def brand_page(self) -> None:
        with self.client.get(f"/b/{BRAND}/", name="brand page", catch_response=True) as r:
            _expect(r, 200)


class WalletOnly(Browser):
    """Capacity run: a consumer with rewards (the demo's) reading only /wallet/. Each user takes a
    session made beforehand (SMOKE_WALLET_SESSIONS, topology.py loadprep), as a returning browser
    does, so the run measures the wallet and not the sign-in's password hashing."""

    wait_time = constant(0)
    sessions = [key for key in os.environ.get("SMOKE_WALLET_SESSIONS", "").split(",") if key]
    count = 0

    def on_start(self) -> None:
        WalletOnly.count += 1
        key = self.sessions[WalletOnly.count % len(self.sessions)]
        self.client.cookiejar.set_cookie(create_cookie("sessionid", key, domain=urlsplit(self.host).hostname))

    @task
    def wallet(self) -> None:
        with self.client.get("/wallet/", name="/wallet/", catch_response=True) as r:
            _expect(r, 200, contains="Your wallet")
