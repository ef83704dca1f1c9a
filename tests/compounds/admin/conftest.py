import pytest
from django.contrib.auth.models import Group

from tests.factories import StaffFactory


def member_of(group_name, username):
    user = StaffFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return member_of("Editors", "eddie")


@pytest.fixture
def reviewer(db):
    return member_of("Reviewers", "rita")
