from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Messages to applicants")

    def ready(self) -> None:
        from dossiers.steps import step_recorded

        from .services import messages_for_step

        # A step recorded on a dossier or a ticket (dossiers.steps) may tell the applicant: the messages are
        # written in the step's transaction and sent once it commits.
        step_recorded.connect(messages_for_step, dispatch_uid="notices_messages_for_step")
