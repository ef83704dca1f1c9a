from django.urls import path

from . import api, vendors, views
from .feeds import PublishedUpdatesFeed

app_name = "compounds"

urlpatterns = [
    path("", views.home, name="home"),
    # The JSON addresses come before the pages whose slugs they share a prefix with.
    path("compounds.json", api.compound_index_json, name="index_json"),
    path("compounds/<slug:slug>.json", api.compound_detail_json, name="detail_json"),
    path("compounds/", views.compound_index, name="index"),
    path("compounds/<slug:slug>/", views.compound_detail, name="detail"),
    path("compounds/<slug:slug>/preview/", views.compound_preview, name="preview"),
    path("compounds/<slug:slug>/history/", views.compound_change_log, name="change_log"),
    path("compounds/<slug:slug>/vendors/", vendors.compound_vendors, name="vendors"),
    path("compounds/<slug:slug>/v/<int:version>/", views.compound_version, name="version"),
    path("compounds/<slug:slug>/references.<str:fmt>", views.compound_references, name="references"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("feeds/updates/", PublishedUpdatesFeed(), name="feed"),
]
