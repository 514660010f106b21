"""The report's HTML (the markdown emphasis it writes becomes HTML, arithmetic and text stay as written) and
its title."""

from interplay.report.document import _inline, _title


def test_emphasis_becomes_html_and_the_rest_is_escaped():
    text = "Rule: *increase* holds if 2 * 3 < 7 and **bold** a*b*c; *no gain* holds"
    assert _inline(text) == ("Rule: <i>increase</i> holds if 2 * 3 &lt; 7 and <b>bold</b> a*b*c; "
                             "<i>no gain</i> holds")


def test_the_title_says_what_the_command_line_changed():
    plan = {"recipe": "f1_edge_of_competence", "scale": "cpu"}
    assert _title(plan) == "f1_edge_of_competence at scale cpu"  # and so for a run.json from before `set` was kept
    assert _title({**plan, "set": ["rl_steps=480"]}) == "f1_edge_of_competence at scale cpu, --set rl_steps=480"
