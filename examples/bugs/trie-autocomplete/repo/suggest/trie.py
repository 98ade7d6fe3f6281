"""Prefix tree of search terms, ranked by how often each term was entered."""


class _Node:
    __slots__ = ("children", "count")

    def __init__(self):
        self.children = {}
        self.count = 0  # how many times the word ending here was added; 0 = no word ends here


def _normalize(word):
    return " ".join(word.lower().split())


class Autocomplete:
    def __init__(self, words=()):
        self._root = _Node()
        self._size = 0
        for word in words:
            self.add(word)

    def add(self, word, weight=1):
        word = _normalize(word)
        if not word:
            raise ValueError("cannot add an empty term")
        if weight < 1:
            raise ValueError("weight must be at least 1")
        node = self._root
        for ch in word:
            node = node.children.setdefault(ch, _Node())
        if node.count == 0:
            self._size += 1
        node.count += weight

    def _find(self, prefix):
        node = self._root
        for ch in prefix:
            node = node.children.get(ch)
            if node is None:
                return None
        return node

    def __contains__(self, word):
        node = self._find(_normalize(word))
        return node is not None and node.count > 0

    def __len__(self):
        return self._size

    def count(self, word):
        node = self._find(_normalize(word))
        return node.count if node else 0

    def _collect(self, node, word, out):
        if node.count:
            out.append((node.count, word))
        for ch, child in node.children.items():
            self._collect(child, word + ch, out)

    def suggest(self, prefix, limit=5):
        """Up to `limit` terms starting with `prefix`, most frequent first, ties alphabetical."""
        prefix = _normalize(prefix)
        node = self._find(prefix)
        if node is None:
            return []
        matches = []
        self._collect(self._root, prefix, matches)
        matches.sort(key=lambda m: (-m[0], m[1]))
        return [word for _, word in matches[:limit]]
