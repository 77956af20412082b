"""The public posting, mounted at /cong-khai/: no sign-in."""
from django.urls import path

from . import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.unit_index, name="unit-index"),
    path("<str:unit_code>/", public_views.unit_procedures, name="unit-procedures"),
    path("<str:unit_code>/<str:code>/", public_views.procedure_detail, name="procedure-detail"),
]
