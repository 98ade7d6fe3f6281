"""Format rows as a padded Markdown table.

Cells are converted to text (floats with a fixed number of decimals, missing values as empty cells),
pipes and newlines are escaped so they cannot break the table, and every column is padded to its
widest cell.
"""

ALIGN_MARKERS = {"left": (":", "-"), "right": ("-", ":"), "center": (":", ":")}
MIN_WIDTH = 3


def _text(cell, decimals):
    if isinstance(cell, float):
        return f"{cell:.{decimals}f}"
    return str(cell).replace("|", "\\|").replace("\n", " ")


def _pad(text, width, align):
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def render(headers, rows, align=None, decimals=2):
    """The table as a string, one line per row, header and separator first."""
    align = list(align) if align else ["left"] * len(headers)
    if len(align) != len(headers):
        raise ValueError("need one alignment per column")
    for a in align:
        if a not in ALIGN_MARKERS:
            raise ValueError(f"unknown alignment {a!r}")
    header_cells = [_text(h, decimals) for h in headers]
    body = []
    for number, row in enumerate(rows, 1):
        if len(row) != len(headers):
            raise ValueError(f"row {number} has {len(row)} cells, expected {len(headers)}")
        body.append([_text(cell, decimals) for cell in row])
    widths = [max(MIN_WIDTH, len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header_cells)]

    def line(cells):
        return "| " + " | ".join(_pad(c, w, a) for c, w, a in zip(cells, widths, align)) + " |"

    separator = []
    for width, a in zip(widths, align):
        first, last = ALIGN_MARKERS[a]
        separator.append(first + "-" * (width - 2) + last)
    return "\n".join([line(header_cells), line(separator), *(line(r) for r in body)])


def from_records(records, columns=None, **options):
    """Render a list of dicts; columns default to the keys of the first record, missing keys are blank."""
    records = list(records)
    if columns is None:
        columns = list(records[0]) if records else []
    return render(columns, [[record.get(c) for c in columns] for record in records], **options)
