import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from compounds.models import ComparisonTable
from compounds.page import profile_build
from compounds.selectors import compound_for_profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_anonymous_preview_post_is_refused(client):
    response = client.post(reverse("markdownx_markdownify"), {"content": "**hi**"})
    assert response.status_code in (302, 403)
    assert b"<strong>" not in response.content


def test_anonymous_upload_is_refused(client):
    response = client.post(reverse("markdownx_upload"), {"image": SimpleUploadedFile("a.png", b"x", "image/png")})
    assert response.status_code in (302, 403)


def test_staff_preview_uses_the_sanitizing_renderer(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("markdownx_markdownify"), {"content": '**hi** <img src=x onerror="alert(1)"> [@ghost]'}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>hi</strong>" in html and "onerror" not in html
    assert "Unknown citation key(s): @ghost" in html


def _png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def editor(staff_user, client):
    staff_user.user_permissions.add(Permission.objects.get(codename="change_compound"))
    client.force_login(staff_user)
    return client


def test_upload_accepts_real_png(editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = editor.post(
        reverse("markdownx_upload"),
        {"image": SimpleUploadedFile("dot.png", _png_bytes(), "image/png")},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["image_code"].startswith("![](")


@pytest.mark.parametrize(
    "name, payload, content_type",
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/png"),
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
        ("fake.jpg", b"not an image at all", "image/jpeg"),
    ],
)
def test_upload_refuses_anything_but_real_jpeg_or_png(editor, settings, tmp_path, name, payload, content_type):
    settings.MEDIA_ROOT = tmp_path
    response = editor.post(
        reverse("markdownx_upload"),
        {"image": SimpleUploadedFile(name, payload, content_type)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert not list(tmp_path.rglob("*.*"))


def test_upload_needs_the_change_permission(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("markdownx_upload"), {"image": SimpleUploadedFile("a.png", _png_bytes(), "image/png")}
    )
    assert response.status_code == 403


def preview(client, content, compound=None):
    url = reverse("markdownx_markdownify")
    if compound is not None:
        url = f"{url}?compound={compound}"
    response = client.post(url, {"content": content})
    assert response.status_code == 200
    return response.content.decode()


def page_numbers(compound):
    return {
        ref.source.key: ref.number for ref in profile_build(compound_for_profile(pk=compound.pk)).registry.references
    }


def test_preview_numbers_citations_as_the_saved_page_does(editor, demo):
    numbers = page_numbers(demo)
    third = next(key for key, number in numbers.items() if number == 3)
    last = max(numbers, key=numbers.get)
    # Cited later on the page than the third, first in this field: counted per field it would be 1.
    html = preview(editor, f"Seen again [@{last}] and [@{third}].", compound=demo.pk)
    assert f'aria-label="Reference {numbers[last]}"' in html
    assert 'aria-label="Reference 3"' in html
    assert 'aria-label="Reference 1"' not in html
    assert "from this field only" not in html


def test_a_source_the_saved_draft_does_not_cite_is_marked_new_not_numbered(editor, demo):
    numbers = page_numbers(demo)
    assert "kozlovskii2002" not in numbers
    html = preview(editor, "Also [@kozlovskii2002] and [@ghost].", compound=demo.pk)
    assert "[new: @kozlovskii2002 — numbered on save]" in html
    assert 'aria-label="Reference' not in html
    assert "Unknown citation key(s): @ghost" in html


def test_a_new_profile_numbers_per_field_and_says_so(editor):
    html = preview(editor, "[@kolik2019]")
    assert 'aria-label="Reference 1"' in html
    assert "Numbers count from this field only until the profile is saved." in html


def test_without_permission_on_the_profile_the_preview_shows_nothing_of_its_draft(client, staff_user, demo):
    client.force_login(staff_user)
    content = "[@kolik2019] [@kozlovskii2002]"
    html = preview(client, content, compound=demo.pk)
    assert 'aria-label="Reference 1"' in html and 'aria-label="Reference 2"' in html
    assert "new:" not in html
    # A profile that does not exist answers exactly as one the user may not see.
    assert preview(client, content, compound=10**9) == html


@pytest.mark.parametrize("compound", ["selank", "1 OR 1=1", ""])
def test_a_bad_compound_id_falls_back_to_per_field_numbering(editor, compound):
    assert 'aria-label="Reference 1"' in preview(editor, "[@kolik2019]", compound=compound)


def test_the_compound_form_s_editors_name_their_profile_and_the_add_form_s_do_not(admin_client, demo):
    url = reverse("markdownx_markdownify")
    change = admin_client.get(reverse("admin:compounds_compound_change", args=[demo.pk])).content.decode()
    # The compound's own fields and the Markdown of its inlines' rows (sections) alike.
    assert change.count(f'data-markdownx-urls-path="{url}?compound={demo.pk}"') >= demo.sections.count() + 1
    assert f'data-markdownx-urls-path="{url}"' not in change
    add = admin_client.get(reverse("admin:compounds_compound_add")).content.decode()
    assert f'data-markdownx-urls-path="{url}"' in add and "?compound=" not in add


def test_a_comparison_table_s_note_editor_names_the_table_s_profile(admin_client, demo):
    table = ComparisonTable.objects.filter(compound=demo).first()
    html = admin_client.get(reverse("admin:compounds_comparisontable_change", args=[table.pk])).content.decode()
    assert f'data-markdownx-urls-path="{reverse("markdownx_markdownify")}?compound={demo.pk}"' in html
