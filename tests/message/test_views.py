"""The board page: reading, posting, deleting, and what users type into the address bar."""

import re

import pytest
from sqlalchemy import event

from apps.message import create_app
from apps.message.models import CONTENT_MAX_LENGTH
from apps.message.models import db
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import dispose_engines


def shown_contents(response):
    """The message texts on a page, top to bottom."""
    html = response.get_data(as_text=True)
    return re.findall(r'<p class="content">(.*?)</p>', html, flags=re.DOTALL)


def test_anyone_can_read_an_empty_board(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No messages yet" in page
    assert "Log in to post" in page
    assert "<textarea" not in page


def test_a_logged_in_user_gets_the_post_form(client, auth):
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "<textarea" in page
    assert "Posting as <strong>user 1</strong>" in page


def test_posting_stores_the_message_with_its_author(client, auth, messages):
    auth.login(7)
    response = client.post("/", data={"content": "  Hello\r\nboard!  "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert messages() == [(7, "user 7", "Hello\nboard!")]
    page = client.get("/").get_data(as_text=True)
    assert "Your message is on the board." in page
    assert '<p class="content">Hello\nboard!</p>' in page
    assert '<strong class="author">user 7</strong>' in page


def test_the_longest_message_is_accepted_after_trimming(client, auth, messages):
    auth.login()
    content = "x" * CONTENT_MAX_LENGTH
    response = client.post("/", data={"content": f"\n  {content}  \n"})
    assert response.status_code == 302
    assert messages() == [(1, "user 1", content)]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"content": ""}, "Write something first."),
        ({"content": "  \r\n\t "}, "Write something first."),
        ({}, "Write something first."),
        ({"content": "x" * (CONTENT_MAX_LENGTH + 1)}, "Keep it to 2000 characters or fewer."),
        ({"content": "nul\x00byte"}, "Plain text only"),
        ({"content": "bell\x07"}, "Plain text only"),
    ],
)
def test_bad_content_is_refused_with_a_message(client, auth, messages, data, error):
    auth.login()
    response = client.post("/", data=data)
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert messages() == []


def test_anonymous_users_cannot_post(client, messages):
    response = client.post("/", data={"content": "Hi"})
    assert response.status_code == 401
    assert messages() == []


def test_message_text_is_shown_escaped_and_never_linked(client, add_message):
    add_message("<script>alert(1)</script>")
    add_message('javascript:alert(1) <a href="javascript:alert(2)">x</a>')
    add_message("see https://example.com")
    page = client.get("/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert 'href="javascript' not in page
    assert 'href="https://example.com' not in page
    assert "see https://example.com" in page


def test_newest_messages_come_first_twenty_a_page(client, add_message):
    for number in range(1, 46):
        add_message(f"message {number}")
    first = client.get("/")
    assert shown_contents(first) == [f"message {n}" for n in range(45, 25, -1)]
    assert "Page 1 of 3" in first.get_data(as_text=True)
    assert 'href="/?page=2"' in first.get_data(as_text=True)
    last = client.get("/?page=3")
    assert shown_contents(last) == [f"message {n}" for n in range(5, 0, -1)]
    assert 'href="/?page=2"' in last.get_data(as_text=True)
    assert "Older" not in last.get_data(as_text=True)


@pytest.mark.parametrize(
    ("page", "expected_page"),
    [
        ("0", 1),
        ("-1", 1),
        ("abc", 1),
        ("", 1),
        ("1.5", 1),
        ("9" * 5000, 1),
        ("99999", 3),
        ("1" + "0" * 30, 3),
    ],
)
def test_any_page_number_gives_a_sensible_page(client, add_message, page, expected_page):
    for number in range(1, 46):
        add_message(f"message {number}")
    response = client.get("/", query_string={"page": page})
    assert response.status_code == 200
    assert f"Page {expected_page} of 3" in response.get_data(as_text=True)
    assert len(shown_contents(response)) == (5 if expected_page == 3 else 20)


def test_a_page_number_on_an_empty_board_shows_the_empty_board(client):
    response = client.get("/?page=5")
    assert response.status_code == 200
    assert "No messages yet" in response.get_data(as_text=True)


def test_search_finds_words_in_the_text_and_the_author(client, add_message):
    add_message("Lunch at noon?", author_name="alice")
    add_message("Who wants LUNCH tomorrow", author_name="bob")
    add_message("A note from the kitchen", author_name="lunchbox")
    add_message("Nothing to see", author_name="carol")
    assert shown_contents(client.get("/?q=lunch")) == [
        "A note from the kitchen",
        "Who wants LUNCH tomorrow",
        "Lunch at noon?",
    ]
    assert shown_contents(client.get("/?q=lunch+bob")) == ["Who wants LUNCH tomorrow"]
    response = client.get("/?q=pizza")
    assert shown_contents(response) == []
    assert "No messages match “pizza”." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("%", ["100% sure"]), ("_", ["snake_case"]), ("\\", ["back\\slash"]), ("%_", [])],
)
def test_search_treats_wildcards_as_plain_characters(client, add_message, query, expected):
    for content in ("100% sure", "100 sure", "snake_case", "snakeXcase", "back\\slash"):
        add_message(content)
    response = client.get("/", query_string={"q": query})
    assert response.status_code == 200
    assert shown_contents(response) == expected


def test_a_huge_search_is_cut_short_not_refused(client, add_message):
    add_message("a" * 300)
    response = client.get("/", query_string={"q": "a" * 10_000})
    assert response.status_code == 200
    assert 'value="' + "a" * 200 + '"' in response.get_data(as_text=True)
    assert shown_contents(response) == ["a" * 300]


@pytest.mark.parametrize("query", ["\x00", "nul\x00byte", "\x1b[31m", "% _ \\ ' \" ;--", " "])
def test_odd_characters_in_a_search_give_a_page(client, add_message, query):
    add_message("nul byte")
    response = client.get("/", query_string={"q": query})
    assert response.status_code == 200


def test_search_results_page_with_the_search_kept(client, add_message):
    for number in range(25):
        add_message(f"needle {number}")
        add_message(f"hay {number}")
    first = client.get("/?q=needle").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'href="/?page=2&amp;q=needle"' in first
    second = client.get("/?q=needle&page=2")
    assert shown_contents(second) == [f"needle {n}" for n in range(4, -1, -1)]


def test_only_the_first_unfiltered_page_is_live(client, add_message):
    for number in range(21):
        add_message(f"message {number}")
    assert 'data-stream-url="/stream?last_id=21"' in client.get("/").get_data(as_text=True)
    assert "data-stream-url" not in client.get("/?page=2").get_data(as_text=True)
    assert "data-stream-url" not in client.get("/?q=message").get_data(as_text=True)


@pytest.fixture
def csrf_client(databases):
    """A client of the message app with CSRF protection on, as in production."""
    app = create_app(app_test_config(databases, "message", WTF_CSRF_ENABLED=True))
    create_tables(app)
    yield app.test_client()
    dispose_engines(app)


def test_posting_needs_the_csrf_token(csrf_client):
    with csrf_client.session_transaction() as session:
        session["user_id"] = 1
        session["session_version"] = 1
    refused = csrf_client.post("/", data={"content": "forged"})
    assert refused.status_code == 400
    page = csrf_client.get("/").get_data(as_text=True)
    assert "forged" not in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = csrf_client.post("/", data={"content": "genuine", "csrf_token": token})
    assert accepted.status_code == 302
    assert "genuine" in csrf_client.get("/").get_data(as_text=True)


def test_authors_see_a_delete_button_on_their_own_messages_only(client, auth, add_message):
    mine = add_message("mine", author_id=1)
    theirs = add_message("theirs", author_id=2)
    auth.login(1)
    page = client.get("/").get_data(as_text=True)
    assert f'action="/{mine}/delete"' in page
    assert f'action="/{theirs}/delete"' not in page


def test_authors_delete_their_own_message(client, auth, add_message, messages):
    mine = add_message("mine", author_id=1)
    add_message("theirs", author_id=2)
    auth.login(1)
    response = client.post(f"/{mine}/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert messages() == [(2, "user 2", "theirs")]
    assert "Your message was deleted." in client.get("/").get_data(as_text=True)


def test_deleting_returns_to_the_same_page_and_search(client, auth, add_message):
    mine = add_message("needle", author_id=1)
    auth.login(1)
    response = client.post(f"/{mine}/delete?page=2&q=needle")
    assert response.headers["Location"] == "/?page=2&q=needle"


@pytest.mark.parametrize("message_id", ["theirs", 999, 2**31, 2**70])
def test_deleting_what_is_not_yours_is_a_404(client, auth, add_message, messages, message_id):
    theirs = add_message("theirs", author_id=2)
    auth.login(1)
    response = client.post(f"/{theirs if message_id == 'theirs' else message_id}/delete")
    assert response.status_code == 404
    assert messages() == [(2, "user 2", "theirs")]


def test_deleting_needs_a_login_and_a_post(client, add_message, messages):
    mine = add_message("mine", author_id=1)
    assert client.post(f"/{mine}/delete").status_code == 401
    assert client.get(f"/{mine}/delete").status_code == 405
    assert messages() == [(1, "user 1", "mine")]


def test_deleting_needs_the_csrf_token(csrf_client):
    with csrf_client.session_transaction() as session:
        session["user_id"] = 1
        session["session_version"] = 1
    page = csrf_client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post("/", data={"content": "keep me", "csrf_token": token})
    assert csrf_client.post("/1/delete").status_code == 400
    assert "keep me" in csrf_client.get("/").get_data(as_text=True)
    assert csrf_client.post("/1/delete", data={"csrf_token": token}).status_code == 302
    assert "keep me" not in csrf_client.get("/").get_data(as_text=True)


def test_the_board_reads_its_page_in_one_statement(app, client, add_message):
    """The page, each row carrying the count and the stream's starting point."""
    for number in range(25):
        add_message(f"message {number}")
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "message 24" in page
    assert 'data-count="25"' in page
    assert len(statements) == 1, statements


def test_the_live_page_carries_what_its_script_needs(client, auth, add_message):
    auth.login()
    newest = add_message("mine", author_id=1)
    page = client.get("/").get_data(as_text=True)
    assert f'data-stream-url="/stream?last_id={newest}"' in page
    assert f'data-newest-id="{newest}"' in page
    assert 'data-user-id="1"' in page
    assert 'data-delete-url="/0/delete"' in page
    assert re.search(r'data-csrf-token="[^"]+"', page)
