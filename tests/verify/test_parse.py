"""The parser: the paper's verbatim text, our formats, tags, odd whitespace, order, truncation, garbage."""

from hypothesis import given
from hypothesis import strategies as st

from interplay.verify.parse import extract_answer, normalize_name, parse_solution
from interplay.world.mixture import MixtureSpec, problem_at

# Verbatim from PAPER.md (the paper's op-5 teachers example).
PAPER_EXAMPLE = ("Define elementary school in Hawkesbury as H; so H = 2. Define regional medical school in Hawkesbury "
                 "as M; S = H = 2; so M = 1 + S = 1 + 2 = 3. Define total number of schools in Hawkesbury as g; "
                 "so g = H + M = 2 + 3 = 5. Answer: 5.")
# The paper generator's chained n-ary sum and trailing prefix, as PAPER.md quotes them.
PAPER_CHAIN = ("Define adult owl in South Zoo as g; so g = 12. Define adult crow in South Zoo as K; so K = 4. "
               "Define adult eagle in South Zoo as d; so d = 8. Define total number of adult animals in South Zoo as "
               "P; o = g + K = 12 + 4 = 16; v = o + d = 16 + 8 = 24; so P = 2 * v = 2 * 24 = 48. Answer: 48.")

SCHOOL, MEDICAL = "elementary school in hawkesbury", "regional medical school in hawkesbury"
TOTAL = "total number of schools in hawkesbury"


def test_paper_example():
    parsed = parse_solution(PAPER_EXAMPLE)
    assert parsed.answer == 5 and parsed.arithmetic_errors == 0
    assert {n.name: (set(n.parents), n.value) for n in parsed.nodes.values()} == {
        SCHOOL: (set(), 2), MEDICAL: ({SCHOOL}, 3), TOTAL: ({SCHOOL, MEDICAL}, 5)}


def test_chained_sums_are_followed_through_intermediate_letters():
    parsed = parse_solution(PAPER_CHAIN)
    total = parsed.nodes["total number of adult animals in south zoo"]
    assert total.value == 48
    assert total.parents == {"adult owl in south zoo", "adult crow in south zoo", "adult eagle in south zoo"}


def test_tags_whitespace_case_and_step_order():
    steps = PAPER_EXAMPLE.replace(" Answer: 5.", "").split(". Define ")
    shuffled = "Define " + ". Define ".join(reversed([steps[0].removeprefix("Define ")] + steps[1:])) + "."
    tagged = f"<question> q </question> <solution>  {shuffled.replace(' ', '   ')}\n</solution> <answer> 5 </answer>"
    parsed = parse_solution(tagged.replace("Hawkesbury", "HAWKESBURY"))
    assert parsed.answer == 5 and set(parsed.nodes) == {SCHOOL, MEDICAL, TOTAL}
    assert parsed.nodes[MEDICAL].value == 3


def test_truncated_text_keeps_what_was_written():
    parsed = parse_solution(PAPER_EXAMPLE[:120])
    assert parsed.answer is None and set(parsed.nodes) == {SCHOOL, MEDICAL}


def test_wrong_arithmetic_is_recorded():
    parsed = parse_solution(PAPER_EXAMPLE.replace("2 + 3 = 5", "2 + 3 = 6"))
    assert parsed.arithmetic_errors == 1 and parsed.nodes[TOTAL].value == 6


def test_modulus_aware_arithmetic():
    text = ("Define adult owl in South Zoo as a; so a = 20. "
            "Define adult crow in South Zoo as b; so b = 2 * a = 2 * 20 = 17.")
    assert parse_solution(text, modulus=23).arithmetic_errors == 0
    assert parse_solution(text).arithmetic_errors == 1


def test_answer_extraction_prefers_the_tag():
    assert extract_answer("Answer: 4. </solution> <answer> 5 </answer>") == 5
    assert extract_answer("Answer: 4. Answer: 7.") == 7
    assert extract_answer("no answer here") is None


def test_normalize_name():
    assert normalize_name("  Adult  Crow in\nMayer Aquarium ") == "adult crow in mayer aquarium"


@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["paper", "compact"]), modulus=st.sampled_from([None, 23]))
def test_generated_solutions_parse_to_their_graph(seed, fmt, modulus):
    record = problem_at(MixtureSpec.parse(ops="1-25", contexts="zoo,movies", format=fmt, modulus=modulus), seed, 0)
    parsed = parse_solution(record["solution"], modulus)
    assert parsed.answer == record["answer"] and parsed.arithmetic_errors == 0
    assert {n.name: (set(n.parents), n.value) for n in parsed.nodes.values()} == {
        normalize_name(n["name"]): ({normalize_name(p) for p in n["parents"]}, n["value"])
        for n in record["graph"]["nodes"]}


@given(st.text(max_size=400))
def test_any_text_parses_without_raising(text):
    parse_solution(text)
    parse_solution("Define " + text + " as a; so a = " + text)


@given(st.lists(st.tuples(st.integers(0, 400), st.text(max_size=5)), max_size=8))
def test_mutated_solutions_parse_without_raising(edits):
    text = PAPER_CHAIN
    for position, insert in edits:
        text = text[:position] + insert + text[position + len(insert):]
    parse_solution(text, modulus=23)
