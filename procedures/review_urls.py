"""The yearly review of procedures (rà soát, đánh giá TTHC), mounted at /ra-soat/."""
from django.urls import path

from . import review_views

app_name = "reviews"
urlpatterns = [
    path("", review_views.round_list, name="round-list"),
    path("mo-dot/", review_views.round_open, name="round-open"),
    path("tong-hop.xlsx", review_views.overview_xlsx, name="overview-xlsx"),
    path("<int:pk>/", review_views.round_detail, name="round-detail"),
    path("<int:pk>/gui/", review_views.round_submit, name="round-submit"),
    path("<int:pk>/muc/<int:item_id>/", review_views.item_edit, name="item-edit"),
    path("<int:pk>/bieu-mau.xlsx", review_views.round_xlsx, name="round-xlsx"),
]
