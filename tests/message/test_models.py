"""The model and the queries the board, the stream and the dispatcher use."""

from datetime import UTC

from apps.message.models import Message
from apps.message.models import count_messages
from apps.message.models import db
from apps.message.models import delete_user_messages
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


def test_deleting_a_users_messages_logs_a_delete_for_each(app, add_message):
    from apps.message.changes import changes_after

    mine = [add_message("one", author_id=1), add_message("two", author_id=1)]
    add_message("other", author_id=2)
    with app.app_context():
        delete_user_messages(1)
        db.session.commit()
        events = changes_after(3)
    assert [event.text.split("\n")[1:3] for event in events] == [
        ["event: delete", f'data: {{"id":{message_id}}}'] for message_id in mine
    ]
