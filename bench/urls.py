"""The site's URLs plus the benchmark's baseline: a view that does nothing, behind the same middleware."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def minimal_view(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/minimal/", minimal_view, name="bench_minimal"), *site_urlpatterns]
