import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from tikjoy.management.commands.seed_demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_seed_demo_twice_leaves_one_copy_of_everything(client, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = User.objects.count()

    call_command("seed_demo")

    assert User.objects.count() == counts
    assert "ops@demo.tikjoy.local" in first
    assert DEMO_PASSWORD in first
    ops = User.objects.get(email="ops@demo.tikjoy.local")
    assert ops.is_staff and ops.is_superuser
    assert client.login(email="owner@demo.tikjoy.local", password=DEMO_PASSWORD)


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")

    assert not User.objects.exists()
