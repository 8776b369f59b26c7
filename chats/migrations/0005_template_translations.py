"""A template is one row per (name, language), as Meta approves it: the existing (English) rows
are kept as they are, and the catalogue's de, it, fr and es translations are added."""

from django.db import migrations, models

from chats.catalogue import catalogue_ensure


def translations_add(apps, schema_editor):
    catalogue_ensure(apps.get_model("chats", "ChatTemplate"), apps.get_model("chats", "ChatRate"))


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0004_translatable_field_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="chattemplate",
            name="name",
            field=models.CharField(
                help_text="The template's name at Meta.", max_length=100, verbose_name="name"
            ),
        ),
        migrations.AddConstraint(
            model_name="chattemplate",
            constraint=models.UniqueConstraint(
                fields=("name", "language"),
                name="chats_template_one_per_name_language",
                violation_error_message="There is already a translation of this template in this language.",
            ),
        ),
        # Backwards: the translations stay (0002's reverse keeps the templates too); a unique name
        # then needs them removed by hand.
        migrations.RunPython(translations_add, migrations.RunPython.noop),
    ]
