"""The seed's matrix (kinds, goals, launched countries), the coin prices and the delivery schedule.

All editable afterwards in /ops/; created idempotently (by natural key).
"""

from django.db import migrations

GOALS = {
    "VIDEO": ["VIEWS", "WEBSITE_VISITS", "FOLLOWERS"],
    "VIDEO_ANCHOR": ["PRODUCT_CLICKS", "VIEWS", "FOLLOWERS"],
    "LIVE": ["LIVE_VIEWERS"],
}
COUNTRIES = {
    "VIDEO": [
        "ID",
        "TH",
        "JP",
        "AU",
        "KR",
        "US",
        "CA",
        "GB",
        "DE",
        "FR",
        "IT",
        "ES",
        "PL",
        "SA",
        "AE",
        "EG",
        "TR",
        "VN",
        "MY",
        "BR",
    ],
    "VIDEO_ANCHOR": ["ID", "GB", "US"],
    "LIVE": ["ID", "GB", "TH", "MY", "VN"],
}
# 100 coins = 0.99 USD (the seed); the same figure in the other currencies TikJoy handles.
PRICES = {"USD": "0.99", "EUR": "0.99", "GBP": "0.89"}
SCHEDULE = ("promote: deliver, complete and settle orders", "promote.tasks.deliver_and_settle", 5)


def create_defaults(apps, schema_editor):
    KindGoal = apps.get_model("promote", "KindGoal")
    LaunchedCountry = apps.get_model("promote", "LaunchedCountry")
    CoinPrice = apps.get_model("promote", "CoinPrice")
    for kind, goals in GOALS.items():
        for goal in goals:
            KindGoal.objects.get_or_create(kind=kind, goal=goal)
    for kind, countries in COUNTRIES.items():
        for country in countries:
            LaunchedCountry.objects.get_or_create(kind=kind, country=country)
    for currency, price in PRICES.items():
        CoinPrice.objects.get_or_create(
            currency=currency, defaults={"pack_coins": 100, "pack_price": price, "minimum_coins": 100}
        )
    Schedule = apps.get_model("django_q", "Schedule")
    name, func, minutes = SCHEDULE
    Schedule.objects.update_or_create(
        name=name, defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1}
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("promote", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_defaults, remove)]
