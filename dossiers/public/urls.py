"""The public lookup, mounted at /tra-cuu/: no sign-in."""
from django.urls import path

from . import files, views

app_name = "lookup"
urlpatterns = [
    path("", views.lookup, name="lookup"),
    *files.urlpatterns,  # the electronic result of a finished dossier (dossiers.public.files)
]
