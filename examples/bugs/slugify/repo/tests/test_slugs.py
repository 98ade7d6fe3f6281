from blog.slugs import slugify, unique_slug


def test_lowercases_titles():
    assert slugify("Hello World") == "hello-world"


def test_accents_and_punctuation():
    assert slugify("café crème & brûlée!") == "cafe-creme-brulee"
    assert slugify("  already-a-slug  ") == "already-a-slug"


def test_truncation_fits_exactly():
    assert slugify("abc def ghi", max_length=7) == "abc-def"


def test_truncation_drops_trailing_separator():
    assert slugify("abc def ghi", max_length=4) == "abc"


def test_title_with_limit():
    assert slugify("My First Blog Post", max_length=13) == "my-first-blog"


def test_unique_slug():
    assert unique_slug("weekly notes", {"weekly-notes", "weekly-notes-2"}) == "weekly-notes-3"
    assert unique_slug("!!!", set()) == "post"
