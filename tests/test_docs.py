"""The examples in docs/ run, and show what they claim."""

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
# The chapter and its Simplified Chinese translation: the same examples run in both.
CHAPTERS = ["contexts.md", "contexts.zh-CN.md"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_contexts_chapter_examples_run(chapter):
    result = doctest.testfile(
        str(DOCS / chapter),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted >= 10
    assert result.failed == 0


def without_indentation(text):
    return "\n".join(line.strip() for line in text.strip().splitlines())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_quoted_in_the_contexts_chapter_is_the_projects_code(chapter):
    text = (DOCS / chapter).read_text()
    quoted = [block.split("```")[0] for block in text.split("```python\n")[1:]]
    assert quoted
    source = without_indentation((DOCS.parent / "dispatcher.py").read_text())
    for block in quoted:
        assert without_indentation(block) in source, block


def test_the_translation_has_every_example_of_the_chapter():
    english, chinese = ((DOCS / chapter).read_text().split("```")[1::2] for chapter in CHAPTERS)
    assert chinese == english
