from django.urls import path

from . import api, vendors, views
from .feeds import PublishedUpdatesFeed
from .page_cache import LISTINGS, profile_scope, public_page

app_name = "compounds"

# What each public page depends on (compounds/page_cache.py): listings change with any publication or category;
# a profile's pages with its own versions, the pages it links to and the sources it cites.
listing = public_page(lambda **kwargs: [LISTINGS])
profile = public_page(lambda slug, **kwargs: [profile_scope(slug)])

urlpatterns = [
    path("", listing(views.home), name="home"),
    # The JSON addresses come before the pages whose slugs they share a prefix with.
    path("compounds.json", listing(api.compound_index_json), name="index_json"),
    path("compounds/<slug:slug>.json", profile(api.compound_detail_json), name="detail_json"),
    path("compounds/", listing(views.compound_index), name="index"),
    path("compounds/<slug:slug>/", profile(views.compound_detail), name="detail"),
    path("compounds/<slug:slug>/preview/", views.compound_preview, name="preview"),
    path("compounds/<slug:slug>/history/", profile(views.compound_change_log), name="change_log"),
    path("compounds/<slug:slug>/vendors/", profile(vendors.compound_vendors), name="vendors"),
    path("compounds/<slug:slug>/v/<int:version>/", profile(views.compound_version), name="version"),
    path("compounds/<slug:slug>/references.<str:fmt>", profile(views.compound_references), name="references"),
    path("categories/<slug:slug>/", listing(views.category_detail), name="category"),
    path("feeds/updates/", listing(PublishedUpdatesFeed()), name="feed"),
]
