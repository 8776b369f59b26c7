"""What merchants tells the apps above it, inside the transaction that made the change.

Receivers run synchronously in the sender's transaction: a receiver that writes
(an outbox row, a queued task through ``core.tasks.after_commit``) commits or
rolls back with the change itself. Receivers live in the higher apps (webhooks,
rewards) and connect in their ``AppConfig.ready``; merchants imports none of them.
"""

from django.dispatch import Signal

# sender=Merchant class; kwargs: merchant, record (BankTransfer), amount (Money), now
top_up_credited = Signal()

# sender=Merchant class; kwargs: merchant, balance (Money), threshold (Decimal)
low_balance_reached = Signal()

# sender=Consent class; kwargs: consent, merchant, user, now
consent_withdrawn = Signal()
