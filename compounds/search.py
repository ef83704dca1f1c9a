"""Full-text search over the published versions, and "did you mean" when it finds nothing.

The index lives in the database (migration 0012): on PostgreSQL a GIN index on the snapshot table's weighted
`tsvector` (POSTGRES_DOCUMENT), on SQLite an FTS5 table fed by triggers on the snapshot table. Both index every version
ever published; every query joins back to `ProfileSnapshot.objects.live()`, so a draft, an unpublished profile or
an older version is never found.

A reader's words are reduced to letters and digits before they reach either engine, so nothing typed can be
read as the engine's query syntax; each word matches as a prefix ("sel" finds Selank), and all must match.
"""

import re

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import ProfileSnapshot


class Sort:
    RELEVANCE = "relevance"
    NAME = "name"
    UPDATED = "updated"
    EVIDENCE = "evidence"
    CHOICES = [
        (RELEVANCE, "Best match"),
        (NAME, "Name (A–Z)"),
        (UPDATED, "Last updated"),
        (EVIDENCE, "Evidence level (strongest first)"),
    ]


MAX_WORDS = 8
# The weighted document PostgreSQL searches: the expression migration 0012 indexes (PostgreSQL matches it by
# meaning, so the columns may be qualified here, as the joins of the live() filter need).
POSTGRES_DOCUMENT = " || ".join(
    f"setweight(to_tsvector('english'::regconfig, coalesce(compounds_profilesnapshot.{column}, '')), '{weight}')"
    for column, weight in (
        ("name", "A"),
        ("search_synonyms", "A"),
        ("summary", "B"),
        ("search_glossary", "C"),
        ("search_text", "D"),
    )
).join("()")
# Private-use characters: they never occur in stored text (search text is cleaned of them), so they can mark the
# matched words in a snippet before it is escaped.
MARK_START, MARK_END = "\ue000", "\ue001"
# Letters and digits: what both engines' tokenizers keep (an underscore or "²" would find nothing).
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_MARKERS_RE = re.compile(f"[{MARK_START}{MARK_END}]")


def query_words(query):
    """The words of a reader's query that search uses, lower-cased, at most MAX_WORDS."""
    return [word.lower() for word in _WORD_RE.findall(query or "")][:MAX_WORDS]


def clean_text(text):
    """Text as the index may store it: without the snippet markers."""
    return _MARKERS_RE.sub("", text or "")


def _postgres():
    return connection.vendor == "postgresql"


def search(queryset, words, *, phrase=""):
    """`queryset` (live snapshots) narrowed to those matching every word, annotated with `relevance` (higher is
    better). One join, no query of its own. `phrase` is what the reader typed, for PostgreSQL's own parser."""
    if _postgres():
        # Every word as a prefix, or the phrase as PostgreSQL parses documents: it reads "TP-7" as "tp" and "-7",
        # which no list of plain words can match.
        tsquery = "(websearch_to_tsquery('english', %s) || to_tsquery('english', %s))"
        params = [phrase[:200] or " ".join(words), " & ".join(f"{word}:*" for word in words)]
        return queryset.extra(
            where=[f"{POSTGRES_DOCUMENT} @@ {tsquery}"],
            params=params,
            select={"relevance": f"ts_rank_cd({POSTGRES_DOCUMENT}, {tsquery})"},
            select_params=params,
        )
    return queryset.extra(
        tables=["compounds_search"],
        where=["compounds_search.rowid = compounds_profilesnapshot.id", "compounds_search MATCH %s"],
        params=[_fts_query(words)],
        # Weights by column: name, synonyms, summary, prose, glossary. bm25 is lower for better matches.
        select={"relevance": "-bm25(compounds_search, 10.0, 8.0, 4.0, 1.0, 2.0)"},
    )


def _fts_query(words):
    return " ".join(f'"{word}"*' for word in words)


def snippets(snapshot_ids, words):
    """{snapshot id: a short passage of its text with the matched words in <mark>, escaped}. One query."""
    if not snapshot_ids or not words:
        return {}
    placeholders = ", ".join(["%s"] * len(snapshot_ids))
    with connection.cursor() as cursor:
        if _postgres():
            options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2"
            # The card shows the summary already: the passage comes from the prose and the glossary.
            cursor.execute(
                "SELECT id, ts_headline('english', concat_ws(' … ', NULLIF(search_text, ''), "
                "NULLIF(search_glossary, '')), "
                "to_tsquery('english', %s), %s) FROM compounds_profilesnapshot "
                f"WHERE id IN ({placeholders})",
                [" | ".join(f"{word}:*" for word in words), options, *snapshot_ids],
            )
        else:
            cursor.execute(
                f"SELECT rowid, snippet(compounds_search, -1, '{MARK_START}', '{MARK_END}', '…', 24) "
                f"FROM compounds_search WHERE compounds_search MATCH %s AND rowid IN ({placeholders})",
                [" OR ".join(f'"{word}"*' for word in words), *snapshot_ids],
            )
        rows = cursor.fetchall()
    return {pk: highlight(text) for pk, text in rows if text}


def highlight(text):
    """A passage with markers as HTML: the text escaped, the marked words in <mark>."""
    escaped = str(escape(text)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    if escaped.count("<mark>") != escaped.count("</mark>"):
        escaped = escaped.replace("<mark>", "").replace("</mark>", "")
    return mark_safe(escaped)


# --- Did you mean ---------------------------------------------------------------------------------


def suggestion(words, *, live=None):
    """A corrected query when the words found nothing: each word not known to the published profiles replaced by the
    closest that is (names, synonyms, summaries, glossary terms), or "" when there is nothing better to offer.
    One query."""
    live = ProfileSnapshot.objects.live() if live is None else live
    candidates = _trigram_candidates(words, live) if _postgres() else _vocabulary(live)
    corrected = []
    for word in words:
        known = candidates.get(word) if isinstance(candidates, dict) else candidates
        corrected.append(_closest_by_edits(word, known) if len(word) >= 3 and word not in known else None)
    corrected = [better or word for better, word in zip(corrected, words, strict=True)]
    return " ".join(corrected) if corrected != words else ""


def _vocabulary(live):
    vocabulary = set()
    for row in live.values_list("name", "search_synonyms", "summary", "search_glossary"):
        vocabulary.update(word.lower() for word in _WORD_RE.findall(" ".join(row)))
    return vocabulary


def _closest_by_edits(word, vocabulary):
    limit = 1 if len(word) <= 4 else 2
    best, best_distance = None, limit + 1
    for candidate in sorted(vocabulary):
        if abs(len(candidate) - len(word)) > limit or len(candidate) < 3:
            continue
        distance = edit_distance(word, candidate, limit)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def edit_distance(a, b, limit):
    """Damerau-Levenshtein (adjacent swaps count once) distance of a and b, or limit + 1 when it is larger."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = char_a != char_b
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _trigram_candidates(words, live):
    """{word: the published words most like it by trigram similarity (the word itself when it is one)}. Trigrams
    rank the candidates; the edit distance then chooses, since a swap of two letters shares few trigrams."""
    ids_sql, ids_params = live.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH vocabulary AS (SELECT DISTINCT lower(unnest(regexp_split_to_array("
            "  concat_ws(' ', name, search_synonyms, summary, search_glossary), '[^[:alnum:]]+'))) AS candidate"
            f"  FROM compounds_profilesnapshot WHERE id IN ({ids_sql})) "
            "SELECT asked, candidate FROM unnest(%s::text[]) AS asked, LATERAL ("
            "  SELECT candidate FROM vocabulary WHERE length(candidate) >= 3"
            "  ORDER BY similarity(candidate, asked) DESC, candidate LIMIT 8) AS best",
            [*ids_params, list(words)],
        )
        rows = cursor.fetchall()
    candidates = {word: set() for word in words}
    for asked, candidate in rows:
        candidates[asked].add(candidate)
    return candidates
