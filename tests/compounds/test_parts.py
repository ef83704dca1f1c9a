"""The parts registry is complete and consistent: what a profile is made of is said there and nowhere else."""

from pathlib import Path

import pytest
import reversion
from django.conf import settings

from compounds.fields import InlineMarkdownField, MarkdownField, markdown_fields
from compounds.models import Citation, Compound, Interaction, ProfileSnapshot, ReviewComment, RevisionMeta
from compounds.parts import PAGE, PARTS, Part, markdown_texts, page_order, part_for, profile_prefetch

# Rows that belong to a compound but are records of it, not content an editor writes.
# What Monograph records about a profile rather than its content: no revision holds these.
RECORDS = {ProfileSnapshot, RevisionMeta, ReviewComment}


def content_relations():
    return {
        relation.related_model
        for relation in Compound._meta.related_objects
        if relation.one_to_many and relation.field.name == "compound"
    }


def test_every_kind_of_row_a_compound_owns_is_a_part_or_a_record():
    assert content_relations() - RECORDS == {part.model for part in PARTS}


def test_keys_and_anchors_are_unique():
    keys = [block.key for block in PAGE]
    anchors = [block.anchor for block in PAGE if block.anchor]
    assert len(keys) == len(set(keys)) and len(anchors) == len(set(anchors))


def test_a_parts_key_is_its_relation_on_the_compound():
    for part in PARTS:
        assert Compound._meta.get_field(part.key).related_model is part.model


def test_every_markdown_text_of_the_compound_is_shown_in_some_block():
    shown = {name for block in PAGE for name in block.compound_fields}
    assert {f.name for f in markdown_fields(Compound)} <= shown


def test_markdown_fields_are_found_from_the_field_type():
    assert {f.name for f in markdown_fields(Interaction)} == {"effect", "mechanism"}
    for model in [Compound, *(part.model for part in PARTS)]:
        declared = [f for f in model._meta.concrete_fields if isinstance(f, (MarkdownField, InlineMarkdownField))]
        assert list(markdown_fields(model)) == declared


def test_every_block_shown_in_the_body_has_its_template():
    template_dir = Path(settings.BASE_DIR) / "templates"
    missing = [block.template for block in PAGE if block.in_body and not (template_dir / block.template).exists()]
    assert missing == []


def test_versioned_parts_are_registered_with_reversion_and_follow_the_compound():
    assert reversion.is_registered(Compound)
    for part in PARTS:
        assert reversion.is_registered(part.model) == part.versioned, part.key
        for child in part.children:
            assert reversion.is_registered(child.model)
    follow = reversion.revisions._get_options(Compound).follow
    assert {part.key for part in PARTS if part.versioned} <= set(follow)


def test_page_order_puts_the_compound_first_and_a_tables_rows_after_the_table():
    from compounds.models import ComparisonRow, ComparisonTable, Section, VendorOffer

    assert page_order(Compound) == 0
    assert page_order(Section) < page_order(ComparisonTable) < page_order(ComparisonRow) < page_order(VendorOffer)
    assert part_for(ComparisonRow) is part_for(ComparisonTable)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data")
def test_every_markdown_text_of_a_profile_is_walked_without_a_query(django_assert_num_queries):
    compound = Compound.objects.prefetch_related(*profile_prefetch()).get(slug="selank")
    with django_assert_num_queries(0):
        texts = [(type(obj).__name__, field.name) for obj, field in markdown_texts(compound)]
    assert ("Compound", "what_is_this") in texts
    assert ("Interaction", "effect") in texts and ("ComparisonRow", "subject_value") in texts
    assert texts.index(("Compound", "what_is_this")) < texts.index(("Section", "body"))
    assert not any(name == "Citation" for name, _ in texts)


def test_every_part_is_a_part_instance():
    assert all(isinstance(part, Part) for part in PARTS) and Citation in {part.model for part in PARTS}
