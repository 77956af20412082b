from django.urls import path, re_path

from . import converters, views

app_name = "dossiers"

# The steps a dossier's page posts to; spelled out so that no other path under /ho-so/ is taken for one.
_ACTIONS = "|".join(views.STEPS)

urlpatterns = [
    path("", views.board, name="board"),
    path("tiep-nhan/", views.intake, name="intake"),
    path("tinh-han/", views.due_preview, name="due-preview"),
    path("xu-ly/", views.queue, name="queue"),
    path("<dossier_code:code>/", views.detail, name="detail"),
    re_path(rf"^(?P<code>{converters.CODE_PATH})/(?P<action>{_ACTIONS})/$", views.dossier_action, name="action"),
    # The components and files: never a public address; every download checks access and is logged.
    path("<dossier_code:code>/thanh-phan/<int:pk>/", views.component_save, name="component"),
    path("<dossier_code:code>/ket-qua/", views.result_attach, name="result-file"),
    path("<dossier_code:code>/tai-su-dung/", views.file_reuse, name="file-reuse"),
    path("<dossier_code:code>/tep/<int:pk>/", views.file_download, name="file"),
    path("<dossier_code:code>/tep/<int:pk>/go/", views.file_remove, name="file-remove"),
    path("<dossier_code:code>/tep/<int:pk>/thay/", views.file_replace, name="file-replace"),
    path("<dossier_code:code>/quet/<int:pk>/", views.scan_job, name="scan-job"),
]
