"""Feedback tickets, mounted at /phan-anh/: the public form and answers, and the staff screens."""
from django.urls import path, re_path

from . import ticket_views
from .ticket_forms import STEP_FORMS

app_name = "tickets"

# The steps a ticket's page posts to; spelled out so that no other path under /phan-anh/ is taken for one.
_ACTIONS = "|".join(STEP_FORMS)

urlpatterns = [
    path("", ticket_views.ticket_list, name="list"),
    path("gui/", ticket_views.submit, name="submit"),
    path("gui/da-gui/", ticket_views.submitted, name="submitted"),
    path("da-tra-loi/", ticket_views.public, name="public"),
    path("moi/", ticket_views.ticket_new, name="new"),
    path("so-lieu/", ticket_views.figures, name="figures"),
    path("<str:code>/", ticket_views.ticket_detail, name="detail"),
    path("<str:code>/tra-loi.pdf", ticket_views.answer_pdf, name="answer-pdf"),
    re_path(rf"^(?P<code>[^/]+)/(?P<action>{_ACTIONS})/$", ticket_views.ticket_step_view, name="step"),
]
