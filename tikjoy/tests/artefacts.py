"""Where browser tests keep their screenshots for a person to look at: ``test-artifacts/`` at the
repository's root (git-ignored), or ``$TIKJOY_TEST_ARTIFACTS`` (CI can collect it)."""

from __future__ import annotations

import os
from pathlib import Path

ARTEFACTS = Path(
    os.environ.get("TIKJOY_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
ARTEFACTS.mkdir(parents=True, exist_ok=True)
