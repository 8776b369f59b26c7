"""One tracked link per affiliate, page and sub-id (``affiliates_link_once``; docs/affiliates.md, "Tracked
links and clicks").

Links made twice before it (a page and sub-id sent again) are kept, each with its code, clicks and
conversions, since their codes may be out in the world: every one after the first of its page and
sub-id is marked ``duplicate_of`` the first (the oldest, lowest id), and the unique index leaves the
marked ones out. Nothing is moved or deleted, so the reports' roll-ups (by link) stay as they were.
A program's links number in the thousands: the index is built in the migration's transaction."""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count, Min

from affiliates.services import destination_normal


def duplicates_mark(apps, schema_editor):
    Link = apps.get_model("affiliates", "Link")
    # Pages written as new links write them (``destination_normal``: the host in lower case and ASCII,
    # an empty path "/"), so that one made before, "https://Shop.example", is the page's one link for
    # "https://shop.example/" too. The same page either way: a redirect's target doesn't change. One
    # that would pass the column's length so written keeps its text.
    limit = Link._meta.get_field("destination").max_length
    for pk, destination in Link.objects.values_list("pk", "destination").iterator():
        normal = destination_normal(destination)
        if normal != destination and len(normal) <= limit:
            Link.objects.filter(pk=pk).update(destination=normal)
    repeated = (
        Link.objects.values("affiliate_id", "destination", "sub_id")
        .annotate(n=Count("id"), first=Min("id"))
        .filter(n__gt=1)
        .order_by()
    )
    for group in repeated.iterator():
        Link.objects.filter(
            affiliate_id=group["affiliate_id"], destination=group["destination"], sub_id=group["sub_id"]
        ).exclude(pk=group["first"]).update(duplicate_of_id=group["first"])


class Migration(migrations.Migration):
    dependencies = [
        ("affiliates", "0013_tag_report_superseded"),
    ]

    operations = [
        migrations.AddField(
            model_name="link",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                help_text=(
                    "Made before a page and sub-id had one link: the earlier link it repeats. It keeps its "
                    "code, clicks and conversions."
                ),
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="affiliates.link",
                verbose_name="duplicate of",
            ),
        ),
        migrations.RunPython(duplicates_mark, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="link",
            constraint=models.UniqueConstraint(
                models.F("affiliate"),
                django.db.models.functions.text.MD5("destination"),
                models.F("sub_id"),
                condition=models.Q(("duplicate_of__isnull", True)),
                name="affiliates_link_once",
                violation_error_message="You have a link to this page with this sub-id already.",
            ),
        ),
    ]
