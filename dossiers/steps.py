"""One way to move a record (a dossier, a feedback ticket) one step along its table of steps.

A ``Step`` is one row: its name, label, the states it may start from, the state it leads to (``None``
for a step that records something without changing the state, as the apology), the permission
action of ``motcua.permissions`` that says who may take it, the form of its page, the message shown
once it is done, and, where the state alone does not decide, a ``guard`` saying why the step is
refused now.

``StepTable.take`` is the one write (Oscar's ``set_status``): it locks the row, checks the step is
allowed from the current state (and its guard), lets the step's own service make what is specific to
it, writes the state, moves what follows every step (a dossier's stages) and records the event, all in
one transaction. A step refused raises the
table's error with a translated message and changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone

from motcua.permissions import can

__all__ = ["Step", "StepTable", "step_recorded"]

# Sent in the step's transaction once its event is recorded (``event``: the DossierEvent or TicketEvent;
# ``sender``: the model): the applicant's messages (notices) are written then and sent on commit. Also
# sent by ``dossiers.services.dossier_receive``, the first step, taken outside a table.
step_recorded = Signal()


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None
    permission: str
    form: type | None = None
    done: str = ""
    # Why the step is refused now although the state allows it (a translated message), or None.
    guard: Callable[[models.Model], str | None] | None = field(default=None, compare=False)
    # The service a page calls with the form's arguments (``service(<record>=…, by=…, **arguments)``).
    service: Callable[..., object] | None = field(default=None, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))


class StepTable:
    """The steps of one model, the event each records, and the error a refused step raises."""

    def __init__(self, *, model: type[models.Model], steps: Iterable[Step], record: Callable[..., object],
                 error: type[Exception], refused: str, touch: tuple[str, ...] = (),
                 follow: Callable[..., None] | None = None):
        self.model = model
        self.steps: dict[str, Step] = {step.name: step for step in steps}
        self.record = record  # record(obj, action=…, from_status=…, by=…, at=…, note=…, **event) → the event
        self.error = error
        self.refused = refused  # "“%(action)s” is not possible for a … that is “%(status)s”."
        self.touch = touch  # fields saved with every change (``updated_at``)
        # What else moves with every step, in its transaction (a dossier's stages: dossiers.stages.follow):
        # follow(locked, step_name, at=…, by=…), after the state is written and before the event.
        self.follow = follow

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    def __contains__(self, name: object) -> bool:
        return name in self.steps

    def __iter__(self) -> Iterator[str]:
        return iter(self.steps)

    def items(self):
        return self.steps.items()

    # -- asking ---------------------------------------------------------------------------------

    def refusal(self, obj, name: str) -> str | None:
        """Why ``name`` cannot be taken on ``obj`` now (a translated message), or None."""
        step = self.steps[name]
        if obj.status not in step.sources:
            return self.refused % {"action": step.label, "status": obj.get_status_display()}
        return step.guard(obj) if step.guard is not None else None

    def allowed(self, obj) -> list[str]:
        """The steps allowed from ``obj``'s state now, in the table's order."""
        return [name for name in self.steps if self.refusal(obj, name) is None]

    def permitted(self, user, obj) -> list[str]:
        """The steps allowed now that ``user`` may take (the buttons of the page)."""
        return [name for name in self.allowed(obj) if can(user, self.steps[name].permission, obj)]

    # -- the one write ------------------------------------------------------------------------

    def take(self, obj, name: str, *, by, at: datetime | None = None, note: str = "",
             change: Callable[[models.Model, datetime], Iterable[str] | None] | None = None,
             event: Callable[[models.Model], dict] | None = None):
        """Lock the row, check the step, let ``change(locked, at)`` make the step's own changes (it
        returns the fields it set), write the target state and record the event: one transaction.
        Returns the locked, updated row."""
        with transaction.atomic():
            locked = self.model._default_manager.select_for_update().get(pk=obj.pk)
            reason = self.refusal(locked, name)
            if reason is not None:
                raise self.error(reason)
            step = self.steps[name]
            at = at or timezone.now()
            old = locked.status
            fields = list(change(locked, at) or ()) if change is not None else []
            if step.target is not None:
                locked.status = step.target
                fields.append("status")
            if fields:
                locked.save(update_fields=list(dict.fromkeys([*fields, *self.touch])))
            if self.follow is not None:
                self.follow(locked, name, at=at, by=by)
            recorded = self.record(locked, action=name, from_status=old, by=by, at=at, note=note,
                                   **(event(locked) if event is not None else {}))
            step_recorded.send(sender=self.model, event=recorded)
            return locked
