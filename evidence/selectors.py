from .identifiers import normalize_doi
from .models import Source


def sources_for_keys(keys):
    """Map each citation key (plain, doi:… or pmid:…) to its Source; unknown keys are absent."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    sources = list(Source.objects.for_keys(keys).select_related("translation_of"))
    by_key = {source.key: source for source in sources}
    by_doi = {source.doi: source for source in sources if source.doi}
    by_pmid = {source.pmid: source for source in sources if source.pmid}
    resolved = {}
    for key in keys:
        lowered = key.lower()
        if lowered.startswith("doi:"):
            source = by_doi.get(normalize_doi(key[4:]))
        elif lowered.startswith("pmid:"):
            digits = key[5:].strip()
            source = by_pmid.get(int(digits)) if digits.isdigit() else None
        else:
            source = by_key.get(key)
        if source is not None:
            resolved[key] = source
    return resolved
