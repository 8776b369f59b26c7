"""The pieces of the lists at scale (``core.admin``): the window count, the search terms' shapes."""

from __future__ import annotations

import pytest

from core.admin import WindowPaginator, digits, email_start, name_part, search_at_scale


def test_the_window_counts_exactly_below_it_and_says_more_than_above():
    rows = list(range(95))
    near = WindowPaginator(rows, 10, page=1, ahead=2)  # counts up to 31 rows
    assert near.count == 30 and not near.count_is_exact
    far = WindowPaginator(rows, 10, page=8, ahead=2)  # up to 101: all 95
    assert far.count == 95 and far.count_is_exact
    assert list(far.page(10).object_list) == list(range(90, 95))
    for typed in ("abc", None, "-4", "999999999"):
        assert 1 <= WindowPaginator(rows, 10, page=typed).asked <= WindowPaginator.MAX_PAGE


@pytest.mark.parametrize(
    ("term", "as_id", "as_email", "as_name"),
    [
        ("123", 123, None, None),
        (" #42 ", 42, None, None),
        ("Anna.K@Example.com", None, "anna.k@example.com", None),
        ("anna.k@", None, "anna.k@", None),
        ("@gmail.com", None, None, None),
        ("Anna", None, None, "Anna"),
        ("An", None, None, None),
        ("TJP3F2A9C", None, None, None),
        ("Scale Consumer 7", None, None, "Scale Consumer 7"),
        ("99999999999999999999", None, None, None),
    ],
)
def test_each_term_is_tried_only_as_what_it_can_be(term, as_id, as_email, as_name):
    assert digits(term) == as_id
    assert email_start(term) == as_email
    assert name_part(term) == as_name


@pytest.mark.django_db
def test_a_term_that_can_be_nothing_finds_nothing_and_no_term_finds_all(make_user):
    from accounts.models import User

    make_user()
    users = User.objects.all()
    assert search_at_scale(users, "   ", ()).count() == users.count()
    assert search_at_scale(users, "zz", ()).count() == 0
