"""Feedback tickets, mounted at /phan-anh/: the public form and answers, and the staff screens."""
from django.urls import path, re_path

from . import views
from dossiers.tickets.services import STEPS

app_name = "tickets"

# The steps a ticket's page posts to; spelled out so that no other path under /phan-anh/ is taken for one.
_ACTIONS = "|".join(STEPS)

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("gui/", views.submit, name="submit"),
    path("gui/da-gui/", views.submitted, name="submitted"),
    path("da-tra-loi/", views.public, name="public"),
    path("tra-cuu/", views.ticket_lookup, name="lookup"),
    path("moi/", views.ticket_new, name="new"),
    path("so-lieu/", views.figures, name="figures"),
    path("<str:code>/", views.ticket_detail, name="detail"),
    path("<str:code>/tra-loi.pdf", views.answer_pdf, name="answer-pdf"),
    re_path(rf"^(?P<code>[^/]+)/(?P<action>{_ACTIONS})/$", views.ticket_step_view, name="step"),
]
