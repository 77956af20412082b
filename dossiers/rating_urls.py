"""Satisfaction (đánh giá sự hài lòng), mounted at /danh-gia/: the staff's figures, paper forms and
tablets; the counter tablet's own pages; the public online rating."""
from django.urls import path

from . import rating_views

app_name = "ratings"
urlpatterns = [
    path("", rating_views.figures, name="figures"),
    path("phieu/", rating_views.paper, name="paper"),
    path("thiet-bi/", rating_views.devices, name="devices"),
    path("thiet-bi/<int:pk>/ngung/", rating_views.device_deactivate, name="device-deactivate"),
    path("kiosk/", rating_views.kiosk, name="kiosk"),
    path("kiosk/cam-on/", rating_views.kiosk_thanks, name="kiosk-thanks"),
    path("kiosk/kich-hoat/<str:token>/", rating_views.kiosk_activate, name="kiosk-activate"),
    path("truc-tuyen/", rating_views.online, name="online"),
    path("truc-tuyen/cam-on/", rating_views.online_thanks, name="online-thanks"),
]
