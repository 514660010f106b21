"""The report's HTML: the markdown emphasis it writes becomes HTML, arithmetic and text stay as written."""

from interplay.report.document import _inline


def test_emphasis_becomes_html_and_the_rest_is_escaped():
    text = "Rule: *increase* holds if 2 * 3 < 7 and **bold** a*b*c; *no gain* holds"
    assert _inline(text) == ("Rule: <i>increase</i> holds if 2 * 3 &lt; 7 and <b>bold</b> a*b*c; "
                             "<i>no gain</i> holds")
