"""/sitemap.xml and /robots.txt: what search engines may crawl, from published data only.

The sitemap lists the home page and the index, every category with a published profile in it and every published
profile, each dated by the publication that last changed it. Addresses start with settings.MONOGRAPH_SITE_URL (the
request's own when it is empty), like the canonical links on the pages. Both outputs carry the disclaimer as a
comment.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.shortcuts import render
from django.urls import reverse

from .disclaimer import site_disclaimer, site_disclaimer_line
from .models import Category, ProfileSnapshot, published_q
from .structured_data import site_url


class SiteSitemap(Sitemap):
    def get_urls(self, page=1, site=None, protocol=None):
        base_url = site_url()
        if "://" not in base_url:
            # No site address configured: the request's host and scheme, as Django's sitemaps do.
            return super().get_urls(page=page, site=site, protocol=protocol)
        scheme, address = base_url.split("://", 1)
        return self._urls(page, scheme, address)


class PageSitemap(SiteSitemap):
    """The home page and the index, which change whenever a profile is published."""

    def items(self):
        return ["compounds:home", "compounds:index"]

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        if not hasattr(self, "_latest"):
            self._latest = ProfileSnapshot.objects.live().aggregate(latest=Max("published_at"))["latest"]
        return self._latest


class CategorySitemap(SiteSitemap):
    """Categories with a published profile in them, dated by the newest of those."""

    def items(self):
        return (
            Category.objects.annotate(
                latest=Max("snapshots__published_at", filter=published_q("snapshots__live_for__"))
            )
            .filter(latest__isnull=False)
            .only("slug")
            .order_by("position", "name")
        )

    def lastmod(self, category):
        return category.latest


class ProfileSitemap(SiteSitemap):
    """Every published profile at its live address, dated by its live version."""

    def items(self):
        return ProfileSnapshot.objects.live().only("slug", "published_at").order_by("slug")

    def location(self, snapshot):
        return reverse("compounds:detail", args=[snapshot.slug])

    def lastmod(self, snapshot):
        return snapshot.published_at


SITEMAPS = {"pages": PageSitemap, "categories": CategorySitemap, "profiles": ProfileSitemap}


def xml_comment_text(text):
    """Text that can stand inside <!-- … -->: XML forbids "--" there and a "-" right before the end."""
    while "--" in text:
        text = text.replace("--", "- -")
    return " ".join(text.split()).rstrip("-")


def sitemap(request):
    response = sitemap_views.sitemap(request, sitemaps=SITEMAPS, template_name="sitemap.xml")
    response.context_data["disclaimer"] = xml_comment_text(site_disclaimer())
    return response


def robots_txt(request):
    preview = reverse("compounds:preview", args=["slug"]).replace("/slug/", "/*/")
    markdownx = reverse("markdownx_markdownify").rstrip("/").rsplit("/", 1)[0] + "/"
    context = {
        "disclaimer": site_disclaimer_line(),
        "disallowed": [reverse("admin:index"), preview, markdownx],
        "sitemap_url": site_url(request) + reverse("sitemap"),
    }
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")
