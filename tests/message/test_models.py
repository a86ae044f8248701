"""The model and the queries the board, the stream and the dispatcher use."""

from datetime import UTC

from apps.message.models import Message
from apps.message.models import count_messages
from apps.message.models import db
from apps.message.models import delete_user_messages
from apps.message.models import find_page
from apps.message.models import like_pattern
from apps.message.models import messages_after
from apps.message.models import newest_message_id


def test_created_at_is_stored_as_aware_utc(app, add_message):
    message_id = add_message()
    with app.app_context():
        created = db.session.get(Message, message_id).created_at
    assert created.tzinfo is not None
    assert created.utcoffset() == UTC.utcoffset(None)


def test_count_messages_counts_every_author(app, add_message):
    with app.app_context():
        assert count_messages() == 0
    add_message(author_id=1)
    add_message(author_id=2)
    with app.app_context():
        assert count_messages() == 2


def test_delete_user_messages_leaves_the_commit_to_the_caller(app, add_message, messages):
    add_message("one", author_id=1)
    add_message("two", author_id=1)
    add_message("other", author_id=2)
    with app.app_context():
        assert delete_user_messages(1) == 2
        assert count_messages() == 1
        db.session.rollback()
    assert len(messages()) == 3
    with app.app_context():
        assert delete_user_messages(1) == 2
        db.session.commit()
    assert messages() == [(2, "user 2", "other")]


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


def test_messages_after_gives_the_newer_ones_oldest_first(app, add_message):
    ids = [add_message(f"message {number}") for number in range(5)]
    with app.app_context():
        assert [message.id for message in messages_after(ids[1])] == ids[2:]
        assert [message.id for message in messages_after(ids[0], limit=2)] == ids[1:3]
        assert newest_message_id() == ids[-1]


def test_newest_message_id_of_an_empty_board_is_zero(app):
    with app.app_context():
        assert newest_message_id() == 0


def test_the_id_of_a_deleted_message_is_never_given_again(app):
    """The stream resumes after the last id it sent: a reused id would never be sent."""
    from apps.message.models import Message
    from apps.message.models import db
    from apps.message.models import post_message

    with app.app_context():
        post_message(1, "alice", "first")
        deleted_id = post_message(1, "alice", "second").id
        db.session.commit()
        db.session.delete(db.session.get(Message, deleted_id))
        db.session.commit()
        assert post_message(1, "alice", "third").id > deleted_id
        db.session.commit()
