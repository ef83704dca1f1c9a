"""Setting up a team: a role is what opens the admin to someone, in the user admin and on the command line."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from compounds.models import Category
from compounds.services import editor_roles_set
from tests.factories import CategoryFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def group_id(name):
    return Group.objects.get(name=name).pk


def test_giving_a_role_opens_the_admin_and_taking_every_role_away_closes_it(client):
    person = UserFactory(username="pat", is_staff=False)
    editor_roles_set(user=person, roles=["editor"])
    assert person.is_staff and client.login(username="pat", password="correct horse battery staple")
    assert client.get(reverse("admin:index")).status_code == 200
    editor_roles_set(user=person, roles=["editor", "reviewer"])
    assert set(person.groups.values_list("name", flat=True)) == {"Editors", "Reviewers"}
    editor_roles_set(user=person, roles=[])
    person.refresh_from_db()
    assert not person.is_staff and not person.groups.exists()


def test_a_superuser_keeps_the_admin_without_a_role():
    boss = StaffFactory(username="boss", is_superuser=True)
    editor_roles_set(user=boss, roles=["reviewer"])
    editor_roles_set(user=boss, roles=[])
    boss.refresh_from_db()
    assert boss.is_staff


def test_an_unknown_role_is_refused_by_name():
    with pytest.raises(ValidationError, match="Unknown role publisher: choose from editor, reviewer"):
        editor_roles_set(user=UserFactory(), roles=["publisher"])


def test_admin_adds_an_editor_by_role_only_and_they_can_log_in(admin_client, client):
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "ed.new",
            "first_name": "Ed",
            "last_name": "Newman",
            "email": "ed@example.org",
            "groups": [group_id("Editors")],
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "The role lets Ed Newman (ed.new) log in to the admin." in response.content.decode()
    person = User.objects.get(username="ed.new")
    assert person.is_staff and not person.is_superuser
    assert client.login(username="ed.new", password="a long enough passphrase")
    assert client.get(reverse("admin:compounds_compound_add")).status_code == 200


def test_removing_the_last_role_in_the_user_admin_ends_admin_access(admin_client):
    person = StaffFactory(username="leaver")
    editor_roles_set(user=person, roles=["reviewer"])
    url = reverse("admin:auth_user_change", args=[person.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "groups"}
    data.update(
        username="leaver", date_joined_0="2026-01-01", date_joined_1="00:00:00", last_login_0="", last_login_1=""
    )
    data.pop("date_joined", None), data.pop("last_login", None), data.pop("user_permissions", None)
    response = admin_client.post(url, data, follow=True)
    assert "With no editorial role left, Leaver Tester (leaver) can no longer log in." in response.content.decode()
    person.refresh_from_db()
    assert not person.is_staff


def test_the_add_form_offers_roles_with_what_they_mean(admin_client):
    html = admin_client.get(reverse("admin:auth_user_add")).content.decode()
    assert "Roles" in html and "Giving someone a role lets them log in to the admin" in html
    assert 'type="checkbox" name="groups"' in html


def test_create_editor_makes_a_reviewer_who_can_log_in(capsys, client):
    call_command("create_editor", "rev.one", "--role", "reviewer", "--email", "r@example.org", "--name", "Rae View")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Created reviewer rev.one. Password (give it to them; they can change it):"
    person = User.objects.get(username="rev.one")
    assert person.get_full_name() == "Rae View" and person.email == "r@example.org"
    assert person.groups.get().name == "Reviewers" and person.is_staff
    assert client.login(username="rev.one", password=out[1])


def test_create_editor_sets_the_role_of_an_existing_user_and_refuses_nonsense(capsys):
    UserFactory(username="known", is_staff=False)
    call_command("create_editor", "known", "--role", "editor")
    assert "known is now an editor and can log in to the admin. Password unchanged." in capsys.readouterr().out
    assert User.objects.get(username="known").is_staff
    with pytest.raises(CommandError):
        call_command("create_editor", "x", "--role", "publisher")


def test_editors_add_categories_and_reviewers_delete_them(client, editor, reviewer):
    client.force_login(editor)
    response = client.post(
        reverse("admin:compounds_category_add"), {"name": "Sleep", "slug": "sleep", "position": 0}, follow=True
    )
    assert response.status_code == 200 and Category.objects.filter(slug="sleep").exists()
    category = CategoryFactory(slug="gone", name="Gone")
    assert (
        client.post(reverse("admin:compounds_category_delete", args=[category.pk]), {"post": "yes"}).status_code == 403
    )
    client.force_login(reviewer)
    client.post(reverse("admin:compounds_category_delete", args=[category.pk]), {"post": "yes"})
    assert not Category.objects.filter(slug="gone").exists()
