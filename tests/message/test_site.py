"""The board mounted at /message in the whole site, next to auth and the portal."""

from werkzeug.test import Client

from apps.auth.signals import account_deleting
from apps.message.models import Message
from apps.message.models import count_messages
from apps.message.models import db
from apps.portal.dashboard import gather_counts
from tests.conftest import mounted_app
from tests.conftest import registered_client


def test_anonymous_posts_are_sent_to_log_in_first(site):
    response = Client(site).post("/message/", data={"content": "hi"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    with mounted_app(site, "message").app_context():
        assert count_messages() == 0


def test_the_board_links_to_auth_and_to_itself_under_its_prefix(site):
    page = Client(site).get("/message/?q=x").get_data(as_text=True)
    assert 'href="/auth/login?next=' in page
    assert 'href="/auth/register"' in page
    assert 'action="/message/"' in page
    assert 'href="/message/static/message.css"' in page
    assert 'src="/message/static/message.js"' in page


def test_a_registered_user_posts_under_their_username(site):
    alice = registered_client(site, "alice")
    response = alice.post("/message/", data={"content": "hello from alice"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/message/"
    page = Client(site).get("/message/").get_data(as_text=True)
    assert '<strong class="author">alice</strong>' in page
    assert '<p class="content">hello from alice</p>' in page


def test_the_stream_is_served_under_the_prefix(site):
    message_app = mounted_app(site, "message")
    message_app.config["MESSAGE_STREAM_MAX_SECONDS"] = 0
    alice = registered_client(site, "alice")
    alice.post("/message/", data={"content": "streamed"})
    body = Client(site).get("/message/stream?last_id=0").get_data(as_text=True)
    assert "id: 1\nevent: message\n" in body
    assert '"author_name":"alice"' in body


def test_the_dashboard_counts_messages(site):
    message_app = mounted_app(site, "message")
    with message_app.app_context():
        db.session.add(Message(author_id=1, author_name="a", content="x"))
        db.session.add(Message(author_id=2, author_name="b", content="y"))
        db.session.commit()
    with mounted_app(site, "portal").app_context():
        assert gather_counts()["Messages"] == 2


def test_deleting_an_account_deletes_its_messages(site):
    message_app = mounted_app(site, "message")
    with message_app.app_context():
        db.session.add(Message(author_id=1, author_name="a", content="mine"))
        db.session.add(Message(author_id=2, author_name="b", content="theirs"))
        db.session.commit()
    with mounted_app(site, "auth").app_context():
        account_deleting.send(mounted_app(site, "auth"), user_id=1)
    with message_app.app_context():
        remaining = db.session.scalars(db.select(Message.content)).all()
    assert remaining == ["theirs"]
