"""What the office makes public, mounted at /cong-khai/ket-qua/: no sign-in."""
from django.urls import path

from . import results

app_name = "results"
urlpatterns = [
    path("", results.index, name="index"),
    path("<str:unit_key>/<str:month>/", results.month, name="month"),
]
