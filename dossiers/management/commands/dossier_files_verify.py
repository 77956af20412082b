"""`manage.py dossier_files_verify`: the restore drill for the dossiers' files.

Every file whose row the database holds must be in the storage (MEDIA_ROOT, or the S3-compatible store)
with the checksum recorded when it was stored. Run it after restoring the database dump and the files;
it exits with status 1 and names the files missing or changed."""
from django.core.management.base import BaseCommand, CommandError

from dossiers.files import verify_stored
from dossiers.models import DossierFile


class Command(BaseCommand):
    help = "Check that every dossier file recorded in the database is in the storage with the same SHA-256 checksum."

    def handle(self, *args, **options):
        rows = DossierFile.objects.order_by("pk").values_list("file", "sha256").iterator(chunk_size=2000)
        result = verify_stored(rows)
        for name in result.missing:
            self.stderr.write(f"missing: {name}")
        for name in result.changed:
            self.stderr.write(f"changed: {name}")
        summary = f"{result.checked} files checked, {len(result.missing)} missing, {len(result.changed)} changed"
        if not result.ok:
            raise CommandError(summary)
        self.stdout.write(summary)
