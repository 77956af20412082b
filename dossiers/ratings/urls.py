"""Satisfaction (đánh giá sự hài lòng), mounted at /danh-gia/: the staff's figures, paper forms and
tablets; the counter tablet's own pages; the public online rating."""
from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("", views.figures, name="figures"),
    path("phieu/", views.paper, name="paper"),
    path("thiet-bi/", views.devices, name="devices"),
    path("thiet-bi/<int:pk>/ngung/", views.device_deactivate, name="device-deactivate"),
    path("kiosk/", views.kiosk, name="kiosk"),
    path("kiosk/cam-on/", views.kiosk_thanks, name="kiosk-thanks"),
    path("kiosk/kich-hoat/<str:token>/", views.kiosk_activate, name="kiosk-activate"),
    path("truc-tuyen/", views.online, name="online"),
    path("truc-tuyen/cam-on/", views.online_thanks, name="online-thanks"),
]
