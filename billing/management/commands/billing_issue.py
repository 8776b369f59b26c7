"""``manage.py billing_issue --month 2026-10 [--merchant slug]``: the name the design uses for ``billing_run``."""

from billing.management.commands.billing_run import Command as BillingRun


class Command(BillingRun):
    help = BillingRun.help
