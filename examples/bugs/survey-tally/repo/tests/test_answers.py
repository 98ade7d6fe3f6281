import pytest

from survey.answers import approval, parse_answer, read_responses, report, tally

EXPORT = """
name,remote_ok,new_office
ana,yes,no
ben,Y,
cara,no,agree
dev,,
eli,TRUE,x
"""


def test_parse_yes_and_no_spellings():
    assert [parse_answer(a) for a in ("yes", " Y ", "TRUE", "agree", "x")] == [True] * 5
    assert [parse_answer(a) for a in ("no", "N", "false", "0", "Disagree")] == [False] * 5


def test_parse_rejects_typos():
    with pytest.raises(ValueError):
        parse_answer("yess")


def test_read_responses():
    rows = read_responses(EXPORT)
    assert len(rows) == 5
    assert rows[1] == {"name": "ben", "remote_ok": "Y", "new_office": ""}


def test_tally_without_blanks():
    rows = [{"q": "yes"}, {"q": "no"}, {"q": "y"}]
    assert tally(rows, "q") == {"yes": 2, "no": 1, "skipped": 0}
    assert approval(rows, "q") == 66.7


def test_blank_answers_are_skipped():
    rows = read_responses(EXPORT)
    assert tally(rows, "remote_ok") == {"yes": 3, "no": 1, "skipped": 1}
    assert tally(rows, "new_office") == {"yes": 2, "no": 1, "skipped": 2}


def test_report_counts_blanks_as_skipped():
    rows = read_responses(EXPORT)
    assert report(rows, ["remote_ok", "new_office"]) == [
        "remote_ok: 3 yes, 1 no, 1 skipped (75.0%)",
        "new_office: 2 yes, 1 no, 2 skipped (66.7%)",
    ]


def test_typo_in_export_names_the_response():
    with pytest.raises(ValueError, match="response 2"):
        tally([{"q": "yes"}, {"q": "nope"}], "q")
