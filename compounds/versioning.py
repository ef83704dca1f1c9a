"""What django-reversion stores for a profile: the compound and every child row, as one revision.

Registered from AppConfig.ready(). The compound follows its children and each
child follows its compound, so saving either side records the whole profile.
"""

import reversion

PROFILE_CHILDREN = (
    "synonyms",
    "regulatory_statuses",
    "specifications",
    "glossary_terms",
    "sections",
    "comparison_tables",
    "use_cases",
    "dosing_protocols",
    "administration_steps",
    "time_course",
    "timeline",
    "side_effects",
    "contraindications",
    "limitations",
    "related_links",
    "vendor_offers",
    "findings",
    "outcome_grades",
    "citations",
)


def register_models():
    from evidence.models import Finding, OutcomeGrade, Source

    from . import models as m

    if reversion.is_registered(m.Compound):
        return
    reversion.register(m.Compound, follow=PROFILE_CHILDREN)
    for model in (
        m.Synonym,
        m.RegulatoryStatus,
        m.Specification,
        m.GlossaryTerm,
        m.Section,
        m.UseCase,
        m.DosingProtocol,
        m.AdministrationStep,
        m.TimeCourse,
        m.TimelineEntry,
        m.SideEffect,
        m.Contraindication,
        m.Limitation,
        m.RelatedCompound,
        m.VendorOffer,
        m.Citation,
        Finding,
        OutcomeGrade,
    ):
        reversion.register(model, follow=("compound",))
    reversion.register(m.ComparisonTable, follow=("compound", "rows"))
    reversion.register(m.ComparisonRow, follow=("table",))
    if not reversion.is_registered(Source):  # SourceAdmin (a VersionAdmin) may have registered it already
        reversion.register(Source)
