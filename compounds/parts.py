"""What a profile is made of, in page order: one entry per kind of child row (a part), plus the few blocks of
the page that hold only the compound's own fields.

Everything that walks a profile reads `PAGE` (or `PARTS`, its child-row entries): the revision registration
(what one revision holds), the profile prefetch, the compound form's inlines, page assembly and its table of
contents, the compare view's ordering, the citation walk, the source merge's rewriting, the integrity report
and the admin smoke tests. A part's Markdown is found from its field types (`compounds.fields`), never listed.

Adding a kind of row takes its model (and migration), one `Part` below and one template,
`templates/compounds/parts/_<key>.html`, which receives `block` (a `page.PageBlock`) and `compound`.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from evidence.models import Finding, OutcomeGrade

from .fields import markdown_fields
from .models import (
    AdministrationStep,
    Citation,
    ComparisonRow,
    ComparisonTable,
    Compound,
    Contraindication,
    DosingProtocol,
    GlossaryTerm,
    Interaction,
    Limitation,
    RegulatoryStatus,
    RelatedCompound,
    Section,
    SideEffect,
    Specification,
    Synonym,
    TimeCourse,
    TimelineEntry,
    UseCase,
    VendorOffer,
)


class Toc:
    """How a block appears in the page's table of contents."""

    NONE = ""  # not listed (header, blocks above the contents, sub-blocks)
    BLOCK = "block"  # one entry: the block's heading
    ROWS = "rows"  # one entry per row: its title, anchor and level (sections, comparison tables)


@dataclass(frozen=True, kw_only=True)
class Form:
    """How a part's rows are edited on the compound form (an admin inline)."""

    fields: tuple
    tab: str  # the compound form's tab the rows are edited in (compounds.admin.tabs)
    stacked: bool = False  # one row per box (long text) rather than one table line per row
    autocomplete: tuple = ()
    prepopulated: tuple = ()  # (field, (source fields…)) pairs, e.g. an anchor from a title
    readonly: tuple = ()
    label: str = ""  # heading above the rows, when the plural name needs a word of explanation
    derived: bool = False  # written by Monograph from other content, never by hand: shown read-only
    change_link: bool = False  # rows with rows of their own are edited on their own page

    @property
    def field_names(self):
        """The fields, taken out of the lines that group some of them."""
        return tuple(name for line in self.fields for name in (line if isinstance(line, tuple) else (line,)))


@dataclass(frozen=True, kw_only=True)
class Child:
    """Rows that belong to a part's row rather than to the compound (a comparison table's rows)."""

    model: type
    relation: str  # related name on the part's model
    parent_field: str  # foreign key back to the part's row

    @property
    def markdown_fields(self):
        return markdown_fields(self.model)


@dataclass(frozen=True, kw_only=True)
class Block:
    """A region of the public page, in reading order."""

    key: str
    heading: str = ""
    anchor: str = ""
    level: int = 2
    toc: str = Toc.BLOCK
    # The compound's own fields shown in this block, after its rows. Reverse relations (e.g. "variants") count
    # as content when they have rows.
    compound_fields: tuple = ()
    in_body: bool = True  # False: shown in the header or inside another block

    @property
    def template(self):
        return f"compounds/parts/_{self.key}.html"

    @property
    def compound_markdown_fields(self):
        markdown = {f.name: f for f in markdown_fields(Compound)}
        return tuple(markdown[name] for name in self.compound_fields if name in markdown)


@dataclass(frozen=True, kw_only=True)
class Part(Block):
    """A kind of child row of a profile. `key` is its related name on Compound."""

    model: type
    form: Form | None = None
    versioned: bool = True  # part of every revision of the profile
    select_related: tuple = ()
    prefetch: tuple = ()  # lookups on the rows, e.g. a use case's protocols
    order_by: tuple = ()  # page order, when it differs from the model's ordering
    children: tuple = ()
    cites: str = ""  # a foreign key to a Source: each row cites it where the block is shown
    author_field: str = ""  # stamped with the editor who saves the row
    summary_fields: tuple = field(default=())  # columns of the superuser's read-only list of these rows

    @property
    def relation(self):
        return self.key

    @property
    def markdown_fields(self):
        return markdown_fields(self.model)

    def rows(self, compound):
        """The compound's rows of this part (from the prefetch cache when the compound came from it)."""
        return getattr(compound, self.key).all()

    def queryset(self):
        queryset = self.model._default_manager.select_related(*self.select_related)
        for child in self.children:
            queryset = queryset.prefetch_related(child.relation)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        return queryset.order_by(*self.order_by) if self.order_by else queryset

    def prefetch_lookup(self):
        return Prefetch(self.key, queryset=self.queryset())


PAGE = (
    Part(
        key="synonyms",
        model=Synonym,
        in_body=False,  # "Also known as" in the header
        toc=Toc.NONE,
        form=Form(tab="overview", fields=("position", "name", "kind")),
        summary_fields=("name", "kind"),
    ),
    Block(
        key="what_is_this",
        heading="What Is This?",
        anchor="what-is-this",
        toc=Toc.NONE,
        compound_fields=("what_is_this",),
    ),
    Part(
        key="specifications",
        model=Specification,
        heading="Key Specifications",
        anchor="specifications",
        toc=Toc.NONE,
        compound_fields=("sequence", "n_terminus", "c_terminus", "molecular_formula", "molecular_weight"),
        form=Form(tab="tables", fields=("position", "label", "value")),
        summary_fields=("label", "value"),
    ),
    Part(
        key="regulatory_statuses",
        model=RegulatoryStatus,
        heading="Regulatory Status",
        anchor="regulatory-status",
        level=3,
        toc=Toc.NONE,
        form=Form(
            tab="overview",
            fields=(("position", "jurisdiction", "authority"), ("state", "year", "verified_on"), "note"),
            stacked=True,
        ),
        summary_fields=("jurisdiction", "state", "year", "verified_on"),
    ),
    Part(
        key="glossary_terms",
        model=GlossaryTerm,
        heading="Glossary",
        anchor="glossary",
        toc=Toc.NONE,
        form=Form(tab="tables", fields=("position", "term", "meaning")),
        summary_fields=("term", "meaning"),
    ),
    Block(key="contents", heading="Contents", anchor="contents", toc=Toc.NONE),
    Part(
        key="sections",
        model=Section,
        toc=Toc.ROWS,
        form=Form(
            tab="text",
            fields=(("position", "level", "title", "anchor"), "body"),
            stacked=True,
            prepopulated=(("anchor", ("title",)),),
        ),
        summary_fields=("title", "level"),
    ),
    Part(
        key="comparison_tables",
        model=ComparisonTable,
        toc=Toc.ROWS,
        select_related=("other_compound__live_snapshot",),
        children=(Child(model=ComparisonRow, relation="rows", parent_field="table"),),
        form=Form(
            tab="tables",
            fields=(
                ("position", "title", "anchor"),
                ("row_header", "subject_label", "other_label", "other_compound"),
                "note",
            ),
            stacked=True,
            autocomplete=("other_compound",),
            prepopulated=(("anchor", ("title",)),),
            change_link=True,
            label="comparison tables (edit the rows with “Change” after saving)",
        ),
        summary_fields=("title", "subject_label", "other_label"),
    ),
    Part(
        key="use_cases",
        model=UseCase,
        heading="Use Cases by Goal",
        anchor="use-cases",
        prefetch=(Prefetch("protocols", queryset=DosingProtocol.objects.order_by("position", "id")),),
        form=Form(
            tab="dosing",
            fields=(("position", "title", "anchor"), "body"),
            stacked=True,
            prepopulated=(("anchor", ("title",)),),
        ),
        summary_fields=("title",),
    ),
    Part(
        key="dosing_protocols",
        model=DosingProtocol,
        heading="Dosing Summary",
        anchor="dosing",
        compound_fields=(
            "daily_max_low",
            "daily_max_high",
            "daily_max_unit",
            "daily_max_note",
            "variants",
            "form_note",
            "cycling_label",
            "cycling",
        ),
        form=Form(
            tab="dosing",
            fields=(
                ("position", "name", "in_summary", "use_case"),
                ("amount_low", "amount_high", "unit", "amount_text"),
                ("doses_per_day_low", "doses_per_day_high", "frequency_text"),
                ("timing", "duration", "route", "species"),
            ),
            stacked=True,
        ),
        summary_fields=("name", "amount_text", "frequency_text", "in_summary", "species"),
    ),
    Part(
        key="administration_steps",
        model=AdministrationStep,
        heading="Timing and Administration",
        anchor="administration",
        compound_fields=("route", "route_rationale"),
        form=Form(tab="dosing", fields=("position", "route", "text")),
        summary_fields=("text", "route"),
    ),
    Part(
        key="time_course",
        model=TimeCourse,
        heading="Duration of Effects",
        anchor="time-course",
        level=3,
        toc=Toc.NONE,
        form=Form(tab="dosing", fields=("position", "phase", "text", "minutes_low", "minutes_high")),
        summary_fields=("phase", "text"),
    ),
    Part(
        key="timeline",
        model=TimelineEntry,
        heading="User Experience Timeline",
        anchor="timeline",
        form=Form(tab="tables", fields=("position", "timeframe", "effects")),
        summary_fields=("timeframe", "effects"),
    ),
    Part(
        key="side_effects",
        model=SideEffect,
        heading="Side Effects",
        anchor="side-effects",
        compound_fields=("side_effects_note",),
        form=Form(tab="safety", fields=("position", "effect", "frequency", "frequency_text", "note")),
        summary_fields=("effect", "frequency", "frequency_text"),
    ),
    Part(
        key="interactions",
        model=Interaction,
        heading="Interactions",
        anchor="interactions",
        form=Form(
            tab="safety", fields=(("position", "substance", "severity", "basis"), "effect", "mechanism"), stacked=True
        ),
        summary_fields=("substance", "severity", "basis"),
    ),
    Part(
        key="contraindications",
        model=Contraindication,
        heading="Contraindications",
        anchor="contraindications",
        form=Form(tab="safety", fields=("position", "condition", "qualifier")),
        summary_fields=("condition", "qualifier"),
    ),
    Part(
        key="limitations",
        model=Limitation,
        heading="Limitations",
        anchor="limitations",
        form=Form(tab="safety", fields=("position", "title", "detail")),
        summary_fields=("title", "detail"),
    ),
    Part(
        key="related_links",
        model=RelatedCompound,
        heading="Related Compounds",
        anchor="related",
        select_related=("related__live_snapshot",),
        form=Form(tab="overview", fields=("position", "related", "relation", "note"), autocomplete=("related",)),
        summary_fields=("related", "relation"),
    ),
    Part(
        key="findings",
        model=Finding,
        heading="Evidence at a Glance",
        anchor="evidence",
        select_related=("outcome", "source"),
        # The evidence table's order (by outcome): the order its rows cite their sources in.
        order_by=("outcome__position", "outcome__name", "position", "id"),
        cites="source",
        form=Form(
            tab="evidence",
            fields=(
                ("position", "outcome", "direction", "source"),
                ("magnitude", "population", "study_design", "sample_size", "species"),
                "deviation_reason",
                "claim",
            ),
            stacked=True,
            autocomplete=("outcome", "source"),
            label="findings (evidence per outcome; empty study fields are taken from the source)",
        ),
        summary_fields=("outcome", "direction", "source", "magnitude"),
    ),
    Part(
        key="outcome_grades",
        model=OutcomeGrade,
        in_body=False,  # inside "Evidence at a Glance"
        toc=Toc.NONE,
        select_related=("outcome", "set_by"),
        author_field="set_by",
        form=Form(
            tab="evidence",
            fields=("outcome", "level", "reason", "set_by", "set_at"),
            readonly=("set_by", "set_at"),
            autocomplete=("outcome",),
            label="grade overrides (only with a written reason; shown to readers)",
        ),
        summary_fields=("outcome", "level", "set_by", "set_at"),
    ),
    Part(
        key="citations",
        model=Citation,
        heading="References",
        anchor="references",
        select_related=("source",),
        form=Form(
            tab="evidence",
            fields=("number", "source", "uses"),
            derived=True,
            label="citations (derived from the Markdown on save)",
        ),
        summary_fields=("number", "source", "uses"),
    ),
    Part(
        key="vendor_offers",
        model=VendorOffer,
        heading="Where to Buy",
        anchor="where-to-buy",
        compound_fields=("vendor_count_reported", "vendors_checked_on"),
        form=Form(
            tab="vendors",
            fields=("position", "vendor", "product", "amount_mg", "price", "currency", "url", "checked_on"),
        ),
        summary_fields=("vendor", "amount_mg", "price", "currency", "checked_on"),
    ),
)

PARTS = tuple(block for block in PAGE if isinstance(block, Part))
PART_BY_MODEL = {part.model: part for part in PARTS}
CHILD_BY_MODEL = {child.model: (part, child) for part in PARTS for child in part.children}


def part_for(model):
    """The part a model's rows belong to (a child model answers with its parent part), or None."""
    if model in PART_BY_MODEL:
        return PART_BY_MODEL[model]
    return CHILD_BY_MODEL.get(model, (None, None))[0]


def versioned_parts():
    return tuple(part for part in PARTS if part.versioned)


def profile_prefetch():
    """Everything page assembly, the citation walk and a revision read, in one prefetch per part."""
    return (
        "categories",
        Prefetch("variants", queryset=Compound.objects.select_related("live_snapshot").order_by("name")),
        *(part.prefetch_lookup() for part in PARTS),
    )


def page_order(model):
    """Position of a model's rows in page order (compound first, a child right after its part)."""
    order = [Compound]
    for part in PARTS:
        order.append(part.model)
        order.extend(child.model for child in part.children)
    return order.index(model) if model in order else len(order)


def citing_items(compound):
    """What cites sources on the page, in page order: (object, field) for every Markdown text, and (row, None)
    for a row that cites its source by foreign key (a finding). The compound must come with
    `profile_prefetch()` for this to cost no queries."""
    for block in PAGE:
        if isinstance(block, Part):
            for row in block.rows(compound):
                for markdown_field in block.markdown_fields:
                    yield row, markdown_field
                for child in block.children:
                    for child_row in getattr(row, child.relation).all():
                        for markdown_field in child.markdown_fields:
                            yield child_row, markdown_field
                if block.cites:
                    yield row, None
        for markdown_field in block.compound_markdown_fields:
            yield compound, markdown_field


def markdown_texts(compound):
    """(object, field) for every Markdown text of a profile, in page order."""
    return ((obj, markdown_field) for obj, markdown_field in citing_items(compound) if markdown_field is not None)
