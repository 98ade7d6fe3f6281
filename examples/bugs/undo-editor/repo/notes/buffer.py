"""The text buffer behind the notes editor, with undo and redo."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace `removed` at `position` by `inserted`."""
    position: int
    removed: str
    inserted: str

    def inverse(self):
        return Edit(self.position, self.inserted, self.removed)


class Buffer:
    def __init__(self, text=""):
        self.text = text
        self._undo = []
        self._redo = []

    def _apply(self, edit):
        end = edit.position + len(edit.removed)
        assert self.text[edit.position:end] == edit.removed, "edit does not match the text"
        self.text = self.text[:edit.position] + edit.inserted + self.text[end:]

    def _record(self, edit):
        """Apply a new edit made by the user and remember it for undo."""
        self._apply(edit)
        self._undo.append(edit)

    def insert(self, position, text):
        if not 0 <= position <= len(self.text):
            raise IndexError(f"position {position} is outside the text")
        if text:
            self._record(Edit(position, "", text))

    def delete(self, start, end):
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"range {start}:{end} is outside the text")
        if start < end:
            self._record(Edit(start, self.text[start:end], ""))

    def replace(self, old, new):
        """Replace the first occurrence of `old` by `new`; returns whether `old` was found."""
        position = self.text.find(old)
        if not old or position < 0:
            return False
        self._record(Edit(position, old, new))
        return True

    def undo(self):
        """Revert the most recent edit; returns False when there is nothing to undo."""
        if not self._undo:
            return False
        edit = self._undo.pop()
        self._apply(edit.inverse())
        self._redo.append(edit)
        return True

    def redo(self):
        """Re-apply the most recently undone edit; returns False when there is nothing to redo."""
        if not self._redo:
            return False
        edit = self._redo.pop()
        self._apply(edit)
        self._undo.append(edit)
        return True

    @property
    def can_undo(self):
        return bool(self._undo)

    @property
    def can_redo(self):
        return bool(self._redo)
