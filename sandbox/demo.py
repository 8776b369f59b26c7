"""Demo data of the sandbox (fake TikTok personas), loaded by ``manage.py seed_demo`` (idempotent)."""

from __future__ import annotations

from django.conf import settings

from sandbox.views import sandbox_personas_ensure


def sandbox_demo_seed() -> list[str]:
    """Create the sandbox TikTok personas and videos; return lines for the demo's printout."""
    count = sandbox_personas_ensure()
    site = settings.SITE_URL
    return [
        f"social: {count} sandbox TikTok personas (sign in with TikTok on {site}/accounts/login/)",
        f"  Sandbox TikTok studio (post, delete, revoke) ... {site}/sandbox/tiktok/studio/",
        f"  Sandbox WhatsApp inbox (sign-in codes) ......... {site}/sandbox/whatsapp/inbox/",
        f"  Connected accounts of the signed-in user ....... {site}/me/",
    ]
