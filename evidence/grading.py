"""Evidence summary per outcome, computed from a compound's findings.

OCEBM 2011 (treatment benefits). Only human studies set the human level:
animal, in-vitro and in-silico work is preclinical (level 5) and is counted,
never graded up. A finding counts with its own population and design where an
editor set them differently from its source; the reason is given with the grade.
An editor's override replaces the shown level, with its reason, author and date
kept beside the computed one.
"""

import re
from dataclasses import dataclass, field

from .models import Direction, Population, StudyDesign

SCHEME = "OCEBM 2011"
SMALL_HUMAN_SAMPLE = 100  # total human participants below this is flagged

HUMAN_DESIGN_LEVEL = {
    StudyDesign.SYSTEMATIC_REVIEW: 1,
    StudyDesign.RCT: 2,
    StudyDesign.NON_RANDOMISED_CONTROLLED: 3,
    StudyDesign.COHORT: 3,
    StudyDesign.HUMAN_EXPERIMENTAL: 3,
    StudyDesign.CASE_CONTROL: 4,
    StudyDesign.CASE_SERIES: 4,
    StudyDesign.CROSS_SECTIONAL: 4,
    StudyDesign.CLINICAL_BIOCHEMICAL: 4,
}
PRECLINICAL = {Population.ANIMAL, Population.IN_VITRO, Population.IN_SILICO}


class Flag:
    SINGLE_STUDY = "Single study"
    SMALL_HUMAN_SAMPLE = "Small total human sample"
    ONE_GROUP = "All studies from one research group"
    PRECLINICAL_ONLY = "Preclinical only"


@dataclass
class OutcomeSummary:
    outcome: object
    findings: list
    human_level: int | None
    human: int
    animal: int
    in_vitro: int
    human_sample: int | None
    consistency: str
    flags: list = field(default_factory=list)
    override: object = None
    explanation: list = field(default_factory=list)

    @property
    def shown_level(self):
        if self.override is not None:
            return self.override.level
        return self.human_level if self.human_level is not None else 5

    @property
    def scheme(self):
        return SCHEME


def finding_level(finding):
    """OCEBM level of one finding: human designs by the table above; everything preclinical is 5."""
    if finding.effective_population in PRECLINICAL:
        return 5
    if finding.effective_population == Population.HUMAN:
        return HUMAN_DESIGN_LEVEL.get(finding.effective_design, 5)
    return 5


def deviation_note(finding):
    """How a finding that differs from its source is counted, and the editor's reason; "" when it does not differ.

    E.g. "Kasian et al. 2017: counted as human, randomised controlled trial although the source is recorded as
    animal, animal study (in vivo): <reason>".
    """
    deviations = finding.deviations()
    if not deviations:
        return ""
    ours = ", ".join(value.lower() for _name, value, _source_value in deviations)
    theirs = ", ".join(source_value.lower() for _name, _value, source_value in deviations)
    return (
        f"{short_citation(finding.source)}: counted as {ours} although the source is recorded as {theirs}: "
        f"{finding.deviation_reason.strip()}"
    )


def short_citation(source):
    """“Kasian et al. 2017”: a source named in plain text, where no citation number is at hand."""
    names = _author_names(source.authors)
    first = names[0].split()[0] if names else "Anon."
    more = len(names) > 1 or "et al" in (source.authors or "")
    return f"{first}{' et al.' if more else ''} {source.year or 'n.d.'}"


def _author_names(authors):
    """“Kasian A, Kolomin T; et al.” → ["Kasian A", "Kolomin T"]."""
    return [part.strip() for part in re.split(r",|;", authors or "") if part.strip() and "et al" not in part]


def _surnames(authors):
    return {name.split()[0].lower() for name in _author_names(authors)}


def from_one_group(sources):
    """Two or more sources that share a named research group, or an author common to all of them."""
    if len(sources) < 2:
        return False
    groups = {source.research_group.strip().lower() for source in sources}
    if "" not in groups and len(groups) == 1:
        return True
    common = set.intersection(*(_surnames(source.authors) for source in sources))
    return bool(common)


def _consistency(findings):
    directions = {finding.direction for finding in findings}
    if len(directions) == 1:
        return f"Consistent: {Direction(directions.pop()).label.lower()}"
    counts = ", ".join(
        f"{sum(f.direction == d for f in findings)} {Direction(d).label.lower()}"
        for d in Direction.values
        if d in directions
    )
    return f"Inconsistent ({counts})"


def summarise_outcome(outcome, findings, override=None):
    human = [f for f in findings if f.effective_population == Population.HUMAN]
    animal = [f for f in findings if f.effective_population == Population.ANIMAL]
    in_vitro = [f for f in findings if f.effective_population in (Population.IN_VITRO, Population.IN_SILICO)]
    human_level = min((finding_level(f) for f in human), default=None)
    sizes = [f.effective_sample_size for f in human if f.effective_sample_size]
    human_sample = sum(sizes) if sizes else None
    sources = list({f.source_id: f.source for f in findings}.values())

    flags = []
    if len(sources) == 1:
        flags.append(Flag.SINGLE_STUDY)
    if human and (human_sample is None or human_sample < SMALL_HUMAN_SAMPLE):
        flags.append(Flag.SMALL_HUMAN_SAMPLE)
    if from_one_group(sources):
        flags.append(Flag.ONE_GROUP)
    if not human:
        flags.append(Flag.PRECLINICAL_ONLY)

    explanation = []
    if human:
        explanation.append(
            f"Best human evidence: level {human_level} ({len(human)} human stud{'y' if len(human) == 1 else 'ies'}"
            + (f", {human_sample} participants in total" if human_sample else ", sample size not reported")
            + ")."
        )
    else:
        explanation.append("No human studies: animal and cell studies count as level 5 and never raise a human grade.")
    if animal or in_vitro:
        explanation.append(f"Preclinical: {len(animal)} animal, {len(in_vitro)} in-vitro/in-silico.")
    # What an editor changed from the sources is shown beside the grade it changed, with their reason.
    explanation.extend(note for note in map(deviation_note, findings) if note)
    if override is not None:
        explanation.append(
            f"Editor's grade: level {override.level} instead of the computed "
            f"{human_level if human_level is not None else 5}. Reason: {override.reason}"
        )
    return OutcomeSummary(
        outcome=outcome,
        findings=findings,
        human_level=human_level,
        human=len(human),
        animal=len(animal),
        in_vitro=len(in_vitro),
        human_sample=human_sample,
        consistency=_consistency(findings),
        flags=flags,
        override=override,
        explanation=explanation,
    )


def evidence_summary(findings, overrides=()):
    """One OutcomeSummary per outcome, in outcome order. `findings` come with source and outcome loaded."""
    by_outcome = {}
    for finding in findings:
        by_outcome.setdefault(finding.outcome, []).append(finding)
    overrides = {override.outcome_id: override for override in overrides}
    return [
        summarise_outcome(outcome, rows, overrides.get(outcome.pk))
        for outcome, rows in sorted(by_outcome.items(), key=lambda item: (item[0].position, item[0].name))
    ]
