"""Import contacts from a CSV export: a header row, then one contact per row.

Columns are matched by header name (case and spaces ignored); name and email are required,
phone and company are optional. Bad rows are skipped and reported with their line number.
"""
import csv
import io
from dataclasses import dataclass, field

REQUIRED = ("name", "email")


@dataclass
class Contact:
    name: str
    email: str
    phone: str = ""
    company: str = ""


@dataclass
class ImportResult:
    contacts: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (line number, message)

    def summary(self):
        skipped = f", {len(self.errors)} skipped" if self.errors else ""
        return f"{len(self.contacts)} imported{skipped}"


def _column(name):
    return name.strip().lower().replace(" ", "_")


def import_contacts(text):
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return result
    reader.fieldnames = [_column(name) for name in reader.fieldnames]
    missing = [column for column in REQUIRED if column not in reader.fieldnames]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")
    next(reader)  # skip the header row
    seen = set()
    for row in reader:
        line = reader.line_num
        name = (row.get("name") or "").strip()
        email = (row.get("email") or "").strip().lower()
        if not name or not email:
            result.errors.append((line, "name and email are required"))
        elif "@" not in email:
            result.errors.append((line, f"invalid email {email!r}"))
        elif email in seen:
            result.errors.append((line, f"duplicate email {email}"))
        else:
            seen.add(email)
            phone = (row.get("phone") or "").strip()
            company = (row.get("company") or "").strip()
            result.contacts.append(Contact(name, email, phone, company))
    return result
