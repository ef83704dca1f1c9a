"""The one Markdown renderer: Python-Markdown → citations → nh3.

Admin preview, public pages and exports all go through `render_markdown`, so
what an editor previews is what readers get, and every output is sanitized.
"""

import html
import re
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor

from evidence.selectors import sources_for_keys

from .citations import GROUP_PATTERN, citation_keys, parse_group

MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "def_list"]

_CLEANER = nh3.Cleaner(
    tags={
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    },
    attributes={
        "a": {"href", "title", "id", "class", "aria-label"},
        "abbr": {"title"},
        "img": {"src", "alt", "title", "width", "height"},
        "span": {"class", "id", "title"},
        "sup": {"class", "id"},
        "code": {"class"},
        "ol": {"start", "class"},
        "p": {"class"},
        "td": {"colspan", "rowspan", "align"},
        "th": {"colspan", "rowspan", "align", "scope"},
        "div": {"class"},
    },
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize(fragment):
    return _CLEANER.clean(fragment)


@dataclass
class Reference:
    number: int
    source: object
    uses: list = field(default_factory=list)  # ids of the citation groups that cite it


class CitationRegistry:
    """Numbers sources by first appearance across one whole page.

    `resolved` maps citation keys to Source objects; it is filled once per
    page so rendering makes no queries.
    """

    def __init__(self, resolved, anchor_prefix=""):
        self.resolved = resolved
        self.prefix = anchor_prefix
        self.by_source = {}
        self.unknown = []
        self._groups = 0

    @property
    def references(self):
        return sorted(self.by_source.values(), key=lambda ref: ref.number)

    def ref_id(self, number):
        return f"{self.prefix}ref-{number}"

    def number_for(self, source):
        ref = self.by_source.get(source.pk)
        if ref is None:
            ref = self.by_source[source.pk] = Reference(number=len(self.by_source) + 1, source=source)
        return ref

    def render_group(self, items):
        self._groups += 1
        group_id = f"{self.prefix}cite-{self._groups}"
        cited = []
        unknown = []
        unnumbered = []
        for item in items:
            source = self.resolved.get(item.key)
            if source is None:
                unknown.append(item.key)
                if item.key not in self.unknown:
                    self.unknown.append(item.key)
                continue
            ref = self.number_for(source)
            if ref is None:
                unnumbered.append(item.key)
                continue
            if group_id not in ref.uses:
                ref.uses.append(group_id)
            cited.append((ref.number, item))
        parts = self._format(cited)
        for key in unknown:
            parts.append(f'<span class="citation-unknown" title="No source has this key">@{html.escape(key)}?</span>')
        for key in unnumbered:
            parts.append(f'<span class="citation-new">[new: @{html.escape(key)} — numbered on save]</span>')
        if not parts:
            return ""
        separator = "; " if any(item.locator or item.prefix for _n, item in cited) else ", "
        return f'<span class="citation" id="{group_id}">({separator.join(parts)})</span>'

    def _link(self, number):
        return f'<a href="#{self.ref_id(number)}" aria-label="Reference {number}">{number}</a>'

    def _format(self, cited):
        plain = sorted({n for n, item in cited if not item.locator and not item.prefix})
        parts = []
        # Runs of three or more consecutive numbers collapse to a range: (1–3, 5).
        run = []
        for number in plain + [None]:
            if run and (number is None or number != run[-1] + 1):
                if len(run) >= 3:
                    parts.append(f"{self._link(run[0])}–{self._link(run[-1])}")
                else:
                    parts.extend(self._link(n) for n in run)
                run = []
            if number is not None:
                run.append(number)
        for number, item in cited:
            if item.locator or item.prefix:
                text = self._link(number)
                if item.prefix:
                    text = f"{html.escape(item.prefix)} {text}"
                if item.locator:
                    text = f"{text}, {html.escape(item.locator)}"
                parts.append(text)
        return parts


class PageNumberedRegistry(CitationRegistry):
    """Numbers one text's citations as a whole page numbers them (`page_numbers`: source id → number).

    A source the page does not cite yet gets no number here: its number depends on where a save places it,
    and a guessed one would mislead. Such citations are marked new instead.
    """

    def __init__(self, resolved, page_numbers, anchor_prefix=""):
        super().__init__(resolved, anchor_prefix=anchor_prefix)
        self.page_numbers = page_numbers
        self.new = []

    def number_for(self, source):
        number = self.page_numbers.get(source.pk)
        if number is None:
            if source not in self.new:
                self.new.append(source)
            return None
        ref = self.by_source.get(source.pk)
        if ref is None:
            ref = self.by_source[source.pk] = Reference(number=number, source=source)
        return ref


class _CitationInline(InlineProcessor):
    def __init__(self, pattern, md, registry):
        super().__init__(pattern, md)
        self.registry = registry

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown API)
        items = parse_group(m.group(1))
        if not items:
            return None, None, None
        return self.md.htmlStash.store(self.registry.render_group(items)), m.start(0), m.end(0)


class _CitationExtension(markdown.Extension):
    def __init__(self, registry):
        super().__init__()
        self.registry = registry

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown API)
        # Above reference-style links (170) so "[@key]" is never read as one.
        md.inlinePatterns.register(_CitationInline(GROUP_PATTERN, md, self.registry), "citation", 175)


_PARAGRAPH_RE = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


def render_markdown(text, registry=None, *, inline=False):
    """Render editor Markdown to sanitized HTML, numbering citations in `registry`."""
    if not text:
        return ""
    if registry is None:
        registry = registry_for_texts([text])
    md = markdown.Markdown(extensions=[*MARKDOWN_EXTENSIONS, _CitationExtension(registry)])
    output = md.convert(text)
    if inline:
        match = _PARAGRAPH_RE.match(output.strip())
        if match and "<p>" not in match.group(1):
            output = match.group(1)
    return sanitize(output)


def registry_for_texts(texts, anchor_prefix=""):
    """A registry with every key of `texts` resolved in one query."""
    keys = []
    for text in texts:
        keys.extend(citation_keys(text))
    return CitationRegistry(sources_for_keys(keys), anchor_prefix=anchor_prefix)


def markdownify_preview(content, page_numbers=None, note=""):
    """django-markdownx preview: same renderer, with a warning for unknown keys and a reference list.

    With `page_numbers` (source id → number on the saved profile's page), citations carry the numbers the page
    gives them; without it they count from this text alone, which `note` should say.
    """
    if page_numbers is None:
        registry = registry_for_texts([content], anchor_prefix="preview-")
    else:
        registry = PageNumberedRegistry(
            sources_for_keys(citation_keys(content)), page_numbers, anchor_prefix="preview-"
        )
    body = render_markdown(content, registry)
    new = registry.new if page_numbers is not None else []
    parts = []
    if note:
        parts.append(f'<p class="preview-note">{html.escape(note)}</p>')
    if registry.unknown:
        keys = ", ".join(f"@{html.escape(key)}" for key in registry.unknown)
        parts.append(
            f'<p class="preview-warning" role="alert">Unknown citation key(s): {keys}. '
            "Saving will be refused until each key names a source.</p>"
        )
    parts.append(body)
    # The numbers are written out: page numbering leaves gaps an <ol> would close.
    items = [
        f'<li><span id="{registry.ref_id(ref.number)}">{ref.number}.</span> {html.escape(str(ref.source))}</li>'
        for ref in registry.references
    ]
    items.extend(f"<li>New, numbered on save: {html.escape(str(source))}</li>" for source in new)
    if items:
        parts.append(f'<div class="preview-references"><ul>{"".join(items)}</ul></div>')
    return sanitize("".join(parts))
