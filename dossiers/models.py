"""Dossiers (hồ sơ) from intake to return: the record, every transition with who and when, pauses,
the stages of the internal process, the apologies, and the per-unit daily counter behind the codes."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from motcua.db import SearchKey
from motcua.models import AdministrativeUnit, Agency, JobStatus
from motcua.scope import Scope
from procedures.models import Procedure


class Channel(models.TextChoices):
    DIRECT = "direct", _("At the desk")
    ONLINE = "online", _("Online")
    POSTAL = "postal", _("By post")


class ReturnChannel(models.TextChoices):
    DESK = "desk", _("At the desk")
    POST = "post", _("By post")
    ONLINE = "online", _("Online")


class Digitisation(models.TextChoices):
    NONE = "none", _("Not digitised")
    PARTIAL = "partial", _("Partly digitised")
    FULL = "full", _("Fully digitised")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRANSFERRED = "transferred", _("Transferred for processing")
    IN_PROGRESS = "in_progress", _("In progress")
    PAUSED = "paused", _("Paused")
    RESOLVED = "resolved", _("Resolved, result ready")
    RETURNED = "returned", _("Result returned")
    REFUSED = "refused", _("Refused at intake")
    RETURNED_UNRESOLVED = "returned_unresolved", _("Returned without resolution")
    WITHDRAWN = "withdrawn", _("Withdrawn, processing stopped")

    @classmethod
    def pending(cls) -> list[str]:
        return [cls.RECEIVED, cls.TRANSFERRED, cls.IN_PROGRESS, cls.PAUSED]

    @classmethod
    def closed_as_resolved(cls) -> list[str]:
        """Counted as resolved in the reports (and classified by the same time rule)."""
        return [cls.RESOLVED, cls.RETURNED, cls.RETURNED_UNRESOLVED, cls.WITHDRAWN]


class Outcome(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("Waiting for supplements")
    VERIFICATION = "verification", _("Waiting for another agency's verification")
    LEGAL = "legal", _("Legal pause")


class DossierQuerySet(models.QuerySet):
    # A dossier belongs to the unit whose desk received it and to the unit that handles it.
    UNIT_FIELDS = ("receiving_unit", "handling_unit")

    def for_unit(self, unit: AdministrativeUnit) -> DossierQuerySet:
        """Dossiers received or handled by the unit or any unit below it."""
        return Scope.below(unit).filter(self, *self.UNIT_FIELDS)

    def for_user(self, user) -> DossierQuerySet:
        """Dossiers received or handled in what the user sees (motcua.scope)."""
        return Scope.of(user).filter(self, *self.UNIT_FIELDS)

    def pending(self) -> DossierQuerySet:
        return self.filter(status__in=Status.pending())

    def with_latest_apology(self) -> DossierQuerySet:
        """Each dossier with its latest apology's reason and new appointment (``latest_apology_reason``,
        ``latest_new_due_at``; None without one): one row per dossier however many apologies it has."""
        latest = Apology.objects.filter(dossier=OuterRef("pk")).order_by("-issued_at", "-pk")
        return self.annotate(latest_apology_reason=Subquery(latest.values("reason")[:1]),
                             latest_new_due_at=Subquery(latest.values("new_due_at")[:1]))

    def overdue(self, at) -> DossierQuerySet:
        """Pending and overdue at ``at`` (``overdue_condition``): the board, the warnings and the digest."""
        return self.pending().filter(overdue_condition(at))


def overdue_condition(at) -> Q:
    """The one definition of "overdue at ``at``" for a dossier still pending then: its due moment has
    passed, and it is not paused then by a pause begun no later than the due moment. Such a pause stops
    the clock; one begun after the dossier fell due does not make a late dossier timely. The desk board,
    the warnings, the digest (``Dossier.objects.overdue``) and the report (reports.figures) all ask this.

    The pause test is an uncorrelated IN (the pause's own dossier gives the due moment): PostgreSQL
    computes it once, and the province's aggregation can still run in parallel (a correlated EXISTS
    would forbid it)."""
    paused_in_time = (
        Pause.objects.filter(started_at__lt=at, started_at__lte=models.F("dossier__due_at"))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=at))
        .values("dossier_id")
    )
    return Q(due_at__lt=at) & ~Q(pk__in=paused_in_time)


class Dossier(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    code = models.CharField(_("code"), max_length=48, unique=True)
    receiving_unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("receiving unit"), on_delete=models.PROTECT, related_name="received_dossiers"
    )
    handling_unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="handled_dossiers"
    )
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers")
    # The procedure's terms in force when the dossier was received (its version), kept for good.
    procedure_version = models.PositiveIntegerField(_("procedure version"), default=1)
    processing_days = models.DecimalField(_("processing time (working days)"), max_digits=6, decimal_places=2)
    cutoff_applies = models.BooleanField(_("cut-off applies"), default=False)
    cutoff_time = models.TimeField(_("cut-off time"), null=True, blank=True)
    fees = models.JSONField(_("fees"), default=list, blank=True)
    fee_total = models.PositiveBigIntegerField(_("fee (đồng)"), default=0)

    agency = models.ForeignKey(
        Agency, verbose_name=_("processing agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    # Who holds the stage of the internal process held now (procedures.StageHolder or an agency kind; ""
    # without a process or between stages), kept by dossiers.stages: motcua.permissions lets a member of
    # an agency act only while an agency's stage is held.
    stage_holder = models.CharField(_("stage held by"), max_length=20, blank=True, default="", db_default="")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("processing officer"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="assigned_dossiers",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="received_dossiers",
    )

    applicant_kind = models.CharField(_("applicant"), max_length=16, choices=ApplicantKind.choices, default=ApplicantKind.PERSON)
    applicant_name = models.CharField(_("applicant's name"), max_length=200)
    # The name as the desk search compares it (no diacritics, lower case), kept by the database on
    # every write, bulk and raw SQL included; a pg_trgm GIN index serves "contains" (migration 0006).
    applicant_search = models.GeneratedField(
        expression=SearchKey("applicant_name"), output_field=models.CharField(max_length=200), db_persist=True,
    )
    applicant_id_number = models.CharField(_("identification number"), max_length=12, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_address = models.CharField(_("address"), max_length=300, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    # Asked at intake not to be told by SMS or e-mail when the dossier moves (notices sends nothing).
    notify_opt_out = models.BooleanField(_("no SMS or e-mail"), default=False, db_default=False)  # raw inserts (bench) too

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.DIRECT)
    received_at = models.DateTimeField(_("received at"))
    counting_from = models.DateTimeField(_("counting from"))
    due_at = models.DateTimeField(_("due at"), help_text=_("The appointment, moved by paused working time."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_channel = models.CharField(_("return channel"), max_length=10, choices=ReturnChannel.choices, blank=True)

    components_digitised = models.CharField(
        _("components digitised"), max_length=10, choices=Digitisation.choices, default=Digitisation.NONE
    )
    result_digitised = models.BooleanField(_("result digitised"), default=False)
    paid_online = models.BooleanField(_("fee paid online"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    imported = models.BooleanField(_("imported from the previous software"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-received_at"]
        indexes = [
            # Reports count by handling unit over a window of receipt or resolution.
            models.Index(fields=["handling_unit", "received_at"], name="dossier_handling_received_idx"),
            models.Index(fields=["handling_unit", "resolved_at"], name="dossier_handling_resolved_idx"),
            # The register and the slip numbering: a receiving unit's dossiers by receipt.
            models.Index(fields=["receiving_unit", "received_at"], name="dossier_receiving_received_idx"),
            # The desk board: a unit's pending dossiers by due moment.
            models.Index(fields=["receiving_unit", "status", "due_at"], name="dossier_desk_board_idx"),
            # Search at the desk by identification number or phone.
            models.Index(fields=["applicant_id_number"], name="dossier_applicant_id_idx"),
            models.Index(fields=["applicant_phone"], name="dossier_applicant_phone_idx"),
            # The open dossiers (pending, or resolved and waiting for return) of a handling unit by due
            # moment: the handling side of the board's panels (the receiving side has the desk board
            # index) and the processing queue. Without it, "overdue" or "due soon" at a busy unit read
            # every dossier the unit ever handled (29,000 rows for a busy ward, 70 ms, in the
            # 2,000,000-dossier benchmark); open dossiers are ~1 % of the table, so the index is small.
            models.Index(
                fields=["handling_unit", "due_at"], name="dossier_open_handling_idx",
                condition=Q(status__in=["received", "transferred", "in_progress", "paused", "resolved"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("received_at")),
                name="dossier_resolved_after_received",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(resolved_at__isnull=False),
                name="dossier_returned_only_when_resolved",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_interconnected(self) -> bool:
        return self.receiving_unit_id != self.handling_unit_id

    @property
    def apology(self) -> Apology | None:
        """The latest apology (its new appointment is the one the citizen holds now), or None. Reads
        ``apologies`` prefetched when they were."""
        apologies = list(self.apologies.all())
        return max(apologies, key=lambda a: (a.issued_at, a.pk)) if apologies else None

    @property
    def is_pending(self) -> bool:
        return self.status in Status.pending()


class DossierEvent(models.Model):
    """One recorded step: every change of a dossier's state, with who, where and when."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL)
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossier_event_dossier_at_idx")]


class Pause(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("kind"), max_length=16, choices=PauseKind.choices)
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_at"]
        constraints = [
            # At most one open pause per dossier.
            models.UniqueConstraint(fields=["dossier"], condition=Q(ended_at__isnull=True), name="pause_one_open_per_dossier"),
        ]
        indexes = [
            # The figures' "paused at the end of the window" test: the pauses still open then (ended
            # later, or not yet) — a few hundred, found without reading the whole table.
            models.Index(fields=["ended_at", "started_at"], name="pause_ended_started_idx"),
        ]


class DossierStage(models.Model):
    """One stage of a dossier's internal process (quy trình nội bộ), copied from the procedure's version at
    intake: who held it (the unit, and the agency for an agency's stage), when it began and ended, its
    own due moment (its share of the processing time from when it began, moved by pauses:
    ``motcua.deadlines.stage_due``) and whether it ended early, on time or late
    (``deadlines.classify_outcome``, as the dossier). Moved only by the dossier's steps
    (``dossiers.stages.follow``, called by ``StepTable.take``)."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("stage number"))
    name = models.CharField(_("stage"), max_length=200)
    holder = models.CharField(_("held by"), max_length=20, help_text=_("procedures.StageHolder or an agency kind."))
    hours = models.DecimalField(_("share (working hours)"), max_digits=8, decimal_places=2)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("began"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ended by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("dossier stage")
        verbose_name_plural = _("dossier stages")
        ordering = ["dossier", "position"]
        constraints = [models.UniqueConstraint(fields=["dossier", "position"], name="dossier_stage_position_unique")]
        indexes = [models.Index(fields=["unit", "agency", "outcome"], name="dossier_stage_holder_idx")]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.position + 1}. {self.name}"

    @property
    def holder_label(self) -> str:
        from procedures.models import stage_holder_label

        return stage_holder_label(self.holder)

    @property
    def holder_name(self) -> str:
        """Who holds it, for the screens: the agency, else the kind of holder and its unit."""
        if self.agency_id:
            return self.agency.name
        return f"{self.holder_label} – {self.unit.name}" if self.unit_id else self.holder_label


class Apology(models.Model):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả. A dossier without an internal process has at most one;
    one with stages may have one per stage that ran late, issued by the unit (and agency) that held it."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    # Filters keep reading ``apology__…``; ``dossier.apologies`` lists them, ``Dossier.apology`` is the latest.
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apologies", related_query_name="apology")
    stage = models.ForeignKey(DossierStage, verbose_name=_("late stage"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="apologies")
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("issued by (unit)"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name=_("issued by (agency)"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"))
    new_due_at = models.DateTimeField(_("new appointment"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("apology")
        verbose_name_plural = _("apologies")
        ordering = ["issued_at", "pk"]
        constraints = [
            # One per dossier without a stage, one per stage otherwise.
            models.UniqueConstraint(fields=["dossier"], condition=Q(stage__isnull=True), name="apology_one_per_dossier"),
            models.UniqueConstraint(fields=["stage"], name="apology_one_per_stage"),
        ]


class CounterKind(models.TextChoices):
    DOSSIER = "dossier", _("Dossier")
    TICKET = "ticket", _("Feedback ticket")


class DailyCounter(models.Model):
    """The last number of a unit's day for one kind of code (dossiers, feedback tickets); its row lock
    serialises code allocation."""

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=8, choices=CounterKind.choices, default=CounterKind.DOSSIER)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day", "kind"], name="daily_counter_unique_unit_day_kind")]


# -- Satisfaction (đánh giá sự hài lòng) -------------------------------------------------------


class RatingLevel(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")

    @classmethod
    def satisfied(cls) -> list[str]:
        return [cls.VERY_SATISFIED, cls.SATISFIED]


class RatingChannel(models.TextChoices):
    KIOSK = "kiosk", _("Counter tablet")
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper form")


class RatingCriterion(models.TextChoices):
    """The criteria of the one-stop regulation's satisfaction survey."""

    TIME = "time", _("Processing time compared with the rules")
    CONTACTS = "contacts", _("Number of contacts needed to complete the dossier")
    ATTITUDE = "attitude", _("Attitude of the officers")
    PUBLICITY = "publicity", _("Publicity of the procedure")
    ONLINE_SERVICE = "online_service", _("Progress and quality of the online public service")


class KioskDevice(models.Model):
    """A counter tablet registered to a desk; it signs in with its own token, never a user session."""

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="kiosks")
    name = models.CharField(_("desk"), max_length=120)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("counter tablet")
        verbose_name_plural = _("counter tablets")

    def __str__(self) -> str:
        return f"{self.unit} – {self.name}"


class Rating(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ratings")
    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings")
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field = models.ForeignKey("procedures.Field", verbose_name=_("field"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=RatingChannel.choices)
    level = models.CharField(_("overall"), max_length=16, choices=RatingLevel.choices)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True, help_text=_("Criterion → level."))
    comment = models.TextField(_("comment"), blank=True)
    device = models.ForeignKey(KioskDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at"]
        indexes = [models.Index(fields=["unit", "rated_at"], name="rating_unit_rated_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(channel="online"), name="rating_one_online_per_dossier"
            ),
        ]


# -- Feedback tickets (phản ánh, kiến nghị) ----------------------------------------------------


class TicketChannel(models.TextChoices):
    WEBSITE = "website", _("Website")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")


class TicketStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    ASSIGNED = "assigned", _("Assigned to the competent agency")
    FORWARDED = "forwarded", _("Forwarded outside")
    ANSWERED = "answered", _("Answered")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")

    @classmethod
    def open(cls) -> list[str]:
        return [cls.RECEIVED, cls.CLASSIFIED, cls.ASSIGNED]


class TicketClass(models.TextChoices):
    REGULATION = "regulation", _("About a regulation")
    HANDLING = "handling", _("About an officer's conduct or the handling of a dossier")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class FeedbackTicket(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    code = models.CharField(_("code"), max_length=48, unique=True)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tickets")
    channel = models.CharField(_("channel"), max_length=10, choices=TicketChannel.choices)
    sender_name = models.CharField(_("sender"), max_length=200)
    sender_contact = models.CharField(_("contact"), max_length=200, help_text=_("Phone or e-mail."))
    sender_address = models.CharField(_("address"), max_length=300, blank=True)
    content = models.TextField(_("content"))
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.RECEIVED)
    classification = models.CharField(_("class"), max_length=16, choices=TicketClass.choices, blank=True)
    agency = models.ForeignKey(Agency, verbose_name=_("competent agency"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    forwarded_to = models.CharField(_("forwarded to"), max_length=300, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("feedback ticket")
        verbose_name_plural = _("feedback tickets")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["unit", "received_at"], name="ticket_unit_received_idx"),
            # The due-soon and overdue tabs: a unit's open tickets by due moment.
            models.Index(fields=["unit", "status", "due_at"], name="ticket_unit_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class TicketEvent(models.Model):
    ticket = models.ForeignKey(FeedbackTicket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]


# -- The electronic dossier: what was received per component, and the files ----------------------------


class ReceivedForm(models.TextChoices):
    """What the desk received of one component (printed on the receipt slip, Mẫu số 01)."""

    ORIGINAL = "original", _("Original")
    CERTIFIED_COPY = "certified_copy", _("Certified copy")
    COPY = "copy", _("Copy")
    NOT_RECEIVED = "not_received", _("Not received")


class ReceivedComponent(models.Model):
    """One component of the procedure version a dossier was received under, and what the citizen handed
    in of it. The name is kept as the version named it: the catalogue's rows are replaced when a
    procedure's components change (procedures.services.procedure_save), and ``component`` is then None."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="received_components")
    component = models.ForeignKey(
        "procedures.ProcedureComponent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.TextField(_("name"))
    required = models.BooleanField(_("required"), default=True)
    form = models.CharField(_("received as"), max_length=16, choices=ReceivedForm.choices, default=ReceivedForm.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("number"), default=1)

    class Meta:
        verbose_name = _("component received")
        verbose_name_plural = _("components received")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "position"], name="received_component_unique_position"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def received(self) -> bool:
        return self.form != ReceivedForm.NOT_RECEIVED


class FileRole(models.TextChoices):
    COMPONENT = "component", _("Dossier component")
    RESULT = "result", _("Result")


class SignatureStatus(models.TextChoices):
    """The seam for signed files (pyHanko): ``dossiers.files.verify_signature`` sets it; until signatures
    are verified every file stays "not checked". The other values are motcua.signing's states."""

    NOT_CHECKED = "not_checked", _("Not checked")
    UNSIGNED = "unsigned", _("Not signed")
    VALID = "valid", _("Valid")
    UNTRUSTED = "untrusted", _("Signed, certificate not trusted")
    INVALID = "invalid", _("Invalid")


def dossier_file_name(instance: DossierFile, filename: str) -> str:
    """Where a file is stored: a random name under the month of upload, never the dossier code, the
    citizen's name or anything guessable (the files are never served from MEDIA_URL anyway)."""
    import uuid

    from django.utils import timezone

    now = timezone.now()
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(instance.content_type, "")
    return f"dossiers/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"


class DossierFile(models.Model):
    """A file of a dossier: a scanned or received component, or the result. Stored through Django's
    storage (``STORAGES["default"]``); read only through ``dossiers.files`` and the download views."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(_("role"), max_length=10, choices=FileRole.choices)
    component = models.ForeignKey(
        ReceivedComponent, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=dossier_file_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(_("pages"), default=1)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    # Attached from an earlier dossier of the same citizen without scanning again (tái sử dụng): the same
    # stored file, the same checksum.
    reused_from = models.ForeignKey(
        "self", verbose_name=_("reused from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reuses"
    )
    signature = models.CharField(
        _("signature"), max_length=12, choices=SignatureStatus.choices, default=SignatureStatus.NOT_CHECKED
    )
    signature_detail = models.JSONField(_("signature details"), default=dict, blank=True)
    # A wrong scan is removed (or replaced by a new one) without losing the trace: the row and the stored
    # file stay; a removed file no longer counts for digitisation, is not offered for reuse nor shown to
    # the citizen (dossiers.files.current_files).
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("removed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removal_reason = models.TextField(_("reason for the removal"), blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("replaced by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    class Meta:
        verbose_name = _("dossier file")
        verbose_name_plural = _("dossier files")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["dossier", "role"], name="dossier_file_dossier_role_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="component") & Q(component__isnull=False)) | (Q(role="result") & Q(component__isnull=True)),
                name="dossier_file_component_xor_result",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def signature_check(self):
        """The stored verification as motcua.signing.SignatureCheck (for partials/signature.html)."""
        from datetime import datetime

        from motcua.signing import SignatureCheck

        at = (self.signature_detail or {}).get("signed_at")
        return SignatureCheck(self.signature, (self.signature_detail or {}).get("signer", ""),
                              datetime.fromisoformat(at) if at else None)


class ScanJob(models.Model):
    """Pages scanned for one component (or for replacing one file) that are joined and checked by a
    Celery job because there are many of them (``settings.DOSSIER_SCAN_INLINE_PAGES`` / ``_BYTES``;
    dossiers.scan_jobs): the uploaded parts are kept in the storage until the job is done, then
    deleted; the job's page shows its progress and returns to the dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="scan_jobs")
    component = models.ForeignKey(ReceivedComponent, on_delete=models.CASCADE, related_name="scan_jobs")
    # Set when the pages replace a file of the component (removed, with ``reason``, once they are stored).
    replaces = models.ForeignKey(DossierFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason for the replacement"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    pages_done = models.PositiveIntegerField(_("pages checked"), default=0)
    pages_total = models.PositiveIntegerField(_("pages"), default=0)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    # The uploaded parts until the job is done: [{"name": stored name, "original": the file's name}, …].
    parts = models.JSONField(default=list, blank=True, editable=False)
    error = models.TextField(_("reason of the failure"), blank=True)
    result = models.ForeignKey(DossierFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Set in the transaction that hands the job to the broker (the status is the marker).
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("scan job")
        verbose_name_plural = _("scan jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}/{self.component_id} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in JobStatus.active()
