"""What campaigns tells the apps above it, inside the transaction that made the change.

Receivers run synchronously in the sender's transaction; one that has work to do queues a
task with ``core.tasks.after_commit`` so the work happens only if the change commits.
Receivers live in the higher apps (rewards) and connect in their ``AppConfig.ready``.
"""

from django.dispatch import Signal

# sender=Campaign class; kwargs: campaign (now ACTIVE), now. Sent when a campaign goes live: first
# activation, a merchant resuming it, or the engine resuming one it paused because funds ran out.
campaign_went_live = Signal()
