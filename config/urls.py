from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from compounds.markdownx_views import StaffImageUploadView, StaffMarkdownifyView
from compounds.page_cache import LISTINGS, public_page
from compounds.sitemaps import robots_txt, sitemap

urlpatterns = [
    path("admin/", admin.site.urls),
    # markdownx's own urls.py is not included: its views require no login.
    path("markdownx/markdownify/", StaffMarkdownifyView.as_view(), name="markdownx_markdownify"),
    path("markdownx/upload/", StaffImageUploadView.as_view(), name="markdownx_upload"),
    path("sitemap.xml", public_page(lambda **kwargs: [LISTINGS])(sitemap), name="sitemap"),
    path("robots.txt", public_page(lambda **kwargs: [LISTINGS])(robots_txt), name="robots"),
    path("", include("compounds.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
