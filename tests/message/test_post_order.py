"""New messages commit in the order of their ids, so the stream never skips one."""

import threading

from apps.message import create_app
from apps.message.models import count_messages
from apps.message.models import db
from apps.message.models import newest_message_id
from apps.message.models import post_message
from tests.conftest import dispose_engines


def test_a_second_post_waits_until_the_first_is_committed(app):
    second_app = create_app(app.config)  # another worker process, same database
    finished = threading.Event()

    def post_from_second_worker():
        with second_app.app_context():
            post_message(2, "bob", "second")
            db.session.commit()
        finished.set()

    with app.app_context():
        first = post_message(1, "alice", "first")
        other_worker = threading.Thread(target=post_from_second_worker)
        other_worker.start()
        assert not finished.wait(timeout=0.5), "the second post did not wait for the first"
        db.session.commit()
        first_id = first.id
    assert finished.wait(timeout=10)
    other_worker.join()

    with app.app_context():
        assert count_messages() == 2
        assert newest_message_id() > first_id
    dispose_engines(second_app)
