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
    assert [message.content for message in last.messages] == [
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
