"""The Atom feed of published updates: each new public version of a profile readers can see now, with what changed.

Minor versions (typos, formatting) are left out, as in the public change log. Every entry links to its version's
permalink and ends with the research-only disclaimer; the feed's subtitle carries it too.
"""

from django.contrib.syndication.views import Feed
from django.db.models import F
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html

from .disclaimer import site_disclaimer
from .models import ProfileSnapshot, published_q
from .structured_data import SITE_NAME, site_url

FEED_SIZE = 50
FIRST_VERSION = "First published version"


class AtomFeedWithContent(Atom1Feed):
    """Atom with each entry's <content> (Django's Atom feed writes only <summary>)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


def published_updates(*, limit=FEED_SIZE):
    """The newest non-minor versions of the profiles that are live now, each with `live_slug`: the address its
    profile is published under now (a version's own slug may be an older one). One query."""
    return (
        ProfileSnapshot.objects.filter(published_q("compound__"), minor=False)
        .annotate(live_slug=F("compound__live_snapshot__slug"))
        .only("name", "version", "published_at", "published_by_name", "edit_summary")
        .order_by("-published_at", "-id")[:limit]
    )


class PublishedUpdatesFeed(Feed):
    feed_type = AtomFeedWithContent
    title = f"{SITE_NAME}: published updates"
    author_name = SITE_NAME

    def get_object(self, request):
        # The site's address is all the feed needs from the request; items() and link() get it as their object.
        return site_url(request)

    def link(self, base_url):
        return base_url + reverse("compounds:home")

    def feed_url(self, base_url):
        return base_url + reverse("compounds:feed")

    def subtitle(self, base_url):
        return f"New versions of the profiles on {SITE_NAME}, with what changed in each. {site_disclaimer()}"

    def items(self, base_url):
        updates = list(published_updates())
        for update in updates:
            update.url = base_url + reverse("compounds:version", args=[update.live_slug, update.version])
        return updates

    def item_title(self, update):
        return f"{update.name} — version {update.version}"

    def item_link(self, update):
        return update.url

    @staticmethod
    def _summary(update):
        return update.edit_summary or (FIRST_VERSION if update.version == 1 else f"Version {update.version}")

    def item_description(self, update):
        # Atom's <summary type="html">: the edit summary is plain text, so it is escaped to read as written.
        return escape(self._summary(update))

    def item_extra_kwargs(self, update):
        content = format_html(
            '<p>{}</p><p><a href="{}">Read version {} of {}</a></p><p><strong>Research use only.</strong> {}</p>',
            self._summary(update),
            update.url,
            update.version,
            update.name,
            site_disclaimer(),
        )
        return {"content": content}

    def item_pubdate(self, update):
        return update.published_at

    def item_updateddate(self, update):
        return update.published_at

    def item_author_name(self, update):
        return update.published_by_name or None
