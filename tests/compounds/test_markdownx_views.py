import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


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
