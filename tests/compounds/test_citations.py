"""Citation syntax: which bracket groups are citations, their keys, and rewriting keys."""

from compounds.citations import citation_keys, parse_group, rewrite_keys


def test_groups_with_prefix_locator_and_several_keys_are_parsed():
    [first, second] = parse_group("see @kasian2017, p. 4; @doi:10.1155/2017/5091027")
    assert (first.key, first.prefix, first.locator) == ("kasian2017", "see", "p. 4")
    assert second.key == "doi:10.1155/2017/5091027"


def test_keys_come_in_first_appearance_order_without_duplicates():
    assert citation_keys("A [@b]. B [@a; @b]. C [@c.]") == ["b", "a", "c"]


def test_code_is_not_a_citation():
    assert citation_keys("`[@alpha]` and\n\n```\n[@beta]\n```\n") == []


def test_email_addresses_and_links_are_not_citations():
    assert parse_group("mail me@example.com") is None
    assert citation_keys("[text](http://example.com/@user) and [me@example.com]") == []


def test_rewriting_keeps_prefixes_locators_and_code():
    text = "See [see @old, p. 4; @other] and `[@old]`."
    assert (
        rewrite_keys(text, lambda key: "new" if key == "old" else None) == "See [see @new, p. 4; @other] and `[@old]`."
    )
