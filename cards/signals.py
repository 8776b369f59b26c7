"""What ``cards`` tells the apps above it (they connect receivers in their ``AppConfig.ready``).

``stripe_event``: a Stripe event whose ``Stripe-Signature`` held, sent with ``event`` (the parsed
event: ``id``, ``type``, ``data.object``) and ``now``. Each receiver looks at the event and returns
``True`` when the object is its own (and it applied it, once however many times it arrives),
anything else when it is not. A receiver refuses an event of its own by raising a ``DomainError``
(the endpoint answers 422 and Stripe retries); any other exception is a 500 (Stripe retries too).
"""

from django.dispatch import Signal

stripe_event = Signal()
