from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from compounds import models as cm
from evidence.models import Outcome, OutcomeGrade, Population, Source, StudyDesign, Verification


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    # People have names: public pages name reviewers by them, never by the login.
    first_name = factory.LazyAttribute(lambda user: user.username.split(".")[0].capitalize())
    last_name = "Tester"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    is_staff = True


class SuperuserFactory(StaffFactory):
    is_superuser = True


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"author{2000 + n}")
    authors = "Doe J, Roe R"
    title = factory.Sequence(lambda n: f"A study of compound effects number {n}")
    journal = "J Test Med"
    year = 2020
    doi = factory.Sequence(lambda n: f"10.1000/test.{n}")
    pmid = factory.Sequence(lambda n: 30000000 + n)
    study_design = StudyDesign.ANIMAL
    population = Population.ANIMAL
    species = "rats"
    verification = Verification.VERIFIED


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Compound

    name = factory.Sequence(lambda n: f"Peptide {n}")
    slug = factory.Sequence(lambda n: f"peptide-{n}")
    summary = "A peptide studied for testing."
    what_is_this = "An intro paragraph."
    evidence_level_best = 3
    risk_profile = cm.RiskProfile.LOW


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Section

    compound = factory.SubFactory(CompoundFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    anchor = factory.Sequence(lambda n: f"section-{n}")
    body = "Body text."


class DosingProtocolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.DosingProtocol

    compound = factory.SubFactory(CompoundFactory)
    name = factory.Sequence(lambda n: f"Protocol {n}")
    amount_low = Decimal("250")
    amount_high = Decimal("500")
    unit = cm.DoseUnit.MCG
    amount_text = "250-500mcg"
    doses_per_day_low = 2
    doses_per_day_high = 3
    frequency_text = "2-3x daily"


class VendorOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.VendorOffer

    compound = factory.SubFactory(CompoundFactory)
    vendor = "Example Labs"
    amount_mg = Decimal("5")
    price = Decimal("30")
    url = "https://example.org/offer"
    checked_on = date(2026, 11, 1)


class OutcomeGradeFactory(factory.django.DjangoModelFactory):
    """A reviewer's override of an outcome's grade (the demo's "memory" outcome unless told otherwise)."""

    class Meta:
        model = OutcomeGrade

    compound = factory.SubFactory(CompoundFactory)
    outcome = factory.LazyFunction(lambda: Outcome.objects.get(slug="memory"))
    level = 5
    reason = "Animal studies only."


# --- One factory per kind of profile row, for profiles of any size (tests/compounds/admin/test_query_counts.py) ---


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    name = factory.Sequence(lambda n: f"Outcome {n}")
    slug = factory.Sequence(lambda n: f"outcome-{n}")


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Citation

    compound = factory.SubFactory(CompoundFactory)
    source = factory.SubFactory(SourceFactory)
    number = factory.Sequence(lambda n: n + 1)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evidence.Finding"

    compound = factory.SubFactory(CompoundFactory)
    outcome = factory.SubFactory(OutcomeFactory)
    source = factory.SubFactory(SourceFactory)
    claim = factory.Sequence(lambda n: f"Claim number {n}.")


class SynonymFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Synonym

    compound = factory.SubFactory(CompoundFactory)
    name = factory.Sequence(lambda n: f"Synonym {n}")


class SpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Specification

    compound = factory.SubFactory(CompoundFactory)
    label = factory.Sequence(lambda n: f"Property {n}")
    value = "A value."


class RegulatoryStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.RegulatoryStatus

    compound = factory.SubFactory(CompoundFactory)
    jurisdiction = factory.Sequence(lambda n: f"Country {n}")
    note = "Checked against the register."


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.GlossaryTerm

    compound = factory.SubFactory(CompoundFactory)
    term = factory.Sequence(lambda n: f"Term {n}")
    meaning = "What the term means."


class ComparisonTableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.ComparisonTable

    compound = factory.SubFactory(CompoundFactory)
    title = factory.Sequence(lambda n: f"Comparison {n}")
    anchor = factory.Sequence(lambda n: f"comparison-{n}")
    subject_label = "This compound"
    other_label = "The other"
    note = "A note under the table."


class UseCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.UseCase

    compound = factory.SubFactory(CompoundFactory)
    title = factory.Sequence(lambda n: f"Use case {n}")
    anchor = factory.Sequence(lambda n: f"use-case-{n}")
    body = "Why and how."


class AdministrationStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.AdministrationStep

    compound = factory.SubFactory(CompoundFactory)
    text = factory.Sequence(lambda n: f"Step {n}.")


class TimeCourseFactory(factory.django.DjangoModelFactory):
    """One phase per profile at most: a profile holds as many rows as there are phases."""

    class Meta:
        model = cm.TimeCourse

    compound = factory.SubFactory(CompoundFactory)
    phase = factory.Iterator(cm.TimePhase.values)
    text = "10-20 minutes"


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.TimelineEntry

    compound = factory.SubFactory(CompoundFactory)
    timeframe = factory.Sequence(lambda n: f"Day {n}")
    effects = "What users report."


class SideEffectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.SideEffect

    compound = factory.SubFactory(CompoundFactory)
    effect = factory.Sequence(lambda n: f"Effect {n}")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Interaction

    compound = factory.SubFactory(CompoundFactory)
    substance = factory.Sequence(lambda n: f"Substance {n}")
    effect = "Not known."


class ContraindicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Contraindication

    compound = factory.SubFactory(CompoundFactory)
    condition = factory.Sequence(lambda n: f"Condition {n}")


class LimitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Limitation

    compound = factory.SubFactory(CompoundFactory)
    title = factory.Sequence(lambda n: f"Limitation {n}")


class RelatedCompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.RelatedCompound

    compound = factory.SubFactory(CompoundFactory)
    related = factory.SubFactory(CompoundFactory)
