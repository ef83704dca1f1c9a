from django.urls import path

from . import views

app_name = "compounds"

urlpatterns = [
    path("", views.home, name="home"),
    path("compounds/", views.compound_index, name="index"),
    path("compounds/<slug:slug>/", views.compound_detail, name="detail"),
    path("compounds/<slug:slug>/preview/", views.compound_preview, name="preview"),
    path("compounds/<slug:slug>/history/", views.compound_change_log, name="change_log"),
    path("compounds/<slug:slug>/v/<int:version>/", views.compound_version, name="version"),
    path("compounds/<slug:slug>/references.<str:fmt>", views.compound_references, name="references"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
]
