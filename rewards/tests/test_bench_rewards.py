"""``bench_rewards`` (run by ``make bench``) writes its actions in bulk: the books it leaves must be
ones the engine could have written, or ``make bench``'s closing ``rewards_check`` fails."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)  # its workers are processes of their own


def test_bench_rewards_leaves_the_books_clean():
    out = StringIO()
    call_command("bench_rewards", posts=20, skip_pgbench=True, workers=1, stdout=out)
    assert "20 paid" in out.getvalue()

    checked = StringIO()
    call_command("rewards_check", stdout=checked)  # raises CommandError (exit 1) on any violation
    assert "All reward invariants hold." in checked.getvalue()
    call_command("ledger_check", stdout=StringIO())
