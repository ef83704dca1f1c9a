"""The citation-key rule of every Markdown field, and what it costs."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compounds.validators import citation_keys_resolved, validate_citation_keys
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources():
    return {key: SourceFactory(key=key) for key in ["alpha", "beta"]}


def test_unknown_key_is_a_validation_error_naming_the_key(sources):
    with pytest.raises(ValidationError) as error:
        validate_citation_keys("Fine [@alpha], broken [@ghost] and [@doi:10.9/none].")
    message = error.value.messages[0]
    assert "@ghost" in message and "@doi:10.9/none" in message and "@alpha" not in message


def test_keys_resolved_for_a_whole_form_cost_one_query(sources):
    texts = [f"Field {n} cites [@alpha] and [@beta]." for n in range(20)] + ["And one unknown [@ghost]."]
    with CaptureQueriesContext(connection) as queries, citation_keys_resolved(texts):
        errors = []
        for text in texts:
            try:
                validate_citation_keys(text)
            except ValidationError as error:
                errors.extend(error.messages)
    assert len(queries) == 1
    assert errors == ["Unknown citation key: @ghost. Add the source under Evidence › Sources or correct the key."]


def test_a_key_outside_the_resolved_texts_is_still_checked(sources):
    with citation_keys_resolved(["Only [@alpha]."]), pytest.raises(ValidationError, match="@gamma"):
        validate_citation_keys("A key nobody resolved yet [@gamma].")
