"""The live stream read through the test client: one poll, then the stream ends."""

import json

import pytest


def events_of(body, kind="message"):
    """The (id, data) pairs of the events of one kind in a stream body."""
    return [(event_id, data) for event_id, found, data in all_events_of(body) if found == kind]


def all_events_of(body):
    """The (id, kind, data) of every event in a stream body, in order."""
    found = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            found.append((int(lines["id"]), lines["event"], json.loads(lines["data"])))
    return found


def read_stream(client, **kwargs):
    response = client.get("/stream", **kwargs)
    return response, response.get_data(as_text=True)


def test_the_stream_is_server_sent_events_that_proxies_leave_alone(client):
    response, body = read_stream(client)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert body.startswith("retry: 2000\n\n")


def test_a_new_connection_starts_after_the_newest_message(client, add_message):
    add_message("old news")
    _, body = read_stream(client)
    assert events_of(body) == []


def test_last_event_id_resumes_without_loss(client, add_message):
    ids = [add_message(f"message {number}", author_id=3) for number in range(4)]
    _, body = read_stream(client, headers={"Last-Event-ID": str(ids[1])})
    events = events_of(body)
    assert [event_id for event_id, _ in events] == ids[2:]
    assert [data["content"] for _, data in events] == ["message 2", "message 3"]
    assert events[0][1]["id"] == ids[2]
    assert events[0][1]["author_name"] == "user 3"
    assert events[0][1]["created_at"].endswith("+00:00")


def test_last_id_starts_a_first_connection_and_the_header_wins(client, add_message):
    ids = [add_message(f"message {number}") for number in range(3)]
    _, body = read_stream(client, query_string={"last_id": ids[0]})
    assert [event_id for event_id, _ in events_of(body)] == ids[1:]
    _, body = read_stream(
        client, query_string={"last_id": 0}, headers={"Last-Event-ID": str(ids[1])}
    )
    assert [event_id for event_id, _ in events_of(body)] == ids[2:]


@pytest.mark.parametrize(
    ("last_event_id", "expected_count"),
    [("abc", 0), ("", 0), ("-5", 3), ("1e3", 0), ("9" * 30, 0), ("9" * 5000, 0)],
)
def test_a_garbled_last_event_id_gives_a_sensible_stream(
    client, add_message, last_event_id, expected_count
):
    for number in range(3):
        add_message(f"message {number}")
    response, body = read_stream(client, headers={"Last-Event-ID": last_event_id})
    assert response.status_code == 200
    assert len(events_of(body)) == expected_count


def test_message_text_travels_as_one_json_line(client, add_message):
    content = 'two\nlines <script>alert("x")</script>\r\u2028end'
    add_message(content)
    _, body = read_stream(client, query_string={"last_id": 0})
    data_lines = [line for line in body.splitlines() if line.startswith("data: ")]
    assert len(data_lines) == 1
    assert events_of(body)[0][1]["content"] == content


def test_quiet_streams_send_heartbeat_comments(app, client):
    app.config.update(MESSAGE_STREAM_HEARTBEAT_SECONDS=0, MESSAGE_STREAM_MAX_SECONDS=0.1)
    _, body = read_stream(client)
    assert ": heartbeat\n\n" in body
    assert events_of(body) == []


def test_a_backlog_larger_than_one_batch_arrives_in_full(app, client, add_message):
    ids = [add_message(f"message {number}") for number in range(130)]
    app.config.update(MESSAGE_STREAM_MAX_SECONDS=0.3)
    _, body = read_stream(client, query_string={"last_id": 0})
    assert [event_id for event_id, _ in events_of(body)] == ids


def test_over_the_budget_a_stream_gets_what_it_missed_and_a_longer_retry(app, client, add_message):
    ids = [add_message(f"message {number}") for number in range(3)]
    app.config.update(MESSAGE_STREAM_MAX_OPEN=0, MESSAGE_STREAM_MAX_SECONDS=30)
    response, body = read_stream(client, headers={"Last-Event-ID": str(ids[0])})
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    # Answered at once (the stream would otherwise run for 30 s), then closed.
    assert body.startswith("retry: 3000\n\n")
    assert [event_id for event_id, _ in events_of(body)] == ids[1:]


def test_a_delete_reaches_the_stream_as_a_delete_event(client, add_message, remove_message):
    gone = add_message("gone")
    _, before = read_stream(client, query_string={"last_id": 0})
    newest = all_events_of(before)[-1][0]
    remove_message(gone)
    _, body = read_stream(client, headers={"Last-Event-ID": str(newest)})
    assert all_events_of(body) == [(newest + 1, "delete", {"id": gone})]
    assert f'event: delete\ndata: {{"id":{gone}}}\n' in body


def test_last_event_id_resumes_posts_and_deletes_in_order(client, add_message, remove_message):
    first = add_message("first")
    _, body = read_stream(client, query_string={"last_id": 0})
    resume_from = all_events_of(body)[-1][0]
    second = add_message("second")
    remove_message(first)
    third = add_message("third")
    _, body = read_stream(client, headers={"Last-Event-ID": str(resume_from)})
    events = all_events_of(body)
    assert [(kind, data["id"]) for _, kind, data in events] == [
        ("message", second),
        ("delete", first),
        ("message", third),
    ]
    # Event ids are change ids: they grow, and differ from the message ids now.
    ids = [event_id for event_id, _, _ in events]
    assert ids == sorted(ids) and ids[-1] != third


def test_a_message_deleted_before_it_was_sent_sends_only_its_delete(
    client, add_message, remove_message
):
    gone = add_message("posted and deleted")
    remove_message(gone)
    _, body = read_stream(client, query_string={"last_id": 0})
    assert [(kind, data["id"]) for _, kind, data in all_events_of(body)] == [("delete", gone)]
