"""The procedure catalogue (danh mục thủ tục hành chính): fields, procedures with their fees and
dossier components, each change kept as a version, the units that post them, and the yearly review.
"""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit, JobStatus, UnitLevel, in_force_q
from motcua.scope import Scope
from motcua.text import search_key


class Field(models.Model):
    """Lĩnh vực: Hộ tịch, Chứng thực, Bảo trợ xã hội, Đất đai …"""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sector(models.TextChoices):
    LOCAL = "local", _("Local government")
    POLICE = "police", _("Police")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    MILITARY = "military", _("Military")
    LAND_REGISTRATION = "land_registration", _("Land registration")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Full online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Not online")


class ProcedureStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("Amended")
    REPLACED = "replaced", _("Replaced")
    ABOLISHED = "abolished", _("Abolished")


DEFAULT_CUTOFF = time(15, 0)


LIVE_STATUSES = (ProcedureStatus.IN_FORCE, ProcedureStatus.AMENDED)
# The levels a catalogue count goes by, top first.
LEVELS = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)


class StageHolder(models.TextChoices):
    """Who holds a stage of a procedure's internal process (quy trình nội bộ), besides the agencies of the
    handling unit (``motcua.models.AgencyKind``: a specialised office, the police, social insurance …)."""

    DESK = "desk", _("One-stop desk")  # of the receiving unit
    LEADER = "leader", _("Leader")  # of the handling unit
    UNIT = "unit", _("Competent unit")  # the handling unit, at another level


def stage_holder_label(holder: str) -> str:
    """The holder's name: one of StageHolder or an agency kind."""
    from motcua.models import AgencyKind

    labels = {**dict(StageHolder.choices), **dict(AgencyKind.choices)}
    return str(labels.get(holder, holder))


class ProcedureQuerySet(models.QuerySet):
    # The day ``posted_in`` counted the postings on (None: now): ``in_force()`` then reads the catalogue
    # on that same day, so that a report of a past window counts what stood on its last day.
    _day: date | None = None

    def _clone(self):
        clone = super()._clone()
        clone._day = self._day
        return clone

    def in_force(self, on: date | None = None) -> ProcedureQuerySet:
        """Procedures in force: today, by their status (in force or amended); on a day (``on``, or the day
        ``posted_in`` was asked about), by their validity too: effective by then (``effective_from``) and
        not yet ended (``effective_until``), an abolished or replaced procedure counting up to its
        ``effective_until`` (one abolished without that date counts on no day)."""
        day = on or self._day
        live = Q(status__in=LIVE_STATUSES)
        if day is None:
            return self.filter(live)
        # The interval is a unit's (motcua.models.in_force_q, both ends inclusive) on the procedure's own days.
        return self.filter(
            in_force_q(day, start="effective_from", end="effective_until"),
            live | Q(effective_until__isnull=False),
        )

    def search(self, text: str) -> ProcedureQuerySet:
        """Every word must appear in the code or name, with or without diacritics."""
        qs = self
        for word in search_key(text).split():
            qs = qs.filter(search_text__contains=word)
        return qs

    def posted_in(self, unit: AdministrativeUnit, on: date | None = None) -> ProcedureQuerySet:
        """Procedures posted by the unit or any unit below it: now (the postings not withdrawn), or, with
        ``on``, the postings in force that day at the units below it in force that day (the unit's own
        last day if it ended before): a report's count. Postings are what a unit has, never what it took
        over. The day is kept for ``in_force()``."""
        scope = Scope.below(unit, on=on, taken_over=False)
        posted = scope.filter(Posting.objects.in_force(scope.on), "unit")
        procedures = self.filter(pk__in=posted.values("procedure_id"))
        procedures._day = scope.on
        return procedures

    def counts(self) -> dict:
        """The seeds' headline (one query): the total, local procedures by level and vertical ones by
        sector (flat keys, as before), and ``by_level``: each level that has any, top first, with its
        total and its split, vertical-sector procedures counted at their own level — a district's
        "340 = 269 district + 63 social insurance + 8 police", a commune's "163 = 137 commune + 14
        military + 12 police"."""
        local = Q(sector=Sector.LOCAL)
        split = {
            f"{level}:{sector}": Count("id", filter=Q(level=level, sector=sector))
            for level in LEVELS for sector in Sector.values
        }
        row = self.aggregate(
            total=Count("id"),
            province=Count("id", filter=local & Q(level=UnitLevel.PROVINCE)),
            district=Count("id", filter=local & Q(level=UnitLevel.DISTRICT)),
            commune=Count("id", filter=local & Q(level=UnitLevel.COMMUNE)),
            police=Count("id", filter=Q(sector=Sector.POLICE)),
            social_insurance=Count("id", filter=Q(sector=Sector.SOCIAL_INSURANCE)),
            military=Count("id", filter=Q(sector=Sector.MILITARY)),
            land_registration=Count("id", filter=Q(sector=Sector.LAND_REGISTRATION)),
            **split,
        )
        by_level = {}
        for level in LEVELS:
            parts = {sector: row.pop(f"{level}:{sector}") for sector in Sector.values}
            if any(parts.values()):
                by_level[str(level)] = {"total": sum(parts.values()), **parts}
        row["by_level"] = by_level
        return row


class Procedure(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    code = models.CharField(_("code"), max_length=32, unique=True, help_text=_("National code, e.g. 1.001193"))
    name = models.TextField(_("name"))
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, default=Sector.LOCAL)
    agency = models.CharField(_("implementing agency"), max_length=200, blank=True)
    processing_days = models.DecimalField(
        _("processing time (working days)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("0 means the same working day."),
    )
    cutoff_applies = models.BooleanField(
        _("cut-off applies"), default=False, help_text=_("Received at or after the cut-off: counting starts the next working day.")
    )
    cutoff_time = models.TimeField(_("cut-off time"), default=DEFAULT_CUTOFF)
    fee_text = models.TextField(_("fees as posted"), blank=True)
    result = models.TextField(_("result"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    online_level = models.CharField(_("online service"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE)
    interconnected_with = models.CharField(
        _("inter-connected with"), max_length=16, choices=UnitLevel.choices, blank=True
    )
    location_independent = models.BooleanField(_("location-independent"), default=False)
    # The internal process (quy trình nội bộ): ordered stages, each {"name", "holder" (StageHolder or an
    # AgencyKind), "hours" (its share of the processing time in working hours, as text)}; empty when the
    # procedure has none. Read and written as text by procedures.parsing (parse_stages/format_stages).
    stages = models.JSONField(_("internal process"), default=list, blank=True)
    decision_number = models.CharField(_("publication decision"), max_length=64, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ProcedureStatus.choices, default=ProcedureStatus.IN_FORCE)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("replaced by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    # Code and name without diacritics, lower-case: what search compares against. Kept by services.
    search_text = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["field__name", "code"]
        indexes = [models.Index(fields=["level", "sector"], name="procedure_level_sector_idx")]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def refresh_search_text(self) -> None:
        self.search_text = search_key(f"{self.code} {self.name}")

    @property
    def is_vertical(self) -> bool:
        return self.sector != Sector.LOCAL


class ProcedureFee(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("name"), max_length=200)
    amount = models.PositiveBigIntegerField(_("amount (đồng)"))
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"


class ProcedureComponent(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="components")
    name = models.TextField(_("name"))
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("dossier component")
        verbose_name_plural = _("dossier components")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ProcedureVersion(models.Model):
    """A procedure's terms from ``valid_from`` on, and what changed, who changed it and how."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Import")
        EDIT = "edit", _("Edit")
        ADMIN = "admin", _("Administration")
        DEMO = "demo", _("Demo data")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    valid_from = models.DateTimeField(_("valid from"))
    terms = models.JSONField(_("terms"), help_text=_("Processing time, cut-off and fees of this version."))
    changes = models.JSONField(_("changes"), default=dict, help_text=_("Field → [before, after]."))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique_number"),
        ]
        # The dossier intake looks up "the version in force at this moment" for one procedure.
        indexes = [models.Index(fields=["procedure", "valid_from"], name="procedure_version_valid_idx")]


class PostingQuerySet(models.QuerySet):
    def for_unit(self, unit: AdministrativeUnit) -> PostingQuerySet:
        """Postings of the unit or any unit below it (its own: never those of units it took over)."""
        return Scope.below(unit, taken_over=False).filter(self, "unit")

    def in_force(self, on: date | None = None) -> PostingQuerySet:
        """Postings in force now (not withdrawn: ``is_active``), or on the day ``on`` (both ends inclusive,
        as a unit's: motcua.models.in_force_q)."""
        return self.filter(is_active=True) if on is None else self.filter(in_force_q(on))


class Posting(models.Model):
    """A unit handles a procedure and posts it publicly (niêm yết công khai) at the desk and online,
    from ``valid_from`` to ``valid_to`` (both inclusive; empty for "since before the portal's records"
    and "still"). Withdrawing a procedure ends its posting that day; posting it again opens a new row,
    so the rows of a unit and a procedure are its history, never overlapping, at most one not ended
    (procedures.services keeps them). ``is_active`` (not withdrawn) is derived from ``valid_to``."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="postings")
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="postings")
    valid_from = models.DateField(
        _("handled from"), null=True, blank=True, help_text=_("Empty: since before the portal's records.")
    )
    valid_to = models.DateField(
        _("handled until"), null=True, blank=True, help_text=_("The last day handled, once withdrawn; empty while it is.")
    )
    posted_at_desk = models.DateField(_("posted at the desk"), null=True, blank=True)
    posted_on_website = models.DateField(_("posted on the website"), null=True, blank=True)
    is_active = models.GeneratedField(
        verbose_name=_("handled by the unit"), expression=Q(valid_to__isnull=True), output_field=models.BooleanField(),
        db_persist=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            # One posting in force per unit and procedure (like a unit's code), one ending on a given day.
            models.UniqueConstraint(fields=["unit", "procedure"], condition=Q(valid_to__isnull=True),
                                    name="posting_in_force_once"),
            models.UniqueConstraint(fields=["unit", "procedure", "valid_to"], name="posting_once_per_end"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=models.F("valid_to")),
                name="posting_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.procedure.code}"


class ReviewRound(models.Model):
    """A unit's yearly review of its procedures (rà soát, đánh giá TTHC)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Submitted")

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="review_rounds")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="review_round_unique_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} – {self.year}"


class ReviewItem(models.Model):
    class Decision(models.TextChoices):
        KEEP = "keep", _("Keep as it is")
        SIMPLIFY = "simplify", _("Propose a simplification")

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="items")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="review_items")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.KEEP)
    # The terms when reviewed, so totals stay right after the catalogue changes.
    current_days = models.DecimalField(_("current time (days)"), max_digits=6, decimal_places=2)
    current_fee = models.PositiveBigIntegerField(_("current fee (đồng)"), default=0)
    proposed_days = models.DecimalField(_("proposed time (days)"), max_digits=6, decimal_places=2, null=True, blank=True)
    proposed_fee = models.PositiveBigIntegerField(_("proposed fee (đồng)"), null=True, blank=True)
    components_removed = models.TextField(_("components to remove"), blank=True)
    # A shorter internal process, as the catalogue writes it (procedures.parsing.format_stages); empty: none proposed.
    proposed_stages = models.TextField(_("proposed internal process"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    yearly_saving = models.PositiveBigIntegerField(
        _("estimated yearly saving (đồng)"), null=True, blank=True, help_text=_("Compliance cost saved per year.")
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["procedure__field__name", "procedure__code"]
        constraints = [models.UniqueConstraint(fields=["round", "procedure"], name="review_item_unique_procedure")]


class ImportStage(models.TextChoices):
    CHECK = "check", _("Check")
    WRITE = "write", _("Import")


# A catalogue import job moves through the same states as a report run.
ImportStatus = JobStatus


class CatalogueImportQuerySet(models.QuerySet):
    def of(self, user) -> CatalogueImportQuerySet:
        """A job is its uploader's only: another user's token answers as an unknown one."""
        return self.filter(user=user) if getattr(user, "pk", None) else self.none()


class CatalogueImport(models.Model):
    """A catalogue file uploaded on the import screen, checked (a dry run) and then written, each step a
    job (procedures.import_jobs; a small file's steps run in the request): its stage, status, progress,
    the file itself until it is written, and the last step's report (its rows and every bad line)."""

    # The secret in the job page's URL and in the confirmation form.
    token = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE,
                             related_name="catalogue_imports")
    # Where every row is posted (the uploader's own unit), or nowhere.
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    # The file (at most 5 MB), emptied once it has been written.
    data = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    stage = models.CharField(_("stage"), max_length=8, choices=ImportStage.choices, default=ImportStage.CHECK)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # The step's outcome: {"rows": [[line, code, name, action], …], "errors": […]}, or {"file_error": "…"}.
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("reason of the failure"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Set in the transaction that hands the step to the broker (the status is the marker).
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    objects = CatalogueImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The purge of old uploads (procedures.import_jobs.catalogue_import_purge).
            models.Index(fields=["created_at"], name="catalogue_import_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ImportStatus.active()
