"""An e-mail backend whose SMTP server is down: every send fails (tests of side effects)."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("the SMTP server is down")
