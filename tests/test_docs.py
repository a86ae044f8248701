"""The examples in docs/ run, and show what they claim."""

import doctest
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_contexts_chapter_examples_run():
    result = doctest.testfile(
        str(DOCS / "contexts.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted >= 10
    assert result.failed == 0


def without_indentation(text):
    return "\n".join(line.strip() for line in text.strip().splitlines())


def test_code_quoted_in_the_contexts_chapter_is_the_projects_code():
    chapter = (DOCS / "contexts.md").read_text()
    quoted = [block.split("```")[0] for block in chapter.split("```python\n")[1:]]
    assert quoted
    source = without_indentation((DOCS.parent / "dispatcher.py").read_text())
    for block in quoted:
        assert without_indentation(block) in source, block
