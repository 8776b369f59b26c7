"""The bottom layer: what every app shares and nothing else (no models).

core.errors.DomainError     the base of every app's domain errors (a message a person can read)
core.tasks                  side effects after a commit, through django-q2 (mail, notifications)
core.json_input             JSON from outside parsed defensively (depth, NaN, NUL, surrogates)
core.hardening              middleware: NUL bytes refused, no-store for signed-in responses; form bounds
"""
