import pytest

from importer.contacts import Contact, ImportResult, import_contacts

CSV = """Name,Email,Phone,Company
Ann Lee,ann@example.com,555-0101,Acme
Bob Stone,bob@example.com,,
Cy Park,cy@example.com,555-0103,Initech
"""


def test_imports_every_row():
    result = import_contacts(CSV)
    assert [c.name for c in result.contacts] == ["Ann Lee", "Bob Stone", "Cy Park"]
    assert result.summary() == "3 imported"


def test_fields_are_cleaned():
    text = " Name , Email ,PHONE\nAnn,ann@example.com,\nCy Park , CY@Example.COM , 555-0103 \n"
    result = import_contacts(text)
    assert result.contacts[-1] == Contact("Cy Park", "cy@example.com", "555-0103", "")


def test_invalid_rows_are_reported_with_line_numbers():
    text = "name,email\nAnn,ann@example.com\nBob,bob-at-example.com\n,cy@example.com\n"
    assert import_contacts(text).errors == [(3, "invalid email 'bob-at-example.com'"),
                                           (4, "name and email are required")]


def test_duplicate_email_is_skipped():
    text = "name,email\nAnn Lee,ann@example.com\nAnnie Lee,ANN@example.com\n"
    result = import_contacts(text)
    assert [c.name for c in result.contacts] == ["Ann Lee"]
    assert result.errors == [(3, "duplicate email ann@example.com")]


def test_missing_required_column():
    with pytest.raises(ValueError, match="email"):
        import_contacts("name,phone\nAnn,555\n")


def test_empty_file():
    assert import_contacts("").contacts == []


def test_summary_mentions_skipped_rows():
    assert ImportResult([Contact("a", "a@b.c")], [(3, "bad")]).summary() == "1 imported, 1 skipped"
