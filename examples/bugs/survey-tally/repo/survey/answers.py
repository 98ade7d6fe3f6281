"""Read survey responses exported as CSV and count the yes/no answers per question."""
import csv
import io

YES = {"yes", "y", "true", "1", "agree", "x"}
NO = {"no", "n", "false", "0", "disagree"}


def parse_answer(text):
    """True for a yes, False for a no, None when the question was left blank.

    Raises ValueError for anything else, so typos in the export are noticed.
    """
    answer = (text or "").strip().lower()
    if not answer:
        return False
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise ValueError(f"unrecognised answer {text!r}")


def read_responses(csv_text):
    """One dict per respondent, keyed by the header row."""
    return list(csv.DictReader(io.StringIO(csv_text.strip())))


def tally(responses, question):
    """{"yes": n, "no": n, "skipped": n} for one question."""
    counts = {"yes": 0, "no": 0, "skipped": 0}
    for number, response in enumerate(responses, 1):
        try:
            answer = parse_answer(response.get(question))
        except ValueError as exc:
            raise ValueError(f"response {number}, {question}: {exc}") from None
        if answer is None:
            counts["skipped"] += 1
        elif answer:
            counts["yes"] += 1
        else:
            counts["no"] += 1
    return counts


def approval(responses, question):
    """Share of yes among the people who answered, as a percentage with one decimal; None if nobody did."""
    counts = tally(responses, question)
    answered = counts["yes"] + counts["no"]
    if not answered:
        return None
    return round(100 * counts["yes"] / answered, 1)


def report(responses, questions):
    lines = []
    for question in questions:
        counts = tally(responses, question)
        share = approval(responses, question)
        shown = "n/a" if share is None else f"{share}%"
        lines.append(f"{question}: {counts['yes']} yes, {counts['no']} no, {counts['skipped']} skipped ({shown})")
    return lines
