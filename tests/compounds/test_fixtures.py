"""Portable fixtures: a natural-key dump of a live site loads into an empty database and into one holding other
profiles, and every published page reads the same afterwards."""

import io
import json

import pytest
from django.core.management import call_command

from compounds.models import Category, Compound, ProfileSnapshot, Section, Specification, Status
from compounds.services import compound_publish, review_comment_add
from evidence.models import Outcome, Source
from tests.factories import CompoundFactory, SectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

DUMP = ["compounds", "evidence", "--natural-foreign", "--natural-primary"]


def public_urls():
    urls = ["/", "/compounds/"]
    for snapshot in ProfileSnapshot.objects.live():
        base = f"/compounds/{snapshot.slug}/"
        urls += [base, f"{base}history/", f"{base}v/{snapshot.version}/"]
        if snapshot.references:  # a profile citing nothing has no download
            urls += [f"{base}references.{fmt}" for fmt in ("ris", "bib", "json")]
    urls += [category.get_absolute_url() for category in Category.objects.all()]
    return urls


def pages(client):
    result = {}
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        result[url] = response.content
    return result


def dump(tmp_path):
    path = tmp_path / "site.json"
    call_command("dumpdata", *DUMP, output=str(path), verbosity=0)
    return path


def delete_content():
    # Variants first: a compound cannot be deleted while a variant points at it.
    Compound.objects.filter(parent__isnull=False).delete()
    Compound.objects.all().delete()
    Source.objects.all().delete()
    Outcome.objects.all().delete()
    Category.objects.all().delete()


def test_dump_loaded_into_an_empty_database_gives_every_published_page_byte_for_byte(client, tmp_path):
    before = pages(client)
    assert len(before) >= 12
    old_ids = set(Compound.objects.values_list("pk", flat=True))
    path = dump(tmp_path)
    assert '"pk"' not in path.read_text()  # nothing in the dump depends on this database's ids

    delete_content()
    call_command("loaddata", str(path), verbosity=0)

    assert not old_ids & set(Compound.objects.values_list("pk", flat=True))  # loaded under new ids
    assert pages(client) == before


def test_dump_loads_beside_other_profiles_without_touching_them(client, tmp_path):
    demo_pages = pages(client)
    selank = Compound.objects.get(slug="selank")
    taken = {"compound": selank.pk, "snapshot": selank.live_snapshot_id, "section": selank.sections.first().pk}
    path = dump(tmp_path)
    delete_content()
    # Another site's profile that happens to hold the very ids the demo had here.
    other = CompoundFactory(pk=taken["compound"], name="BPC-157", slug="bpc-157", summary="A gastric peptide.")
    SectionFactory(pk=taken["section"], compound=other, title="Overview", anchor="overview", body="Stable.")
    compound_publish(compound=other)
    ProfileSnapshot.objects.filter(compound=other).update(id=taken["snapshot"])
    Compound.objects.filter(pk=other.pk).update(live_snapshot_id=taken["snapshot"])
    other_page = client.get("/compounds/bpc-157/").content

    call_command("loaddata", str(path), verbosity=0)

    assert client.get("/compounds/bpc-157/").content == other_page
    assert list(Section.objects.filter(compound=other).values_list("title", "body")) == [("Overview", "Stable.")]
    for url, content in demo_pages.items():
        if url in ("/", "/compounds/"):
            continue  # these list BPC-157 too now
        assert client.get(url).content == content, url
    assert Compound.objects.published().count() == 3


def test_loading_keeps_each_profiles_workflow_state_and_published_versions_are_public_at_once(client):
    states = dict(Compound.objects.values_list("slug", "status"))
    assert states == {
        "selank": Status.PUBLISHED,
        "semax": Status.PUBLISHED,
        "n-acetyl-selank": Status.DRAFT,
        "n-acetyl-selank-amidate": Status.DRAFT,
    }
    assert client.get("/compounds/selank/").status_code == 200
    assert client.get("/compounds/n-acetyl-selank/").status_code == 404


def test_loading_the_same_dump_again_updates_rows_in_place(tmp_path):
    path = dump(tmp_path)
    counts = {model: model.objects.count() for model in (Compound, Specification, Section, Source, ProfileSnapshot)}
    Specification.objects.filter(compound__slug="selank", label="Origin").update(value="Changed here")

    call_command("loaddata", str(path), verbosity=0)

    assert {model: model.objects.count() for model in counts} == counts
    assert Specification.objects.get(compound__slug="selank", label="Origin").value != "Changed here"


def test_demo_fixture_names_rows_by_natural_keys_only():
    from django.conf import settings

    fixture = json.loads((settings.BASE_DIR / "fixtures" / "demo.json").read_text())
    assert all("pk" not in record for record in fixture)
    snapshots = [record for record in fixture if record["model"] == "compounds.profilesnapshot"]
    assert {tuple(record["fields"]["compound"]) for record in snapshots} == {("selank",), ("semax",)}
    assert all("published_by" not in record["fields"] for record in snapshots)  # accounts stay on their site


def test_a_portable_dump_leaves_out_site_local_history_and_says_so(demo, reviewer):
    assert demo.revision_metas.exists()
    # A review comment points at this site's revision and rows by id: loaded elsewhere it would overwrite theirs.
    review_comment_add(compound=demo, user=reviewer, body="Which trial?", target=demo.sections.first())
    for args in (["--natural-foreign", "--natural-primary"], DUMP):
        out, err = io.StringIO(), io.StringIO()
        call_command("dumpdata", *args, stdout=out, stderr=err)
        models = {record["model"] for record in json.loads(out.getvalue())}
        assert "compounds.compound" in models
        assert not models & {
            "compounds.revisionmeta",
            "compounds.reviewcomment",
            "reversion.revision",
            "reversion.version",
            "admin.logentry",
        }
        assert "compounds.RevisionMeta" in err.getvalue() and "compounds.ReviewComment" in err.getvalue()


def test_a_dump_with_database_ids_still_carries_everything_for_a_backup(demo):
    out = io.StringIO()
    call_command("dumpdata", "compounds", stdout=out)
    assert "compounds.revisionmeta" in {record["model"] for record in json.loads(out.getvalue())}
