"""Run-length encoding: "aaab" <-> "3a1b". Texts containing digits cannot be encoded."""


def encode(text):
    if any(ch.isdigit() for ch in text):
        raise ValueError("cannot run-length encode digits")
    if not text:
        return ""
    out = []
    prev, count = text[0], 1
    for ch in text[1:]:
        if ch == prev:
            count += 1
        else:
            out.append(f"{count}{prev}")
            prev, count = ch, 0
    out.append(f"{count}{prev}")
    return "".join(out)


def decode(data):
    out = []
    num = 0
    for ch in data:
        if ch.isdigit():
            num = int(ch)
        else:
            if num == 0:
                raise ValueError(f"missing count before {ch!r}")
            out.append(ch * num)
            num = 0
    if num:
        raise ValueError("data ends with a count")
    return "".join(out)


def ratio(text):
    """Encoded length / original length (lower is better)."""
    return len(encode(text)) / len(text) if text else 1.0
