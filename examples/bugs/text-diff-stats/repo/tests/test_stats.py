from diffstats.stats import DiffStats, changed_lines, diff_stats, similarity, summary

OLD = "import os\nimport sys\n\ndef main():\n    pass\n"
NEW = "import os\nimport sys\n\ndef main():\n    run()\n    return 0\n"


def test_similarity_of_identical_files():
    assert similarity(OLD, OLD) == 1.0


def test_similarity_of_edited_file():
    assert similarity("a\nb\nc\nd\n", "a\nb\nc\nx\n") == 0.75


def test_similarity_of_new_file():
    assert similarity("", "a\nb\n") == 0.0


def test_similarity_of_empty_files():
    assert similarity("", "") == 1.0


def test_diff_stats():
    assert diff_stats(OLD, NEW) == DiffStats(added=2, removed=1, similarity=0.727)


def test_changed_lines():
    assert changed_lines(OLD, NEW) == [5, 6]


def test_summary():
    assert summary(OLD, NEW) == "+2 -1 (73% unchanged)"
    assert summary(OLD, OLD) == "no changes"


def test_summary_of_unchanged_empty_file():
    assert summary("", "") == "no changes"
