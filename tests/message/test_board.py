"""The board's page query: search, paging, and where its live stream starts."""

from apps.message.board import find_page
from apps.message.board import like_pattern


def test_like_pattern_escapes_wildcards_and_the_escape_character():
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def test_find_page_clamps_the_page_number(app, add_message):
    for number in range(25):
        add_message(f"message {number}")
    with app.app_context():
        assert find_page(0).number == 1
        last = find_page(10**40)
    assert (last.number, last.total_pages, last.total) == (2, 2, 25)
    assert [content for _, _, _, content, _ in last.messages] == [
        f"message {n}" for n in range(4, -1, -1)
    ]


def test_a_page_knows_the_newest_change_so_its_stream_starts_there(
    app, add_message, remove_message
):
    with app.app_context():
        assert find_page(1).newest_change_id == 0
    first = add_message("first")
    add_message("second")
    remove_message(first)
    with app.app_context():
        page = find_page(1)
    assert page.total == 1
    assert page.newest_change_id == 3  # two posts and a delete


def test_every_page_counts_the_whole_board_and_a_search_only_what_it_finds(app, add_message):
    for number in range(45):
        add_message(f"message {number}", author_name="sam" if number % 3 else "ann")
    with app.app_context():
        pages = [find_page(number) for number in (1, 2, 3)]
        searched = find_page(1, "ann")
        past_the_end = find_page(4, "ann")
    assert [(page.total, page.total_pages, len(page.messages)) for page in pages] == [
        (45, 3, 20),
        (45, 3, 20),
        (45, 3, 5),
    ]
    assert (searched.total, searched.total_pages, len(searched.messages)) == (15, 1, 15)
    assert {author for _, _, author, _, _ in searched.messages} == {"ann"}
    assert (past_the_end.number, past_the_end.messages) == (1, searched.messages)
    assert {page.newest_change_id for page in [*pages, searched, past_the_end]} == {45}


def test_an_empty_search_or_board_is_one_empty_page(app, add_message):
    with app.app_context():
        empty = find_page(3)
    add_message("hello")
    with app.app_context():
        nothing_found = find_page(2, "goodbye")
    for page in (empty, nothing_found):
        assert (page.number, page.total_pages, page.total, page.messages) == (1, 1, 0, [])
    assert (empty.newest_change_id, nothing_found.newest_change_id) == (0, 1)
