import re

import pytest

from compounds.rendering import markdownify_preview, registry_for_texts, render_markdown
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def numbers_in(html):
    """The visible citation numbers of each citation group, in page order."""
    groups = re.findall(r'<span class="citation" id="[^"]+">\((.*?)\)</span>', html)
    return [re.sub(r"<[^>]+>", "", group) for group in groups]


@pytest.fixture
def sources():
    return {key: SourceFactory(key=key) for key in ["alpha", "beta", "gamma", "delta", "eps"]}


def test_numbers_follow_first_appearance_and_reuse(sources):
    html = render_markdown("One [@gamma]. Two [@alpha]. Again [@gamma].")
    assert numbers_in(html) == ["1", "2", "1"]


def test_numbering_spans_several_fields_of_one_page(sources):
    texts = ["Intro [@beta].", "Later [@alpha] and [@beta]."]
    registry = registry_for_texts(texts)
    first, second = (render_markdown(text, registry) for text in texts)
    assert numbers_in(first) == ["1"]
    assert numbers_in(second) == ["2", "1"]
    assert [ref.source.key for ref in registry.references] == ["beta", "alpha"]


def test_runs_collapse_to_ranges(sources):
    registry = registry_for_texts(["[@alpha] [@beta] [@gamma] [@delta] [@eps]"])
    for key in ["alpha", "beta", "gamma", "delta", "eps"]:
        render_markdown(f"[@{key}]", registry)
    html = render_markdown("All [@alpha; @beta; @gamma; @eps].", registry)
    assert numbers_in(html) == ["1–3, 5"]


def test_two_consecutive_numbers_stay_separate(sources):
    html = render_markdown("[@alpha] [@beta] [@beta; @alpha]")
    assert numbers_in(html)[-1] == "1, 2"


def test_locator_and_prefix_are_kept(sources):
    html = render_markdown("See [@alpha, p. 4] and [see @beta, pp. 3-4].")
    assert numbers_in(html) == ["1, p. 4", "see 2, pp. 3-4"]


def test_doi_and_pmid_keys_resolve_to_the_same_number():
    source = SourceFactory(key="kasian2017", doi="10.1155/2017/5091027", pmid=28280289)
    html = render_markdown(
        "[@kasian2017] [@doi:10.1155/2017/5091027] [@pmid:28280289] [@doi:https://doi.org/10.1155/2017/5091027]"
    )
    assert numbers_in(html) == ["1", "1", "1", "1"]
    assert source.citations.count() == 0  # rendering alone stores nothing


def test_markers_link_to_reference_anchor(sources):
    html = render_markdown("Claim [@alpha].")
    assert '<span class="citation" id="cite-1">' in html
    assert 'href="#ref-1"' in html


def test_unknown_key_is_marked_and_reported(sources):
    registry = registry_for_texts(["x"])
    html = render_markdown("Claim [@nosuchkey].", registry)
    assert "citation-unknown" in html
    assert registry.unknown == ["nosuchkey"]


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ("<script>alert('x')</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<svg onload="alert(1)"></svg>', "onload"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style="),
    ],
)
def test_xss_payloads_are_stripped(payload, forbidden):
    assert forbidden not in render_markdown(f"Text {payload} more").lower()
    assert forbidden not in markdownify_preview(f"Text {payload} more").lower()


def test_code_is_shown_as_written_not_cited(sources):
    html = render_markdown("Write `[@alpha]` to cite.")
    assert "citation" not in html and "[@alpha]" in html


def test_citation_key_cannot_inject_markup():
    html = render_markdown('[@x"><script>alert(1)</script>]')
    assert "<script" not in html


def test_preview_warns_about_unknown_keys_and_lists_references(sources):
    html = markdownify_preview("Known [@alpha], unknown [@ghost].")
    assert "Unknown citation key(s): @ghost" in html
    assert "preview-references" in html and "alpha" in html


def test_markdown_features_survive_sanitizing():
    html = render_markdown("## Heading\n\n**bold** *it* `code`\n\n- a\n- b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    for fragment in [
        "<h2>Heading</h2>",
        "<strong>bold</strong>",
        "<em>it</em>",
        "<code>code</code>",
        "<li>a</li>",
        "<td>1</td>",
    ]:
        assert fragment in html
