from django.contrib.postgres.operations import CreateCollation
from django.db import migrations


class Migration(migrations.Migration):
    """The ICU collation motcua.db.VietnameseOrder sorts names with (PostgreSQL only; a no-op on SQLite)."""

    dependencies = [("motcua", "0006_unit_history")]

    operations = [CreateCollation("vi", provider="icu", locale="vi")]
