"""Merchants' tests use the project's one way to make people and merchants (root conftest.py)."""

from tikjoy.tests.factories import PASSWORD, owner_of

__all__ = ["PASSWORD", "owner_of"]
