"""Postings get dates: ``valid_from`` / ``valid_to`` (inclusive, empty for "since ever" / "still"), so a
report of a past window counts the catalogue as it stood on the window's last day, and a procedure can
be posted, withdrawn and posted again (one row each time; at most one not ended per unit and procedure).

The rows already there get:

- ``valid_from``: the day posted at the desk, when there is one and it is not after the row's end (or,
  for a row still handled, after the day this migration runs: a desk date in the future was a plan or a
  typo, and a procedure handled today must count today); otherwise empty (since before the records).
- ``valid_to``: for a row of a unit that has ended, the unit's last day (its postings end with it, as
  the reorganisation now ends them); for a row switched off before postings had dates (``is_active``
  false), the day before this migration runs, as motcua's 0006 did for the units switched off then: the
  day it was switched off was not recorded, and the day before is the only day known to be after it
  and before anything counted from now on (a past report then still counts it, as it did when it was
  printed); otherwise empty (still handled).

``is_active`` stays, derived from ``valid_to`` (a generated column: not withdrawn), so that every
query that asks for the postings handled now keeps working.
"""
from datetime import timedelta

from django.db import migrations, models


def date_postings(apps, schema_editor):
    from django.utils import timezone

    Posting = apps.get_model("procedures", "Posting")
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    for posting in Posting.objects.select_related("unit").iterator(chunk_size=2000):
        if posting.unit.valid_to is not None:
            end = posting.unit.valid_to
        elif not posting.is_active:
            end = yesterday
        else:
            end = None
        start = posting.posted_at_desk
        if start is not None and start > (end or today):
            start = None
        if (start, end) != (None, None):
            Posting.objects.filter(pk=posting.pk).update(valid_from=start, valid_to=end)


class Migration(migrations.Migration):

    dependencies = [
        ('motcua', '0007_vietnamese_collation'),
        ('procedures', '0002_catalogue_import'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='posting',
            name='posting_unique_unit_procedure',
        ),
        migrations.AddField(
            model_name='posting',
            name='valid_from',
            field=models.DateField(blank=True, help_text="Empty: since before the portal's records.", null=True, verbose_name='handled from'),
        ),
        migrations.AddField(
            model_name='posting',
            name='valid_to',
            field=models.DateField(blank=True, help_text='The last day handled, once withdrawn; empty while it is.', null=True, verbose_name='handled until'),
        ),
        migrations.RunPython(date_postings, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='posting',
            name='is_active',
        ),
        migrations.AddField(
            model_name='posting',
            name='is_active',
            field=models.GeneratedField(db_persist=True, expression=models.Q(('valid_to__isnull', True)), output_field=models.BooleanField(), verbose_name='handled by the unit'),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.UniqueConstraint(condition=models.Q(('valid_to__isnull', True)), fields=('unit', 'procedure'), name='posting_in_force_once'),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.UniqueConstraint(fields=('unit', 'procedure', 'valid_to'), name='posting_once_per_end'),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.CheckConstraint(condition=models.Q(('valid_from__isnull', True), ('valid_to__isnull', True), ('valid_from__lte', models.F('valid_to')), _connector='OR'), name='posting_ends_after_it_starts'),
        ),
    ]
