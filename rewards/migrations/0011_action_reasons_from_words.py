"""The reason code of every action decided before codes were recorded, from its recorded words.

Exact sentences map to their code; "Reversed: <why>" and the daily limit's sentence keep their
figures. Words no code says exactly (the old "No live campaign of this brand rewards this action.",
which did not say whether the campaign was paused, ended or missing) stay without a code: the
console shows them as they were recorded.
"""

import re

from django.db import migrations

EXACT = {
    "The brand's prepaid funds ran out.": "FUNDS_RAN_OUT",
    "The campaign's budget is spent.": "BUDGET_REACHED",
    "This person reached the campaign's limit per person.": "PERSON_CAP_REACHED",
    "The campaign has paid all the rewards it offers for this.": "RULE_LIMIT_REACHED",
    "The campaign no longer rewards this.": "RULE_DISABLED",
    "Too small to pay.": "TOO_SMALL",
    "This account is banned from earning rewards.": "BANNED",
    "The brand has not approved your video for this campaign: only approved videos earn.": "VIDEO_NOT_APPROVED",
    "Rejected after review.": "REJECTED_AFTER_REVIEW",
}
EARNING = {"REWARDED": "PAID", "HELD": "HELD_FOR_REVIEW", "RECORDED": "EARNS_BY_ENGAGEMENT"}
DAILY = re.compile(
    r"^This person reached the campaign's daily limit per person \(([\d.]+) ([A-Z]{3}) a day\)"
)


def forwards(apps, schema_editor):
    SocialAction = apps.get_model("rewards", "SocialAction")
    undecided = SocialAction.objects.filter(reason="")
    for status, code in EARNING.items():
        undecided.filter(status=status, status_detail="").update(reason=code)
    for words, code in EXACT.items():
        undecided.filter(status_detail=words).update(reason=code)
    batch = []
    rows = undecided.filter(status_detail__startswith="Reversed: ").only("pk", "status_detail")
    for action in rows.iterator(chunk_size=1000):
        action.reason = "REVERSED"
        action.reason_params = {"reason": action.status_detail.removeprefix("Reversed: ")}
        batch.append(action)
    rows = undecided.filter(status_detail__startswith="This person reached the campaign's daily limit").only(
        "pk", "status_detail"
    )
    for action in rows.iterator(chunk_size=1000):
        match = DAILY.match(action.status_detail)
        action.reason = "DAILY_CAP_REACHED"
        action.reason_params = {"cap": match[1], "currency": match[2]} if match else {}
        batch.append(action)
    for start in range(0, len(batch), 1000):
        SocialAction.objects.bulk_update(batch[start : start + 1000], ["reason", "reason_params"])


class Migration(migrations.Migration):
    dependencies = [("rewards", "0010_action_reasons")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
