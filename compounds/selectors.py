"""Reads that span relations. Views and services use these, never ad-hoc queries.

Every public read starts from `ProfileSnapshot.objects.live()`: the one rule for what readers may see.
"""

from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When, Window
from django.db.models.functions import Coalesce, Least, Lower
from django.urls import reverse
from django.utils.text import Truncator

from evidence.models import Finding, Source, Verification

from .models import Category, Citation, Compound, ProfileSnapshot, ReviewComment, RevisionMeta, Status, published_q
from .page_cache import LISTINGS, memoized
from .parts import profile_prefetch
from .permissions import public_name
from .search import Sort, search, snippets, suggestion
from .stored_pages import PAGE_FIELDS


def compounds_for_profile():
    """Draft compounds with every part the profile page shows, one query per part for however many are read."""
    return Compound.objects.select_related("parent__live_snapshot", "live_snapshot").prefetch_related(
        *profile_prefetch()
    )


def compound_for_profile(*, slug=None, pk=None):
    """The draft compound with every part the profile page shows, one query per part."""
    queryset = compounds_for_profile()
    return queryset.get(slug=slug) if slug is not None else queryset.get(pk=pk)


def published_snapshot_get(*, slug):
    """The live public version of a profile (by the slug it was published under), or DoesNotExist. One query."""
    return ProfileSnapshot.objects.live().get(slug=slug)


def published_page_get(*, slug):
    """The stored page of a profile's live version (by the slug it was published under), or DoesNotExist."""
    return ProfileSnapshot.objects.live().only("id", "slug", *PAGE_FIELDS).get(slug=slug)


def public_address_taken(*, slug, compound):
    """Another profile's live version is published at this address."""
    return ProfileSnapshot.objects.live().filter(slug=slug).exclude(compound_id=compound.pk).exists()


def published_snapshots(*, category=None):
    """Live public versions for listings, newest first."""
    queryset = ProfileSnapshot.objects.live().only(
        "id", "name", "slug", "summary", "header", "published_at", "featured"
    )
    if category is not None:
        queryset = queryset.filter(categories=category)
    return queryset.order_by("-published_at", "name")


def published_listing(
    *, words=(), phrase="", category=None, evidence=None, risk=None, regulatory=None, sort=Sort.UPDATED
):
    """Live public versions matching a reader's search words and filters, in the order asked for.

    The filters read what each version stored when it was published, so a draft's change never shows.
    """
    queryset = published_snapshots()
    if category:
        queryset = queryset.filter(categories__slug=category)
    if evidence:
        # A range such as "3-4" belongs to each level it spans.
        queryset = queryset.filter(evidence_level_best__lte=evidence, evidence_level_worst__gte=evidence)
    if risk:
        queryset = queryset.filter(risk_profile=risk)
    if regulatory:
        queryset = queryset.filter(regulatory_states__contains=f"|{regulatory}|")
    if words:
        queryset = search(queryset, words, phrase=phrase)
    if sort == Sort.RELEVANCE and words:
        return queryset.order_by("-relevance", Lower("name"), "id")
    if sort == Sort.NAME:
        return queryset.order_by(Lower("name"), "id")
    if sort == Sort.EVIDENCE:
        return queryset.order_by(F("evidence_level_best").asc(nulls_last=True), Lower("name"), "id")
    return queryset.order_by("-published_at", "name", "id")


def published_snippets_attach(*, items, words):
    """Give each listed version the passage of its text that matches the words (`item.snippet`). One query."""
    found = snippets([item.pk for item in items], words)
    for item in items:
        item.snippet = found.get(item.pk, "")


def published_suggestion(*, words, filters):
    """A corrected query for words that found nothing, offered only if it finds something under the same filters."""
    suggested = suggestion(words)
    if suggested and published_listing(words=suggested.split(), **filters).exists():
        return suggested
    return ""


def categories_with_published_counts():
    return Category.objects.annotate(
        published_count=Count("snapshots", filter=published_q("snapshots__live_for__"), distinct=True)
    ).order_by("position", "name")


def published_categories():
    """The categories that have published profiles, in their order, with `published_count`. Worked out once per
    change of what is published (or of a category) and kept with the listings' pages."""
    return memoized(
        scope=LISTINGS,
        name="published-categories",
        compute=lambda: [category for category in categories_with_published_counts() if category.published_count],
    )


def published_total():
    """How many profiles are published; kept like `published_categories`."""
    return memoized(scope=LISTINGS, name="published-total", compute=lambda: published_snapshots().count())


def latest_revision_meta(*, compound_id):
    return (
        RevisionMeta.objects.select_related("revision__user")
        .filter(compound_key=compound_id)
        .order_by("-number")
        .first()
    )


def compound_pending_changes(*, compound_id):
    """(revisions since the live version, since when) — for a profile never published, every revision."""
    annotated = Compound.objects.with_pending_changes().only("pk").get(pk=compound_id)
    return annotated.pending_revisions, annotated.pending_since


def compound_history(*, compound_id):
    """Revision list of a compound, newest first, in one query."""
    return (
        RevisionMeta.objects.select_related("revision__user", "base_revision__meta")
        .filter(compound_key=compound_id)
        .order_by("-number")
    )


# --- The admin dashboard ---------------------------------------------------------
# Each list is one query: its first rows, and how many there are in all from a window count over the same rows.


@dataclass
class DashboardItem:
    """One line of a dashboard list: what it is, where to go, a short note, and the times that matter."""

    title: str
    url: str = ""
    note: str = ""
    times: list = field(default_factory=list)  # [(label, datetime)]


@dataclass
class DashboardList:
    key: str
    title: str
    items: list
    total: int
    empty: str  # what an empty list means, and what to do instead
    empty_link: tuple = ()  # (url, label) offered when the list is empty
    links: list = field(default_factory=list)  # [(url, label)]: change lists showing all of them (when not empty)

    @property
    def more(self):
        return self.total - len(self.items)


@dataclass
class Dashboard:
    lists: list
    integrity_report_url: str = ""
    recent_actions: list = field(default_factory=list)

    def get(self, key):
        return next((each for each in self.lists if each.key == key), None)


def _first_rows(queryset, limit):
    """(the first `limit` rows, how many rows there are): one query."""
    rows = list(queryset.annotate(dashboard_total=Window(Count("*")))[:limit])
    return rows, (rows[0].dashboard_total if rows else 0)


def _changelist(model, query=""):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{query}" if query else url


def _change_url(compound_id):
    return reverse("admin:compounds_compound_change", args=[compound_id])


def _comments_url(compound_id):
    return reverse("admin:compounds_compound_comments", args=[compound_id])


def _person(user):
    return (public_name(user) or user.get_username()) if user is not None else "someone"


def _person_fields(relation):
    return [f"{relation}__{name}" for name in ("username", "first_name", "last_name")]


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


# Only what a list line shows: profiles carry long Markdown texts.
_COMPOUND_LINE = ("name", "status", "live_snapshot", "live_snapshot__version", "review_requested_at")


def dashboard_my_drafts(*, user, limit):
    """Profiles this user saved a revision of that readers do not see as they stand: drafts, profiles in review or
    unpublished, and published ones with changes since their live version. Last saved first."""
    revisions = RevisionMeta.objects.filter(compound_key=OuterRef("pk")).order_by("-number")
    queryset = (
        Compound.objects.with_pending_changes()
        .filter(Exists(RevisionMeta.objects.filter(compound_key=OuterRef("pk"), revision__user=user)))
        .filter(~published_q() | Q(pending_revisions__gt=0))
        .annotate(
            last_saved_at=Subquery(revisions.values("revision__date_created")[:1]),
            last_saved_by=Subquery(revisions.values("revision__user")[:1]),
        )
        .select_related("live_snapshot")
        .only(*_COMPOUND_LINE)
        .order_by(F("last_saved_at").desc(nulls_last=True), "name")
    )
    rows, total = _first_rows(queryset, limit)
    items = [
        DashboardItem(
            title=compound.name,
            url=_change_url(compound.pk),
            note=compound.state_label + ("" if compound.last_saved_by == user.pk else " · last saved by someone else"),
            times=[("saved", compound.last_saved_at)],
        )
        for compound in rows
    ]
    can_add = user.has_perm("compounds.add_compound")
    return DashboardList(
        key="my_drafts",
        title="My drafts",
        items=items,
        total=total,
        empty="No drafts of yours. Start one:" if can_add else "No drafts of yours.",
        empty_link=(reverse("admin:compounds_compound_add"), "Add compound") if can_add else (),
    )


def dashboard_in_review(*, user, limit):
    """New profiles in review and published profiles whose changes were submitted, longest waiting first. Users who
    may publish see all of them; others see their own submissions."""
    queryset = (
        Compound.objects.filter(Q(status=Status.IN_REVIEW) | (published_q() & Q(review_requested_at__isnull=False)))
        .select_related("live_snapshot", "review_requested_by")
        .only(*_COMPOUND_LINE, *_person_fields("review_requested_by"))
        .order_by(F("review_requested_at").asc(nulls_first=True), "name")
    )
    reviewing = user.has_perm("compounds.publish_compound")
    if not reviewing:
        queryset = queryset.filter(review_requested_by=user)
    rows, total = _first_rows(queryset, limit)
    items = [
        DashboardItem(
            title=compound.name,
            url=_change_url(compound.pk),
            note=compound.state_label
            + (f" · submitted by {_person(compound.review_requested_by)}" if reviewing else ""),
            times=[("submitted", compound.review_requested_at)] if compound.review_requested_at else [],
        )
        for compound in rows
    ]
    links = [
        (_changelist(Compound, f"status__exact={Status.IN_REVIEW}"), "New profiles in review"),
        (_changelist(Compound, "changes=in_review"), "Changes in review"),
    ]
    if reviewing:
        return DashboardList(
            key="in_review",
            title="Waiting for review",
            items=items,
            total=total,
            empty="Nothing is waiting for review.",
            links=links,
        )
    return DashboardList(
        key="my_submissions",
        title="Your submissions waiting for review",
        items=items,
        total=total,
        empty="None of your submissions is waiting: submit a draft with “Submit for review” on its page.",
        links=links,
    )


def dashboard_scheduled(*, limit):
    """Profiles with a publication or expiry scheduled, soonest first."""
    queryset = (
        Compound.objects.filter(Q(go_live_at__isnull=False) | Q(expire_at__isnull=False))
        .annotate(next_event=Least(Coalesce("go_live_at", "expire_at"), Coalesce("expire_at", "go_live_at")))
        .select_related("live_snapshot")
        .only(*_COMPOUND_LINE, "go_live_at", "expire_at")
        .order_by("next_event", "name")
    )
    rows, total = _first_rows(queryset, limit)
    items = [
        DashboardItem(
            title=compound.name,
            url=_change_url(compound.pk),
            note=compound.state_label,
            times=[
                (label, when)
                for label, when in (("publish", compound.go_live_at), ("unpublish", compound.expire_at))
                if when
            ],
        )
        for compound in rows
    ]
    return DashboardList(
        key="scheduled",
        title="Scheduled to publish or unpublish",
        items=items,
        total=total,
        empty="Nothing is scheduled. Reviewers schedule from a profile's page.",
        links=[
            (_changelist(Compound, "go_live_at__isnull=False"), "All scheduled to publish"),
            (_changelist(Compound, "expire_at__isnull=False"), "All scheduled to unpublish"),
        ],
    )


def dashboard_recently_published(*, limit):
    """The latest published versions, with who published them; linked to the public page while it is public."""
    queryset = (
        ProfileSnapshot.objects.select_related("compound__live_snapshot")
        .only(
            "name",
            "version",
            "published_at",
            "published_by_name",
            "minor",
            "compound__status",
            "compound__live_snapshot",
            "compound__live_snapshot__slug",
            "compound__live_snapshot__version",
        )
        .order_by("-published_at", "-id")
    )
    rows, total = _first_rows(queryset, limit)
    items = []
    for snapshot in rows:
        compound = snapshot.compound
        if not compound.is_live:
            url, public = reverse("admin:compounds_profilesnapshot_change", args=[snapshot.pk]), "not public now"
        elif compound.live_snapshot.version == snapshot.version:
            url, public = reverse("compounds:detail", args=[compound.live_snapshot.slug]), ""
        else:
            url, public = reverse("compounds:version", args=[compound.live_snapshot.slug, snapshot.version]), ""
        by = f"by {snapshot.published_by_name}" if snapshot.published_by_name else ""
        note = " · ".join(part for part in ("minor version" if snapshot.minor else "", by, public) if part)
        items.append(
            DashboardItem(
                title=f"{snapshot.name} v{snapshot.version}",
                url=url,
                note=note[:1].upper() + note[1:],
                times=[("published", snapshot.published_at)],
            )
        )
    return DashboardList(
        key="recently_published",
        title="Recently published",
        items=items,
        total=total,
        empty="Nothing has been published yet.",
        links=[(_changelist(ProfileSnapshot), "All published versions")],
    )


def dashboard_open_comments(*, limit):
    """Review threads nobody has resolved yet (each blocks publishing its profile), newest first."""
    queryset = (
        ReviewComment.objects.unresolved()
        .select_related("compound", "author")
        .only("body", "target_label", "created_at", "compound__name", *_person_fields("author"))
        .order_by("-created_at", "-id")
    )
    rows, total = _first_rows(queryset, limit)
    items = [
        DashboardItem(
            title=f"{comment.compound.name}: {comment.target_label or 'the profile as a whole'}",
            url=_comments_url(comment.compound_id),
            note=f"“{Truncator(comment.body).chars(100)}” — {_person(comment.author)}",
            times=[("commented", comment.created_at)],
        )
        for comment in rows
    ]
    return DashboardList(
        key="open_comments",
        title="Open review comments",
        items=items,
        total=total,
        empty="No open review comments: every thread is resolved.",
    )


def dashboard_retracted_citations(*, limit):
    """Profiles whose draft cites a retracted source (publishing them is refused until it is replaced)."""
    retracted = Citation.objects.filter(compound=OuterRef("pk"), source__retracted=True)
    queryset = (
        Compound.objects.filter(Exists(retracted))
        .annotate(
            retracted_total=Subquery(
                retracted.order_by().values("compound").annotate(n=Count("*")).values("n"),
                output_field=IntegerField(),
            )
        )
        .select_related("live_snapshot")
        .only(*_COMPOUND_LINE)
        .order_by("name")
    )
    rows, total = _first_rows(queryset, limit)
    items = [
        DashboardItem(
            title=compound.name,
            url=_change_url(compound.pk),
            note=f"Cites {_plural(compound.retracted_total, 'retracted source')} · {compound.state_label}",
        )
        for compound in rows
    ]
    return DashboardList(
        key="retracted_citations",
        title="Profiles citing retracted sources",
        items=items,
        total=total,
        empty="No profile cites a retracted source.",
    )


def dashboard_sources_to_check(*, limit):
    """Sources that profiles cite (or findings rest on) although they are retracted or unverified; retracted first."""
    citations = Citation.objects.filter(source=OuterRef("pk"))
    queryset = (
        Source.objects.filter(Q(retracted=True) | Q(verification=Verification.UNVERIFIED))
        .filter(Exists(citations) | Exists(Finding.objects.filter(source=OuterRef("pk"))))
        .annotate(
            profile_total=Coalesce(
                Subquery(citations.order_by().values("source").annotate(n=Count("*")).values("n")),
                0,
                output_field=IntegerField(),
            )
        )
        .only("key", "retracted", "verification")
        .order_by("-retracted", "key")
    )
    rows, total = _first_rows(queryset, limit)
    items = [
        DashboardItem(
            title=f"@{source.key}",
            url=source.get_admin_url(),
            note=f"{'Retracted' if source.retracted else 'Unverified'} · "
            + (f"cited by {_plural(source.profile_total, 'profile')}" if source.profile_total else "used by findings"),
        )
        for source in rows
    ]
    return DashboardList(
        key="sources_to_check",
        title="Cited sources that are retracted or unverified",
        items=items,
        total=total,
        empty="Every cited source is verified (or probable) and none is retracted.",
        links=[
            (_changelist(Source, "retracted__exact=1"), "All retracted sources"),
            (_changelist(Source, f"verification__exact={Verification.UNVERIFIED}"), "All unverified sources"),
        ],
    )


def dashboard_recent_actions(*, user, limit=10):
    """The user's latest admin actions (the admin index's usual sidebar), read here rather than by a template tag."""
    return list(LogEntry.objects.filter(user=user).select_related("content_type")[:limit])


def dashboard_for(*, user, limit=8):
    """The admin index's lists for this user, each one query, limited to what their permissions let them view."""
    can = user.has_perm
    sees_profiles = can("compounds.view_compound") or can("compounds.change_compound")
    lists = []
    if sees_profiles:
        lists += [dashboard_my_drafts(user=user, limit=limit), dashboard_in_review(user=user, limit=limit)]
    if can("compounds.view_reviewcomment"):
        lists.append(dashboard_open_comments(limit=limit))
    if sees_profiles:
        lists.append(dashboard_scheduled(limit=limit))
    if can("compounds.view_profilesnapshot"):
        lists.append(dashboard_recently_published(limit=limit))
    if sees_profiles:
        lists.append(dashboard_retracted_citations(limit=limit))
    sees_sources = can("evidence.view_source") or can("evidence.change_source")
    if sees_sources:
        lists.append(dashboard_sources_to_check(limit=limit))
    return Dashboard(
        lists=lists,
        integrity_report_url=reverse("admin:evidence_source_integrity") if sees_sources else "",
        recent_actions=dashboard_recent_actions(user=user),
    )


def public_change_log(*, compound_id):
    """Published versions for the public change log, newest first; minor ones hidden."""
    return (
        ProfileSnapshot.objects.filter(compound_id=compound_id, minor=False)
        .only("version", "published_at", "edit_summary", "published_by_name", "slug")
        .order_by("-version")
    )


def published_version_get(*, slug, version):
    """(that version, the live version) of a currently published profile. Two queries."""
    current = published_snapshot_get(slug=slug)
    if current.version == version:
        return current, current
    return ProfileSnapshot.objects.get(compound_id=current.compound_id, version=version), current


def review_threads(*, compound):
    """The review threads on a profile, open ones first (oldest first), then the resolved ones; each with its
    `replies`, and every author and the revision it was made on. Two queries however many threads."""
    replies = ReviewComment.objects.select_related("author", "revision__meta").order_by("created_at", "id")
    return (
        ReviewComment.objects.threads()
        .filter(compound_id=compound.pk)
        .select_related("author", "resolved_by", "revision__meta")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by(Case(When(resolved_at__isnull=True, then=Value(0)), default=Value(1)), "created_at", "id")
    )


def review_threads_by_anchor(*, compound, open_only=True):
    """{anchor: [threads]} for showing threads on the compound form beside what they are about (the anchor of
    `models.review.target_anchor`; a comment on the draft in general is under `target_anchor(None, None)`)."""
    threads = review_threads(compound=compound)
    if open_only:
        threads = threads.filter(resolved_at__isnull=True)
    by_anchor = {}
    for thread in threads:
        by_anchor.setdefault(thread.anchor, []).append(thread)
    return by_anchor
