"""A deterministic synthetic corpus of published profiles, for benchmarks (`manage.py seed_bench`).

The same compounds, sources and seed give the same rows, in the same order, with the same stored pages. Every
random choice comes from `random.Random` seeded from the seed: one stream for what is shared (names, which
compounds link to which, which sources each cites), one per source and one per compound for the content, so the
batch size and the number of workers change nothing. The only date is BASE_DATE; publication times follow a
fixed schedule derived from the seed, in whole seconds as `compound_publish` stores them.

Profiles are about the size of the demo's Selank page (a dozen Markdown sections citing ~30 sources, the usual
tables). A few (1 % by default) cite 200 sources. Sources are shared with a Zipf-like popularity: a few are
cited by thousands of profiles, most by a handful, some by none.

Rows are written with bulk_create, not through the editorial services: they record a revision per save and
would take hours for 10,000 profiles. No revision is recorded. Publishing follows `services.compound_publish`:
each page is built by `page.profile_build` from the draft as `selectors.compounds_for_profile` reads it, its
fields are `services.snapshot_values`, the automatic checks' warnings are stored as acknowledged, and the
Citation rows are the build's references.

Links between profiles (related compounds, comparison tables, parents and their variants) read on a stored page as
they do once every profile is live, which is what publishing them one by one leaves behind (each publication
relinks the pages that link to it). So every compound first gets its version 1 as a stub (name, slug, summary,
date) and is made live; the pages are then built against those live versions and written into the stubs.
"""

import bisect
import collections
import itertools
import math
import multiprocessing
import random
import re
import string
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, connections, reset_queries, transaction
from django.db.models import OuterRef, Subquery
from django.utils.text import slugify

from evidence.models import Finding, Outcome, OutcomeGrade, Population, Source, StudyDesign, Verification

from .chemistry import ATOMIC_MASS, RESIDUES, hill_formula, peptide_chemistry
from .models import (
    AdministrationStep,
    Category,
    Citation,
    ComparisonRow,
    ComparisonTable,
    Compound,
    CompoundKind,
    Contraindication,
    DosingProtocol,
    GlossaryTerm,
    Interaction,
    InteractionBasis,
    InteractionSeverity,
    Limitation,
    ProfileSnapshot,
    RegulatoryState,
    RegulatoryStatus,
    RelatedCompound,
    Relation,
    RiskProfile,
    Route,
    Section,
    SideEffect,
    SideEffectFrequency,
    Specification,
    Status,
    Synonym,
    SynonymKind,
    Terminus,
    TimeCourse,
    TimelineEntry,
    TimePhase,
    UseCase,
    VendorOffer,
)
from .page import profile_build
from .page_cache import LISTINGS, pages_invalidate, profile_scope
from .publish_checks import profile_publish_checks
from .selectors import compounds_for_profile
from .services import snapshot_values
from .stored_pages import snapshot_page_render

BASE_DATE = datetime(2024, 1, 1, tzinfo=UTC)
PUBLISH_SPACING = 3600  # seconds between two compounds' publication slots
EDIT_SUMMARY = "First published version (synthetic benchmark corpus)"
PAGE_CHUNK = 20  # compounds per page-building task
PROGRESS_EVERY = 1000

# Sources: a mixture of Zipf-Mandelbrot popularity (the head every field cites) and uniform picks (the long tail).
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 10
ZIPF_SHARE = 0.6


class CorpusError(Exception):
    """The corpus cannot be seeded (a non-empty database, impossible numbers, a generated profile failing a check)."""


@dataclass(frozen=True, kw_only=True)
class CorpusSpec:
    compounds: int
    sources: int
    seed: int = 1
    big_compounds: int | None = None  # compounds citing `big_citations` sources; None: 1 % of them
    big_citations: int = 200
    citations: int = 30  # what most compounds cite (±5)
    batch_size: int = 250
    workers: int = 2

    @property
    def big_count(self):
        return self.compounds // 100 if self.big_compounds is None else self.big_compounds

    def check(self):
        if self.compounds < 1:
            raise CorpusError("Give at least one compound.")
        if self.big_count > self.compounds:
            raise CorpusError(f"{self.big_count} big compounds were asked for, out of {self.compounds}.")
        wanted = self.big_citations if self.big_count else self.citations + 5
        if self.sources < wanted:
            raise CorpusError(f"{self.sources} sources are too few: a compound here cites up to {wanted}.")
        if self.batch_size < 1:
            raise CorpusError("The batch size must be at least 1.")


@dataclass
class SeedResult:
    compounds: int = 0
    sources: int = 0
    citations: int = 0
    snapshots: int = 0
    categories: int = 0
    rows: int = 0  # part rows of all kinds
    generate_seconds: float = 0.0
    pages_seconds: float = 0.0
    workers: int = 1

    @property
    def seconds(self):
        return self.generate_seconds + self.pages_seconds


# --- Vocabulary ---------------------------------------------------------------------------------------------------

# The demo's slugs, so that `loaddata demo` beside a seeded corpus files its profiles under the same categories.
CATEGORIES = [
    ("Mood & Stress", "mood-stress"),
    ("Cognitive", "cognitive"),
    ("Sleep", "sleep"),
    ("Recovery & Repair", "recovery-repair"),
    ("Metabolic", "metabolic"),
    ("Immune", "immune"),
    ("Cardiovascular", "cardiovascular"),
    ("Longevity", "longevity"),
    ("Neuroprotection", "neuroprotection"),
    ("Hormonal", "hormonal"),
    ("Gut Health", "gut-health"),
    ("Performance", "performance"),
]
OUTCOMES = [
    ("Anxiety", "anxiety"),
    ("Memory and learning", "memory"),
    ("Stress resilience", "stress-resilience"),
    ("Inflammation", "inflammation"),
    ("Withdrawal", "withdrawal"),
    ("GABAergic signalling", "gaba-signalling"),
    ("Brain connectivity", "brain-connectivity"),
    ("Sleep quality", "sleep-quality"),
    ("Pain", "pain"),
    ("Wound healing", "wound-healing"),
    ("Body weight", "body-weight"),
    ("Immune response", "immune-response"),
]
RESERVED_NAMES = {"selank", "semax", "n-acetyl selank"}  # the demo's profiles

NAME_HEADS = ["Ar", "Bel", "Cor", "Dal", "Ex", "Fen", "Gal", "Hel", "Ix", "Jor", "Kal", "Lum", "Mor", "Nex", "Or",
              "Pel", "Quin", "Ral", "Sor", "Tor", "Ul", "Ven", "Xan", "Zor", "Bre", "Cel"]  # fmt: skip
NAME_MIDDLES = ["a", "e", "i", "o", "u", "ano", "ero", "ila", "omi", "ura", "eto", "ava"]
NAME_TAILS = ["tide", "rin", "lin", "xin", "mex", "pep", "tril", "zine", "vox", "dex", "gen", "sin", "max", "lor"]
VARIANT_PREFIXES = ["N-Acetyl", "Amidated", "Cyclic", "Extended-release", "PEGylated"]
DESCRIPTORS = {
    CompoundKind.PEPTIDE: ["Synthetic Anxiolytic Peptide", "Regenerative Peptide", "Neuroactive Peptide",
                           "Experimental Research Peptide", "Immunomodulating Peptide"],
    CompoundKind.NOOTROPIC: ["Experimental Nootropic", "Racetam-class Nootropic", "Cognitive Enhancer"],
    CompoundKind.SUPPLEMENT: ["Dietary Supplement", "Plant Extract", "Amino-acid Supplement"],
    CompoundKind.OTHER: ["Research Compound", "Investigational Molecule"],
}  # fmt: skip

OUTCOME_PHRASES = ["anxiety", "working memory", "stress resilience", "sleep quality", "inflammatory markers",
                   "wound healing", "attention", "mood", "recovery after injury", "pain sensitivity",
                   "appetite regulation", "immune response"]  # fmt: skip
MECHANISMS = ["modulation of GABA-A receptor signalling", "increased BDNF expression in the hippocampus",
              "slower breakdown of enkephalins", "changes in IL-6 and TNF-α expression",
              "activation of the melanocortin system", "better mitochondrial function", "lower oxidative stress",
              "effects on serotonin turnover", "growth-factor signalling", "changes in dopamine release"]  # fmt: skip
POPULATIONS = ["healthy volunteers", "patients with generalised anxiety disorder", "older adults with mild cognitive "
               "impairment", "patients recovering from surgery", "people with chronic insomnia", "athletes in "
               "training", "adults with metabolic syndrome", "patients with neurasthenia"]  # fmt: skip
DESIGNS = ["a randomised controlled trial", "an open-label pilot study", "a double-blind crossover study",
           "a retrospective cohort study", "a small case series", "a placebo-controlled trial"]  # fmt: skip
ANIMALS = ["rats", "mice", "zebrafish", "rabbits", "rats under chronic mild stress", "aged mice"]
MEASURES = ["Hamilton Anxiety Rating Scale scores", "reaction time", "recall on word-list tests", "serum cortisol",
            "sleep latency", "time to wound closure", "pain thresholds", "heart-rate variability", "body weight",
            "plasma IL-6", "maze performance", "grip strength"]  # fmt: skip
COMPARATORS = ["placebo", "diazepam", "medazepam", "standard care", "a saline control", "piracetam", "melatonin"]
DURATIONS = ["15 minutes", "an hour", "two days", "the first week", "two weeks", "four weeks"]
QUALITIES = ["promising but preliminary", "consistent across small studies", "mixed", "limited by small samples",
             "encouraging in animals but untested in people"]  # fmt: skip
MAGNITUDES = ["modest", "moderate", "large", "small but statistically significant", "similar to the comparator's"]
GENES = ["Gabra1", "Bdnf", "Il6", "Fos", "Penk", "Slc6a4", "Gad1", "Ntrk2"]
TISSUES = ["the hippocampus", "the frontal cortex", "the spleen", "peripheral blood cells", "the hypothalamus"]
GROUPS = ["Russia", "a single research institute", "one laboratory group", "Eastern Europe"]
ROUTE_WORDS = {Route.INTRANASAL: "intranasal", Route.SUBCUTANEOUS: "subcutaneous", Route.ORAL: "oral"}

# {n}: the compound's name. Block prose cites with ⟦B⟧ (one or more sources).
SENTENCES = [
    "{n} has been studied for {outcome} in {population}{B}.",
    "In {design}, {n} improved {measure} compared with {comparator}{B}.",
    "The effect appeared within {duration} and lasted for the length of the study.",
    "Researchers attribute this to {mechanism}{B}.",
    "{n} is thought to act through {mechanism}, although the evidence remains {quality}.",
    "Animal work in {animal} suggests a {magnitude} effect on {measure}{B}.",
    "Human data are limited to a few studies with small samples{B}.",
    "No serious adverse events were reported at the doses studied{B}.",
    "Effects on {measure} were {magnitude} and faded within {duration} of the last dose.",
    "A later study found no difference from {comparator} on {measure}{B}.",
    "Reviews describe the findings on {outcome} as {quality}{B}.",
    "These results have not been replicated outside {group}.",
    "Expression of {gene} changed in {tissue} after repeated dosing{B}.",
    "Participants described feeling calm but alert rather than sedated.",
    "Most studies used {route} administration, which avoids breakdown in the gut.",
    "The mechanism may involve {mechanism} rather than a direct action on receptors{B}.",
    "Tolerance was not observed over {duration} of daily use{B}.",
    "Compared with {comparator}, the change in {measure} was {magnitude}.",
    "Sample sizes were small, and most trials were not blinded.",
    "The half-life is short, so effects depend on repeated dosing{B}.",
]
WORDS = {
    "outcome": OUTCOME_PHRASES,
    "population": POPULATIONS,
    "design": DESIGNS,
    "measure": MEASURES,
    "comparator": COMPARATORS,
    "duration": DURATIONS,
    "mechanism": MECHANISMS,
    "quality": QUALITIES,
    "animal": ANIMALS,
    "magnitude": MAGNITUDES,
    "group": GROUPS,
    "gene": GENES,
    "tissue": TISSUES,
    "route": list(ROUTE_WORDS.values()),
}
# (template, the words it needs, whether it may cite): only those words are drawn.
TEMPLATES = [
    (
        template,
        [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name in WORDS],
        "{B}" in template,
    )
    for template in SENTENCES
]
SECTION_TITLES = ["Mechanism of Action", "Clinical Evidence", "Pharmacokinetics", "Animal Studies",
                  "Anxiety and Stress", "Cognition and Memory", "Sleep", "Inflammation and Immunity", "Tissue Repair",
                  "Metabolic Effects", "Safety in Studies", "Comparison with Standard Treatments",
                  "History and Development", "Open Questions"]  # fmt: skip
SUBSECTION_TITLES = ["Evidence Limitations", "Dose-Response", "Study Quality", "Replication"]
USE_CASES = ["Generalized Anxiety", "Acute Stress", "Cognitive Performance", "Sleep Support", "Recovery After Injury",
             "Immune Support", "Mood Support", "Focus During Study", "Travel and Jet Lag", "Post-exercise Recovery"]  # fmt: skip
GLOSSARY = [
    ("GABA", "Gamma-aminobutyric acid, the brain's main calming messenger"),
    ("BDNF", "Brain-derived neurotrophic factor, a protein that helps nerve cells grow and survive"),
    ("OCEBM", "Oxford Centre for Evidence-Based Medicine — rates evidence quality"),
    ("Anxiolytic", "Reducing anxiety"),
    ("Half-life", "Time for the amount in the body to fall by half"),
    ("Intranasal", "Given as a nasal spray or drops"),
    ("Subcutaneous", "Injected under the skin"),
    ("Cytokine", "A signalling protein of the immune system"),
    ("IL-6", "Interleukin-6, a cytokine that rises with inflammation"),
    ("Placebo", "An inactive treatment given for comparison"),
    ("Enkephalin", "A natural painkilling peptide of the brain"),
    ("Cortisol", "The main stress hormone"),
    ("Hippocampus", "A brain region central to memory"),
    ("Tolerance", "Needing more of a substance for the same effect"),
    ("Dependence", "Withdrawal symptoms when a substance is stopped"),
    ("Melanocortin", "A family of hormones acting on appetite, skin and inflammation"),
    ("Serotonin", "A messenger involved in mood and sleep"),
    ("Dopamine", "A messenger involved in motivation and movement"),
    ("Oxidative stress", "Damage from reactive oxygen molecules"),
    ("Mitochondria", "The parts of a cell that produce its energy"),
]
SPECIFICATIONS = [
    ("Origin", ["Synthetic analogue of an endogenous peptide", "Plant-derived", "Designed in the 1990s"]),
    ("Half-life", ["Minutes in plasma; effects last hours", "About 2 hours", "4-6 hours"]),
    ("Administration", ["Intranasal spray", "Subcutaneous injection", "Oral capsule"]),
    ("Storage", ["Refrigerate after reconstitution", "Store dry at room temperature", "Freeze for long-term storage"]),
    ("Solubility", ["Water-soluble", "Soluble in dilute acetic acid"]),
    ("Appearance", ["White lyophilised powder", "Clear solution"]),
    ("Research status", ["Approved in one country", "Investigational", "Preclinical"]),
]
COMPARISON_LABELS = ["Onset", "Sedation", "Cognitive impairment", "Tolerance", "Dependence", "Withdrawal", "Route",
                     "Evidence base", "Half-life", "Regulatory status", "Safe to stop"]  # fmt: skip
COMPARISON_CLASSES = ["Benzodiazepines", "SSRIs", "Placebo", "Caffeine", "Melatonin", "NSAIDs", "Modafinil"]
SIDE_EFFECTS = ["Nasal dryness", "Headache", "Fatigue", "Mild nausea", "Dizziness", "Injection-site redness",
                "Drowsiness", "Insomnia", "Increased appetite", "Irritability", "Dry mouth", "Vivid dreams", "Flushing"]  # fmt: skip
SUBSTANCES = ["Alcohol", "Benzodiazepines", "SSRIs", "Caffeine", "Opioids", "Antihypertensives", "Anticoagulants",
              "MAO inhibitors", "Melatonin", "Stimulants"]  # fmt: skip
CONTRAINDICATIONS = ["Pregnancy/breastfeeding", "Children under 18", "Severe kidney disease", "Active cancer",
                     "Autoimmune disease", "Epilepsy", "Bipolar disorder", "Scheduled surgery"]  # fmt: skip
LIMITATIONS = [
    ("Not FDA approved", "Approved in the country of origin only"),
    ("Small studies", "Most trials enrolled fewer than 100 people"),
    ("Single research group", "Most data come from one institute"),
    ("Short follow-up", "The longest study ran 8 weeks"),
    ("Animal data", "Many effects were seen only in rodents"),
    ("Product quality", "Research-grade products vary in purity"),
]
TIMELINE = [("Day 1", "First effects within an hour"), ("Days 2-4", "Steadier effect with regular doses"),
            ("Week 1", "Sleep and mood changes noticed"), ("Week 2", "Full effect reported"),
            ("Weeks 3-4", "Effect holds without dose increases"), ("Ongoing", "No tolerance reported")]  # fmt: skip
JURISDICTIONS = [("Russia", "Ministry of Health"), ("USA", "FDA"), ("European Union", "EMA"), ("United Kingdom", "MHRA"),
                 ("Australia", "TGA"), ("Canada", "Health Canada"), ("Japan", "PMDA")]  # fmt: skip
STEPS = {
    Route.INTRANASAL: ["Clear nasal passages", "Prime the spray", "Tilt the head slightly forward",
                       "Spray once in each nostril", "Do not blow the nose for 10 minutes"],
    Route.SUBCUTANEOUS: ["Reconstitute with bacteriostatic water", "Clean the site with alcohol", "Pinch a fold of skin",
                         "Inject at a 45-degree angle", "Rotate injection sites"],
    Route.ORAL: ["Take with a glass of water", "Take on an empty stomach", "Do not crush the capsule"],
}  # fmt: skip
VENDORS = ["Example Peptide Supply (fictional)", "Sample Research Labs (fictional)", "Placeholder Biochem (fictional)",
           "Demo Compounds Co. (fictional)", "Mock Nootropics (fictional)"]  # fmt: skip

SURNAMES = ["Kasian", "Volkova", "Seredenin", "Zozulia", "Kozlovskii", "Panikratova", "Filatova", "Andreeva",
            "Myasoedov", "Kolomin", "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez",
            "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
            "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green",
            "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans",
            "Turner", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Ivanov", "Petrov", "Sidorov",
            "Tanaka", "Suzuki", "Wang", "Li", "Zhang", "Chen", "Kim", "Park", "Rossi", "Russo", "Dubois", "Moreau"]  # fmt: skip
JOURNALS = [("Behav Neurol", "10.1155"), ("Front Pharmacol", "10.3389"), ("Neurosci Lett", "10.1016"),
            ("Bull Exp Biol Med", "10.1007"), ("J Psychopharmacol", "10.1177"), ("PLoS One", "10.1371"),
            ("Sci Rep", "10.1038"), ("Peptides", "10.1016"), ("Int J Mol Sci", "10.3390"), ("Brain Res", "10.1016"),
            ("Eur J Pharmacol", "10.1016"), ("Neuropeptides", "10.1016"), ("Psychopharmacology (Berl)", "10.1007"),
            ("J Mol Neurosci", "10.1007"), ("Nutrients", "10.3390"), ("Cell Mol Neurobiol", "10.1007"),
            ("Zh Nevrol Psikhiatr Im S S Korsakova", "10.17116"), ("Eksp Klin Farmakol", "10.30906"),
            ("BMC Neurosci", "10.1186"), ("J Neurochem", "10.1111")]  # fmt: skip
TITLE_OPENINGS = ["Effects of", "Influence of", "A study of", "Evaluation of", "Comparison of", "Mechanisms of",
                  "Long-term effects of", "Dose-dependent effects of", "Safety and efficacy of"]  # fmt: skip
TITLE_SUBJECTS = ["a tuftsin analogue", "a synthetic heptapeptide", "an ACTH fragment", "an enkephalinase inhibitor",
                  "a regulatory peptide", "a nootropic agent", "an amino-acid supplement", "a plant extract",
                  "intranasal peptide treatment", "a melanocortin analogue"]  # fmt: skip
TITLE_TAILS = ["on anxiety-like behaviour", "on memory consolidation", "on cytokine expression",
               "on stress-induced changes", "on sleep architecture", "on wound healing", "on pain thresholds",
               "on gene expression", "on body weight", "on immune cell activity"]  # fmt: skip
RU_TITLE = ("Влияние {subject} на {tail} у {who}", "Effect of {subject} on {tail} in {who}")
RU_SUBJECTS = [("пептида", "the peptide"), ("селективного анксиолитика", "a selective anxiolytic"),
               ("регуляторного пептида", "a regulatory peptide"), ("препарата", "the preparation")]  # fmt: skip
RU_TAILS = [("тревожность", "anxiety"), ("память", "memory"), ("стресс", "stress"), ("сон", "sleep"),
            ("иммунитет", "immunity")]  # fmt: skip
RU_WHO = [("крыс", "rats"), ("мышей", "mice"), ("пациентов", "patients"), ("добровольцев", "volunteers")]
# (study design, population, species, sample size range)
STUDY_KINDS = [
    (StudyDesign.RCT, Population.HUMAN, "human (adults)", (20, 400)),
    (StudyDesign.SYSTEMATIC_REVIEW, Population.HUMAN, "human", None),
    (StudyDesign.COHORT, Population.HUMAN, "human (outpatients)", (50, 2000)),
    (StudyDesign.CASE_SERIES, Population.HUMAN, "human (patients)", (3, 30)),
    (StudyDesign.NON_RANDOMISED_CONTROLLED, Population.HUMAN, "human (volunteers)", (10, 120)),
    (StudyDesign.HUMAN_EXPERIMENTAL, Population.HUMAN, "human (healthy volunteers)", (8, 60)),
    (StudyDesign.ANIMAL, Population.ANIMAL, "rats (Wistar)", (10, 120)),
    (StudyDesign.ANIMAL, Population.ANIMAL, "mice (BALB/c)", (10, 120)),
    (StudyDesign.IN_VITRO, Population.IN_VITRO, "human neuroblastoma cells", None),
    (StudyDesign.NARRATIVE_REVIEW, Population.NOT_APPLICABLE, "", None),
    (StudyDesign.IN_SILICO, Population.IN_SILICO, "", None),
]
STUDY_WEIGHTS = [14, 4, 6, 4, 5, 5, 20, 14, 12, 10, 6]
STUDY_CUMULATIVE = list(itertools.accumulate(STUDY_WEIGHTS))
SURNAME_SLUGS = {surname: slugify(surname).replace("-", "") for surname in SURNAMES}
JOURNAL_SLUGS = {journal: slugify(journal)[:12] for journal, _prefix in JOURNALS}
RESEARCH_GROUPS = ["Institute of Molecular Genetics RAS", "Zakusov Institute of Pharmacology",
                   "University of Example Medicine", "Sample Neuroscience Centre", ""]  # fmt: skip

# Profiles citing one source by [@doi:…]. Few: resolving a DOI key scans the whole source table on SQLite (its DOI
# index is partial), a third of a second at 100,000 sources, which seeding would pay for each such profile.
DOI_CITING_SHARE = 0.05
BLOCK_MARK, INLINE_MARK = "\x01", "\x02"  # where a generated text cites; replaced by [@key] groups
MARKS_RE = re.compile(f"[{BLOCK_MARK}{INLINE_MARK}]")


# --- Sources ------------------------------------------------------------------------------------------------------


@dataclass
class SourceIndex:
    """What the compounds need of the sources, in index order, without holding 100k model instances."""

    pks: list = field(default_factory=list)
    keys: list = field(default_factory=list)
    dois: list = field(default_factory=list)
    pmids: list = field(default_factory=list)
    cumulative: list = field(default_factory=list)  # Zipf-Mandelbrot weights, for bisect

    def popularity(self, count):
        weights = (1 / (rank + ZIPF_OFFSET) ** ZIPF_EXPONENT for rank in range(1, count + 1))
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def pick(self, rng):
        if rng.random() < ZIPF_SHARE:
            return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])
        return rng.randrange(len(self.cumulative))

    def sample(self, rng, count):
        """`count` distinct source indices, popular ones more often."""
        chosen = {}
        for _ in range(count * 50):
            if len(chosen) == count:
                break
            chosen.setdefault(self.pick(rng), None)
        for index in range(len(self.cumulative)):  # only when `count` is close to the number of sources
            if len(chosen) == count:
                break
            chosen.setdefault(index, None)
        return list(chosen)


def _authors(rng):
    names = [f"{rng.choice(SURNAMES)} {rng.choice('ABCDEFGHIKLMNOPRSTV')}{rng.choice(['', 'A', 'B', 'V', 'M'])}"]
    names += [f"{rng.choice(SURNAMES)} {rng.choice('ABCDEFGHIKLMNOPRSTV')}" for _ in range(rng.randint(0, 8))]
    names = list(dict.fromkeys(names))
    return ", ".join(names[:6]) + (", et al." if len(names) > 6 else "")


def _source(index, seed, taken_keys, taken_titles):
    rng = random.Random(f"{seed}:source:{index}")
    design, population, species, sizes = rng.choices(STUDY_KINDS, cum_weights=STUDY_CUMULATIVE)[0]
    year = rng.randint(1985, 2025)
    authors = _authors(rng)
    base = SURNAME_SLUGS[authors.split(" ")[0]] + str(year)
    number = taken_keys.get(base, 0)
    taken_keys[base] = number + 1
    key = base + _letters(number)
    russian = rng.random() < 0.15
    for _attempt in range(5):
        if russian:
            subject, tail, who = rng.choice(RU_SUBJECTS), rng.choice(RU_TAILS), rng.choice(RU_WHO)
            title = RU_TITLE[0].format(subject=subject[0], tail=tail[0], who=who[0])
            translated = RU_TITLE[1].format(subject=subject[1], tail=tail[1], who=who[1])
        else:
            title = f"{rng.choice(TITLE_OPENINGS)} {rng.choice(TITLE_SUBJECTS)} {rng.choice(TITLE_TAILS)}"
            title += f" in {rng.choice(ANIMALS + POPULATIONS)}"
            translated = ""
        if (title.lower(), year) not in taken_titles:
            break
    else:
        # A crowded year: a part number keeps titles apart, since the publish checks take the same title and year
        # for the same paper cited twice.
        part = 2
        while (f"{title}: part {part}".lower(), year) in taken_titles:
            part += 1
        title, translated = f"{title}: part {part}", translated and f"{translated}: part {part}"
    taken_titles.add((title.lower(), year))
    journal, prefix = rng.choice(JOURNALS)
    if russian:
        journal, prefix = rng.choice(JOURNALS[16:18])
    doi = f"{prefix}/{JOURNAL_SLUGS[journal]}.{year}.{index:06d}" if rng.random() < 0.9 else ""
    pmid = 10_000_000 + index * 3 + rng.randint(0, 2) if rng.random() < 0.85 or not doi else None
    verification = rng.choices(
        [Verification.VERIFIED, Verification.PROBABLE, Verification.UNVERIFIED], weights=[6, 3, 1]
    )[0]
    checked = verification != Verification.UNVERIFIED
    has_pages = rng.random() < 0.8
    start = rng.randint(1, 900)
    return Source(
        key=key,
        authors=authors,
        title=title,
        translated_title=translated,
        language="ru" if russian else "en",
        journal=journal,
        year=year,
        volume=str(rng.randint(1, 120)),
        issue=str(rng.randint(1, 12)) if rng.random() < 0.7 else "",
        pages=f"{start}-{start + rng.randint(3, 15)}" if has_pages else "",
        article_number="" if has_pages else str(rng.randint(1000, 9_999_999)),
        doi=doi,
        pmid=pmid,
        pmcid=f"PMC{1_000_000 + index}" if pmid and rng.random() < 0.4 else "",
        url=f"https://doi.org/{doi}" if doi and rng.random() < 0.3 else "",
        study_design=design,
        design_detail=f"{design.label} of {rng.choice(TITLE_SUBJECTS)}; outcome: {rng.choice(MEASURES)}.",
        population=population,
        species=species,
        sample_size=rng.randint(*sizes) if sizes else None,
        sample_size_note="" if sizes else "not applicable",
        verification=verification,
        checked_at=BASE_DATE - timedelta(days=rng.randint(1, 700), seconds=rng.randint(0, 86399)) if checked else None,
        verification_note=(
            "Volume and pages seen only in a secondary source." if verification == Verification.PROBABLE else ""
        ),
        provenance=f"Synthetic benchmark record {index} (seed {seed}).",
        research_group=rng.choice(RESEARCH_GROUPS),
    )


def _letters(number):
    """The suffix of a key's nth use: none for the first, then b, c, … z, ba, bb… as reference managers write them."""
    if number == 0:
        return ""
    letters = ""
    while number:
        number, digit = divmod(number, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
    return letters


def _create_sources(spec, batch_size, progress):
    index = SourceIndex()
    taken_keys, taken_titles = {}, set()
    for start in range(0, spec.sources, batch_size):
        batch = [
            _source(i, spec.seed, taken_keys, taken_titles) for i in range(start, min(start + batch_size, spec.sources))
        ]
        Source.objects.bulk_create(batch)
        reset_queries()  # with DEBUG on, the query log would keep every batch's SQL (hundreds of MB)
        for source in batch:
            index.pks.append(source.pk)
            index.keys.append(source.key)
            index.dois.append(source.doi)
            index.pmids.append(source.pmid)
    # auto_now_add stamped today's date; a corpus has one date.
    Source.objects.update(created_at=BASE_DATE, updated_at=BASE_DATE)
    index.popularity(spec.sources)
    progress(f"{spec.sources} sources written")
    return index


# --- Compounds: the shared plan -------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What each compound shares with others, decided once from the seed's main stream."""

    index: int
    name: str
    slug: str
    uid: uuid.UUID
    kind: str
    parent: int | None  # index of the compound this one is a variant of
    related: list  # indices of earlier compounds it links to
    compared_with: int | None  # an earlier compound one of its comparison tables links to
    categories: list  # category indices
    sources: list  # source indices it cites
    published_at: datetime
    summary: str = ""


def _name(rng, taken):
    for _ in range(1000):
        if rng.random() < 0.15:
            name = f"{''.join(rng.choice('ABCDKLMPRSTVX') for _ in range(3))}-{rng.randint(10, 999)}"
        else:
            middle = rng.choice(NAME_MIDDLES) + (rng.choice(NAME_MIDDLES) if rng.random() < 0.6 else "")
            name = f"{rng.choice(NAME_HEADS)}{middle}{rng.choice(NAME_TAILS)}"
        if name.lower() not in taken:
            return name
    raise CorpusError("Ran out of compound names.")


def _plan(spec, sources):
    rng = random.Random(f"{spec.seed}:plan")
    big = set(rng.sample(range(spec.compounds), spec.big_count))
    taken = set(RESERVED_NAMES)
    plans = []
    roots = []  # compounds that are not variants: the parents variants may have
    for i in range(spec.compounds):
        parent = rng.choice(roots) if roots and rng.random() < 0.04 else None
        if parent is not None:
            name = f"{rng.choice(VARIANT_PREFIXES)} {plans[parent].name}"
            if name.lower() in taken:
                parent, name = None, _name(rng, taken)
        else:
            name = _name(rng, taken)
        taken.add(name.lower())
        if parent is None:
            roots.append(i)
        kind = (
            plans[parent].kind
            if parent is not None
            else rng.choices(
                [CompoundKind.PEPTIDE, CompoundKind.NOOTROPIC, CompoundKind.SUPPLEMENT, CompoundKind.OTHER],
                weights=[6, 2, 2, 1],
            )[0]
        )
        earlier = min(i, 3)
        related = sorted(set(rng.sample(range(i), rng.randint(0, earlier)))) if i else []
        compared_with = rng.randrange(i) if i and rng.random() < 0.3 else None
        cited = spec.big_citations if i in big else spec.citations + rng.randint(-5, 5)
        plans.append(
            Plan(
                index=i,
                name=name,
                slug=slugify(name),
                uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                kind=kind,
                parent=parent,
                related=related,
                compared_with=compared_with,
                categories=sorted(rng.sample(range(len(CATEGORIES)), rng.randint(1, 3))),
                sources=sources.sample(rng, min(cited, spec.sources)),
                # Whole seconds, distinct: one slot an hour, at a seeded second within it.
                published_at=BASE_DATE + timedelta(seconds=i * PUBLISH_SPACING + rng.randrange(PUBLISH_SPACING)),
            )
        )
    return plans


# --- Compounds: content -------------------------------------------------------------------------------------------


class _Writer:
    """Prose for one compound, with citation marks where sentences cite."""

    def __init__(self, rng, name):
        self.rng = rng
        self.name = name

    def sentence(self):
        rng = self.rng
        template, slots, may_cite = rng.choice(TEMPLATES)
        values = {slot: rng.choice(WORDS[slot]) for slot in slots}
        text = template.format(n=self.name, B=f" {BLOCK_MARK}" if may_cite and rng.random() < 0.75 else "", **values)
        return text[0].upper() + text[1:]

    def plain_sentence(self):
        """A sentence for a table cell: cited there by one source at most."""
        return self.sentence().replace(f" {BLOCK_MARK}", "")

    def paragraph(self, low=3, high=6):
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def prose(self, paragraphs):
        return "\n\n".join(self.paragraph() for _ in range(paragraphs))

    def bullets(self, items):
        return "\n".join(f"- {item}" for item in items)


def _dose_text(low, high, unit):
    def number(value):
        return f"{value.normalize():f}"

    return f"{number(low)}-{number(high)}{unit}" if high is not None else f"{number(low)} {unit}"


def _chemistry(rng, kind):
    """(sequence, n-terminus, c-terminus, formula, weight), consistent so the mass check passes."""
    if kind == CompoundKind.PEPTIDE:
        sequence = "-".join(rng.choice(list(RESIDUES)) for _ in range(rng.randint(4, 15)))
        n_terminus = Terminus.ACETYL if rng.random() < 0.15 else Terminus.FREE
        c_terminus = Terminus.AMIDE if rng.random() < 0.2 else Terminus.FREE
        chemistry = peptide_chemistry(sequence, n_terminus=n_terminus, c_terminus=c_terminus)
        formula = chemistry.formula if rng.random() < 0.5 else ""
        return sequence, n_terminus, c_terminus, formula, chemistry.average_mass
    counts = {"C": rng.randint(6, 30), "H": rng.randint(8, 40), "N": rng.randint(0, 4), "O": rng.randint(1, 6)}
    mass = sum(ATOMIC_MASS[element] * number for element, number in counts.items())
    return "", Terminus.FREE, Terminus.FREE, hill_formula(counts), Decimal(str(round(mass, 2)))


@dataclass
class Content:
    """One compound's rows before they are written: model instances, the compound's own first."""

    compound: Compound
    rows: dict  # model → instances (a comparison table's rows are in `table_rows`)
    table_rows: list  # (table instance, [ComparisonRow…])
    protocol_use_cases: list  # (protocol, use case instance or None)
    grade_set_at: datetime | None = None


def _content(spec, plan, plans, sources, outcomes, day):
    rng = random.Random(f"{spec.seed}:compound:{plan.index}")
    write = _Writer(rng, plan.name)
    name = plan.name
    outcome_words = rng.sample(OUTCOME_PHRASES, 3)
    article = "An" if plan.kind[0] in "aeiou" else "A"
    plan.summary = f"{article} {plan.kind} studied for {outcome_words[0]}, {outcome_words[1]}, and {outcome_words[2]}."
    sequence, n_terminus, c_terminus, formula, weight = _chemistry(rng, plan.kind)
    best = rng.randint(1, 5)
    worst = rng.choice([None, best, min(best + 1, 5)])
    route = rng.choice(list(STEPS))

    # Dosing: amounts the stated daily maximum covers, and doses as written that say the structured amount.
    unit = "mcg" if plan.kind == CompoundKind.PEPTIDE else "mg"
    protocols = []
    for position, protocol_name in enumerate(rng.sample(["Standard", "As-needed", "Maintenance", "Loading",
                                                         "Low dose", "Evening"], rng.randint(3, 5)), 1):  # fmt: skip
        low = Decimal(rng.choice([50, 100, 150, 200, 250, 300, 400, 500]))
        high = low * 2 if rng.random() < 0.6 else None
        per_day_low = rng.randint(1, 2)
        per_day_high = per_day_low + rng.randint(0, 1)
        as_needed = protocol_name == "As-needed"
        protocols.append(
            DosingProtocol(
                position=position,
                name=protocol_name,
                in_summary=rng.random() < 0.85,
                amount_low=low,
                amount_high=high,
                unit=unit,
                amount_text=_dose_text(low, high, unit),
                doses_per_day_low=None if as_needed else per_day_low,
                doses_per_day_high=None if as_needed else per_day_high,
                frequency_text="Before a stressful event" if as_needed else f"{per_day_low}-{per_day_high}x daily",
                timing=rng.choice(["", "Morning", "30-60 minutes before the event", "With meals"]),
                duration=rng.choice(["10-14 day courses", "2-6 week cycles", "Continuous", ""]),
                route=route,
            )
        )
    if rng.random() < 0.3:
        amount, per_kg = Decimal(rng.choice([1, 5, 10])), f"{unit}/kg"
        protocols.append(
            DosingProtocol(
                position=len(protocols) + 1,
                name="Rodent studies",
                in_summary=False,
                amount_low=amount,
                unit=per_kg,
                amount_text=_dose_text(amount, None, per_kg),
                frequency_text="Once daily",
                route=Route.INTRAPERITONEAL,
                species="rats",
            )
        )
    daily = max((p.amount_high or p.amount_low) * (p.doses_per_day_high or 1) for p in protocols if "/" not in p.unit)
    daily_high = Decimal(math.ceil(daily * Decimal("1.2") / 50) * 50)
    daily_low = max(daily, daily_high - 100)

    compound = Compound(
        uid=plan.uid,
        name=name,
        slug=plan.slug,
        descriptor=rng.choice(DESCRIPTORS[plan.kind]),
        kind=plan.kind,
        form_note=rng.choice(["Standard, well-studied", "Enhanced stability", "Longer acting", ""]),
        featured=rng.random() < 0.02,
        summary=plan.summary,
        what_is_this=write.prose(2),
        evidence_level_best=best,
        evidence_level_worst=worst,
        evidence_note=rng.choice(["Small human trials", "Animal studies only", "National approval + trials", ""]),
        risk_profile=rng.choice(list(RiskProfile)),
        risk_note=rng.choice(["", "Few human safety data"]),
        sequence=sequence,
        n_terminus=n_terminus,
        c_terminus=c_terminus,
        molecular_formula=formula,
        molecular_weight=weight,
        route=route,
        route_rationale=write.bullets(
            ["Bypasses digestive breakdown", "Rapid absorption", f"Effects within {rng.choice(DURATIONS)}"]
        ),
        daily_max_low=daily_low,
        daily_max_high=daily_high,
        daily_max_unit=unit,
        daily_max_note=f"Do not exceed **{_dose_text(daily_low, daily_high, unit)} a day** (divided) {BLOCK_MARK}.",
        cycling_label=rng.choice(["Standard Protocol", "Russian Protocol", ""]),
        cycling=write.bullets([write.sentence(), write.sentence()]),
        side_effects_note=write.paragraph(2, 4),
        vendor_count_reported=rng.choice([None, 2, 3, 5]),
        vendors_checked_on=day - timedelta(days=rng.randint(0, 200)) if rng.random() < 0.5 else None,
        status=Status.DRAFT,
    )
    rows = {}
    rows[Synonym] = [
        Synonym(position=1, name=f"{''.join(rng.choice('ABCKLMPRSTX') for _ in range(2))}-{rng.randint(100, 999)}",
                kind=SynonymKind.CODE),
        Synonym(position=2, name=f"{name} {rng.choice(['Forte', 'Spray', 'Plus', 'Retard'])}", kind=SynonymKind.BRAND),
    ][: rng.randint(1, 2)]  # fmt: skip
    rows[Specification] = [
        Specification(
            position=position, label=label, value=rng.choice(values) + (f" {INLINE_MARK}" if rng.random() < 0.4 else "")
        )
        for position, (label, values) in enumerate(rng.sample(SPECIFICATIONS, rng.randint(4, 6)), 1)
    ]
    rows[RegulatoryStatus] = [
        RegulatoryStatus(
            position=position,
            jurisdiction=jurisdiction,
            authority=authority,
            state=rng.choice([RegulatoryState.APPROVED, RegulatoryState.NOT_APPROVED, RegulatoryState.UNKNOWN]),
            year=rng.randint(1995, 2024) if rng.random() < 0.5 else None,
            verified_on=day - timedelta(days=rng.randint(0, 400)) if rng.random() < 0.3 else None,
            note=f"Registration documents {BLOCK_MARK}." if rng.random() < 0.5 else "",
        )
        for position, (jurisdiction, authority) in enumerate(rng.sample(JURISDICTIONS, rng.randint(1, 3)), 1)
    ]
    rows[GlossaryTerm] = [
        GlossaryTerm(position=position, term=term, meaning=meaning)
        for position, (term, meaning) in enumerate(rng.sample(GLOSSARY, rng.randint(6, 10)), 1)
    ]
    titles = ["Research Overview", *rng.sample(SECTION_TITLES, 9)]
    subsections = rng.sample(SUBSECTION_TITLES, 2)
    for subsection in subsections:
        titles.insert(rng.randint(2, len(titles)), subsection)
    rows[Section] = [
        Section(
            position=position,
            title=title,
            anchor=slugify(title),
            level=3 if title in subsections else 2,
            body=write.prose(rng.randint(2, 4)),
        )
        for position, title in enumerate(titles, 1)
    ]
    tables, table_rows = [], []
    for position in range(1, rng.randint(1, 2) + 1):
        other = plans[plan.compared_with] if position == 1 and plan.compared_with is not None else None
        other_label = other.name if other else rng.choice(COMPARISON_CLASSES)
        title = f"{name} vs {other_label}" if other or position == 2 else f"Why {name} is Unique"
        table = ComparisonTable(
            position=position,
            title=title,
            anchor=slugify(title)[:80],
            row_header="Parameter",
            subject_label=name,
            other_label=other_label,
            note=f"**Clinical significance:** {write.sentence()}",
        )
        table.other_index = other.index if other else None
        tables.append(table)
        table_rows.append(
            (
                table,
                [
                    ComparisonRow(
                        position=row_position,
                        label=label,
                        subject_value=rng.choice(["**None**", "Yes", "Minimal", "Rapid", "Limited"])
                        + (f" {INLINE_MARK}" if rng.random() < 0.3 else ""),
                        other_value=rng.choice(["Yes", "Common", "Slow", "Extensive", ""]),
                    )
                    for row_position, label in enumerate(rng.sample(COMPARISON_LABELS, rng.randint(5, 8)), 1)
                ],
            )
        )
    rows[ComparisonTable] = tables
    use_cases = [
        UseCase(position=position, title=title, anchor=slugify(title), body=write.prose(rng.randint(1, 3)))
        for position, title in enumerate(rng.sample(USE_CASES, rng.randint(3, 5)), 1)
    ]
    rows[UseCase] = use_cases
    rows[DosingProtocol] = protocols
    protocol_use_cases = [(protocol, rng.choice([None, *use_cases])) for protocol in protocols]
    rows[AdministrationStep] = [
        AdministrationStep(position=position, route=route, text=text)
        for position, text in enumerate(STEPS[route][: rng.randint(3, 5)], 1)
    ]
    onset = rng.choice([5, 10, 15, 30])
    rows[TimeCourse] = [
        TimeCourse(position=1, phase=TimePhase.ONSET, text=f"{onset}-{onset * 2} minutes", minutes_low=onset,
                   minutes_high=onset * 2),
        TimeCourse(position=2, phase=TimePhase.PEAK, text="1-2 hours", minutes_low=60, minutes_high=120),
        TimeCourse(position=3, phase=TimePhase.DURATION, text="4-6 hours", minutes_low=240, minutes_high=360),
    ]  # fmt: skip
    rows[TimelineEntry] = [
        TimelineEntry(position=position, timeframe=timeframe, effects=effects)
        for position, (timeframe, effects) in enumerate(sorted(rng.sample(TIMELINE, 4), key=TIMELINE.index), 1)
    ]
    frequencies = list(SideEffectFrequency)
    rows[SideEffect] = [
        SideEffect(
            position=position,
            effect=effect,
            frequency=(frequency := rng.choice(frequencies)),
            frequency_text=frequency.label.split(" (")[0] if rng.random() < 0.7 else "",
            note=rng.choice(["", "At high doses", "Usually mild and short-lived"]),
        )
        for position, effect in enumerate(rng.sample(SIDE_EFFECTS, rng.randint(4, 6)), 1)
    ]
    rows[Interaction] = [
        Interaction(
            position=position,
            substance=substance,
            effect=f"{write.plain_sentence()[:-1]} {INLINE_MARK}.",
            severity=rng.choice(list(InteractionSeverity)),
            basis=rng.choice(list(InteractionBasis)),
            mechanism=f"Both act on {rng.choice(MECHANISMS).split(' of ')[-1]} {INLINE_MARK}."
            if rng.random() < 0.5
            else "",
        )
        for position, substance in enumerate(rng.sample(SUBSTANCES, rng.randint(2, 4)), 1)
    ]
    rows[Contraindication] = [
        Contraindication(position=position, condition=condition, qualifier=rng.choice(["no data", "theoretical", ""]))
        for position, condition in enumerate(rng.sample(CONTRAINDICATIONS, rng.randint(2, 4)), 1)
    ]
    rows[Limitation] = [
        Limitation(position=position, title=title, detail=detail)
        for position, (title, detail) in enumerate(rng.sample(LIMITATIONS, rng.randint(3, 4)), 1)
    ]
    related = []
    for position, other in enumerate(plan.related, 1):
        link = RelatedCompound(
            position=position,
            relation=rng.choice([Relation.SIMILAR, Relation.COMBINED_WITH, Relation.ALTERNATIVE]),
            note=rng.choice(["", f"Often compared with {name}", "Complementary effects"]),
        )
        link.other_index = other
        related.append(link)
    rows[RelatedCompound] = related
    findings, seen = [], set()
    for position in range(1, rng.randint(8, 15) + (10 if len(plan.sources) > 100 else 0) + 1):
        outcome = rng.choice(outcomes)
        source_index = rng.choice(plan.sources)
        claim = write.plain_sentence()
        if (outcome.pk, source_index, claim) in seen:
            continue
        seen.add((outcome.pk, source_index, claim))
        findings.append(
            Finding(
                outcome=outcome,
                source_id=sources.pks[source_index],
                direction=rng.choice(["benefit", "benefit", "benefit", "no_effect", "mixed", "harm"]),
                magnitude=rng.choice(["", f"{rng.randint(5, 60)}% reduction vs control", "Effect size d = 0.4"]),
                claim=claim,
                position=position,
            )
        )
    rows[Finding] = findings
    grades = []
    if findings and rng.random() < 0.1:
        grades.append(
            OutcomeGrade(
                outcome=findings[0].outcome,
                level=rng.randint(2, 5),
                reason="The computed grade counts a study whose design the paper describes differently.",
            )
        )
    rows[OutcomeGrade] = grades
    rows[VendorOffer] = [
        VendorOffer(
            position=position,
            vendor=vendor,
            product=f"{name} {rng.choice(['nasal spray', 'vial', 'capsules'])}, {amount} mg",
            amount_mg=Decimal(amount),
            price=Decimal(rng.randint(1500, 12000)) / 100,
            currency=rng.choice(["USD", "USD", "EUR"]),
            url=f"https://example.org/{slugify(vendor)}/{plan.slug}-{amount}mg",
            checked_on=day - timedelta(days=rng.randint(0, 180)),
        )
        for position, (vendor, amount) in enumerate(
            zip(rng.sample(VENDORS, rng.randint(0, 4)), [5, 10, 10, 20], strict=False), 1
        )
    ]
    cited = [(sources.keys[i], sources.dois[i], sources.pmids[i]) for i in plan.sources]
    _fill_citations(rng, compound, rows, table_rows, cited)
    return Content(
        compound=compound,
        rows=rows,
        table_rows=table_rows,
        protocol_use_cases=protocol_use_cases,
        grade_set_at=plan.published_at - timedelta(days=1) if grades else None,
    )


def _text_slots(compound, rows, table_rows):
    """(instance, field name) of every generated text holding a citation mark, in a fixed order."""
    instances = [compound, *(row for model_rows in rows.values() for row in model_rows)]
    instances += [row for _table, comparison_rows in table_rows for row in comparison_rows]
    for instance in instances:
        for model_field in instance._meta.concrete_fields:
            value = getattr(instance, model_field.attname)
            if isinstance(value, str) and (BLOCK_MARK in value or INLINE_MARK in value):
                yield instance, model_field.attname


def _fill_citations(rng, compound, rows, table_rows, cited):
    """Replace the citation marks so that the profile cites every one of `cited` ((key, DOI, PMID) of each source),
    each at least once.

    Inline marks (table cells, which have a length limit) cite one source; prose shares out the rest evenly, so a
    profile citing 200 sources has groups of several ([@a; @b; @c]) where one citing 30 has single citations.
    """
    slots = list(_text_slots(compound, rows, table_rows))
    pending = list(range(len(cited)))
    rng.shuffle(pending)
    block_marks = sum(getattr(instance, name).count(BLOCK_MARK) for instance, name in slots)
    by_doi = [rng.random() < DOI_CITING_SHARE]  # still to cite one source by its DOI

    def cite(match):
        nonlocal block_marks
        if match.group(0) == INLINE_MARK:
            chosen = [pending.pop() if pending and rng.random() < 0.5 else rng.randrange(len(cited))]
        else:
            share = math.ceil(len(pending) / block_marks)
            block_marks -= 1
            chosen = [pending.pop() for _ in range(share)] or [rng.randrange(len(cited))]
        return _group(rng, [cited[i] for i in chosen], by_doi)

    for instance, name in slots:
        setattr(instance, name, MARKS_RE.sub(cite, getattr(instance, name)))


def _group(rng, cited, by_doi):
    """A citation group as editors write them: mostly [@key] or [@a; @b]; now and then a page, a "see", a PMID or
    (once, in some profiles) a DOI."""
    items = []
    for key, doi, pmid in cited:
        roll = rng.random()
        if by_doi[0] and doi:
            by_doi[0] = False
            items.append(f"@doi:{doi}")
        elif roll < 0.03 and pmid:
            items.append(f"@pmid:{pmid}")
        elif roll < 0.07 and len(cited) == 1:
            items.append(f"@{key}, p. {rng.randint(2, 300)}")
        elif roll < 0.09 and len(cited) == 1:
            items.append(f"see @{key}")
        else:
            items.append(f"@{key}")
    return "[" + "; ".join(items) + "]"


# --- Writing the rows ---------------------------------------------------------------------------------------------


def _reference_data(spec):
    """Categories and outcomes: those with the corpus's slugs are used as they are, the missing ones created."""
    for model, entries in ((Category, CATEGORIES), (Outcome, OUTCOMES)):
        existing = set(model.objects.filter(slug__in=[slug for _name, slug in entries]).values_list("slug", flat=True))
        model.objects.bulk_create(
            model(name=name, slug=slug, position=position)
            for position, (name, slug) in enumerate(entries)
            if slug not in existing
        )
    by_slug = {category.slug: category for category in Category.objects.filter(slug__in=[s for _n, s in CATEGORIES])}
    categories = [by_slug[slug] for _name, slug in CATEGORIES]
    by_slug = {outcome.slug: outcome for outcome in Outcome.objects.filter(slug__in=[s for _n, s in OUTCOMES])}
    return categories, [by_slug[slug] for _name, slug in OUTCOMES]


def _write_batch(spec, plans, batch, sources, categories, outcomes, compound_pks):
    """Write one batch of compounds with all their rows, a live stub version each; return the rows written."""
    contents = [_content(spec, plans[i], plans, sources, outcomes, plans[i].published_at.date()) for i in batch]
    Compound.objects.bulk_create([content.compound for content in contents])
    for i, content in zip(batch, contents, strict=True):
        compound_pks[i] = content.compound.pk
    variants = [content.compound for i, content in zip(batch, contents, strict=True) if plans[i].parent is not None]
    for i, content in zip(batch, contents, strict=True):
        if plans[i].parent is not None:
            content.compound.parent_id = compound_pks[plans[i].parent]
    # Set afterwards rather than at insert: a parent in the same batch has no id until the batch is written.
    Compound.objects.bulk_update(variants, ["parent"])

    written = 0
    for content in contents:
        for model_rows in content.rows.values():
            for row in model_rows:
                row.compound = content.compound
                if isinstance(row, RelatedCompound):
                    row.related_id = compound_pks[row.other_index]
                elif isinstance(row, ComparisonTable) and row.other_index is not None:
                    row.other_compound_id = compound_pks[row.other_index]
    # Parents first: protocols point at use cases, comparison rows at their tables.
    for model in (UseCase, ComparisonTable):
        instances = [row for content in contents for row in content.rows[model]]
        model.objects.bulk_create(instances)
        written += len(instances)
    for content in contents:
        for protocol, use_case in content.protocol_use_cases:
            protocol.use_case = use_case
        for table, comparison_rows in content.table_rows:
            for row in comparison_rows:
                row.table = table
    comparison_rows = [row for content in contents for _table, rows in content.table_rows for row in rows]
    ComparisonRow.objects.bulk_create(comparison_rows)
    written += len(comparison_rows)
    for model in contents[0].rows:
        if model in (UseCase, ComparisonTable):
            continue
        instances = [row for content in contents for row in content.rows[model]]
        model.objects.bulk_create(instances)
        written += len(instances)
    for content in contents:
        if content.grade_set_at is not None:  # auto_now stamped today
            OutcomeGrade.objects.filter(compound=content.compound).update(set_at=content.grade_set_at)

    category_links = Compound.categories.through
    category_links.objects.bulk_create(
        category_links(compound_id=compound_pks[i], category_id=categories[c].pk)
        for i in batch
        for c in plans[i].categories
    )
    # Version 1 of each, as compound_publish stores it beside the page (which the page phase writes in), made live.
    stubs = [
        ProfileSnapshot(
            compound_id=compound_pks[i],
            version=1,
            name=plans[i].name,
            slug=plans[i].slug,
            summary=plans[i].summary,
            featured=content.compound.featured,
            published_at=plans[i].published_at,
            published_by=None,
            published_by_name="",
            edit_summary=EDIT_SUMMARY,
            minor=False,
        )
        for i, content in zip(batch, contents, strict=True)
    ]
    ProfileSnapshot.objects.bulk_create(stubs)
    snapshot_links = ProfileSnapshot.categories.through
    snapshot_links.objects.bulk_create(
        snapshot_links(profilesnapshot_id=stub.pk, category_id=categories[c].pk)
        for i, stub in zip(batch, stubs, strict=True)
        for c in plans[i].categories
    )
    live = ProfileSnapshot.objects.filter(compound_id=OuterRef("pk"), version=1).values("pk")
    published_at = ProfileSnapshot.objects.filter(compound_id=OuterRef("pk"), version=1).values("published_at")
    # created_at/updated_at: the publication time rather than today's, which auto_now(_add) stamped.
    Compound.objects.filter(pk__in=[compound_pks[i] for i in batch]).update(
        status=Status.PUBLISHED,
        live_snapshot=Subquery(live),
        created_at=Subquery(published_at),
        updated_at=Subquery(published_at),
    )
    return written


# --- Pages --------------------------------------------------------------------------------------------------------


@dataclass
class Page:
    """What one built page writes: the version's changed fields, its citation rows and the profiles it links to."""

    compound_id: int
    snapshot_id: int
    fields: dict
    citations: list  # (source id, number, uses)
    linked: list


def _field_values(snapshot):
    return {f.attname: getattr(snapshot, f.attname) for f in ProfileSnapshot._meta.concrete_fields if not f.primary_key}


def build_pages(compound_ids):
    """Build, check and render the pages of some compounds, as compound_publish would; nothing is written.

    Runs in a worker process or in the command's own: it only reads.
    """
    pages = []
    for profile in compounds_for_profile().filter(pk__in=compound_ids).order_by("pk"):
        built = profile_build(profile)
        checks = profile_publish_checks(profile=profile, built=built)
        if checks.errors:
            raise CorpusError(f"{profile.name} fails the publish checks: {' '.join(c.message for c in checks.errors)}")
        snapshot = profile.live_snapshot
        snapshot.compound = profile
        before = _field_values(snapshot)
        for name, value in snapshot_values(profile=profile, built=built, body_html=built.render_body()).items():
            setattr(snapshot, name, value)
        snapshot.acknowledged_warnings = [{"code": check.code, "message": check.message} for check in checks.warnings]
        snapshot_page_render(snapshot)
        # Rendered "now" by a real publication, which is its publication time: a corpus has no today.
        snapshot.page_rendered_at = snapshot.published_at
        pages.append(
            Page(
                compound_id=profile.pk,
                snapshot_id=snapshot.pk,
                fields={name: value for name, value in _field_values(snapshot).items() if before[name] != value},
                citations=[(ref.source.pk, ref.number, len(ref.uses)) for ref in built.registry.references],
                linked=sorted(built.linked_compound_ids),
            )
        )
    reset_queries()
    return pages


def _write_pages(pages):
    linked = ProfileSnapshot.linked_compounds.through
    with transaction.atomic():
        for page in pages:
            ProfileSnapshot.objects.filter(pk=page.snapshot_id).update(**page.fields)
        Citation.objects.bulk_create(
            Citation(compound_id=page.compound_id, source_id=source_id, number=number, uses=uses)
            for page in pages
            for source_id, number, uses in page.citations
        )
        linked.objects.bulk_create(
            linked(profilesnapshot_id=page.snapshot_id, compound_id=compound_id)
            for page in pages
            for compound_id in page.linked
        )
    return sum(len(page.citations) for page in pages)


def _worker_start():
    # Forked after the parent closed its connections: each worker opens its own on first use.
    connections.close_all()


def _in_process(spec):
    """Build pages in this process when workers could not read what this one wrote: inside a transaction (a
    test), on an in-memory database, or when asked for one worker."""
    name = str(connection.settings_dict.get("NAME") or "")
    return spec.workers <= 1 or connection.in_atomic_block or name == ":memory:" or "mode=memory" in name


def _publish_pages(spec, compound_ids, result, progress):
    chunks = [compound_ids[start : start + PAGE_CHUNK] for start in range(0, len(compound_ids), PAGE_CHUNK)]
    started = time.perf_counter()
    done = 0

    def written(pages):
        nonlocal done
        before = done
        result.citations += _write_pages(pages)
        reset_queries()
        result.snapshots += len(pages)
        done += len(pages)
        if done // PROGRESS_EVERY > before // PROGRESS_EVERY or done == len(compound_ids):
            progress(f"pages: {done}/{len(compound_ids)} published ({time.perf_counter() - started:.1f} s)")

    if _in_process(spec):
        result.workers = 1
        for chunk in chunks:
            written(build_pages(chunk))
        return
    result.workers = spec.workers
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(spec.workers, initializer=_worker_start) as pool:
        # A few tasks ahead of the writes, in order: built pages never pile up in memory while the writes catch up.
        running = collections.deque()
        for chunk in chunks:
            running.append(pool.apply_async(build_pages, (chunk,)))
            if len(running) > 2 * spec.workers:
                written(running.popleft().get())
        while running:
            written(running.popleft().get())


def _analyze():
    """Give the query planner statistics of the tables just filled. Without them SQLite finds a live version by its
    slug through the status index (every published compound, 40 ms at 10,000) instead of the slug index."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- The corpus ---------------------------------------------------------------------------------------------------


def bench_corpus_seed(*, spec, progress=lambda message: None):
    """Seed an empty database with the corpus `spec` describes; return counts and timings.

    Refuses a database holding any compound or source: the corpus never mixes with editorial content. Sources,
    compounds and their rows are written in one transaction; the pages are then written batch by batch (by worker
    processes when `spec.workers` > 1), so a run stopped half-way leaves published stubs to flush.
    """
    spec.check()
    if Compound.objects.exists() or Source.objects.exists():
        raise CorpusError(
            "The database already holds compounds or sources: seed_bench fills an empty database only "
            "(e.g. a fresh MONOGRAPH_VAR_DIR, or `manage.py flush`)."
        )
    result = SeedResult()
    started = time.perf_counter()
    with transaction.atomic():
        categories, outcomes = _reference_data(spec)
        sources = _create_sources(spec, spec.batch_size, progress)
        plans = _plan(spec, sources)
        compound_pks = [None] * spec.compounds
        for start in range(0, spec.compounds, spec.batch_size):
            batch = list(range(start, min(start + spec.batch_size, spec.compounds)))
            result.rows += _write_batch(spec, plans, batch, sources, categories, outcomes, compound_pks)
            reset_queries()
            end = batch[-1] + 1
            if end // PROGRESS_EVERY > start // PROGRESS_EVERY or end == spec.compounds:
                progress(f"profiles: {end}/{spec.compounds} written ({time.perf_counter() - started:.1f} s)")
    _analyze()
    result.compounds, result.sources, result.categories = spec.compounds, spec.sources, len(categories)
    result.generate_seconds = time.perf_counter() - started
    del sources
    started = time.perf_counter()
    _publish_pages(spec, compound_pks, result, progress)
    # As compound_publish does: pages cached before (a previous corpus at the same addresses) are not served.
    pages_invalidate(scopes=[LISTINGS, *(profile_scope(plan.slug) for plan in plans)])
    _analyze()
    result.pages_seconds = time.perf_counter() - started
    return result
