// Live updates for the board: new messages appear on top without a reload.
// Every piece is built with textContent, so message text can never become markup.
"use strict";

(function () {
  const list = document.getElementById("messages");
  if (!list || !list.dataset.streamUrl || !("EventSource" in window)) {
    return; // Not the live page, or no EventSource: the page still works with a reload.
  }
  const status = document.getElementById("live-status");

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function messageItem(message) {
    const item = element("li", "list-item message is-new");
    item.id = "message-" + message.id;
    const meta = element("p", "meta");
    const time = element("time", "", message.created_label);
    time.dateTime = message.created_at;
    meta.append(element("strong", "author", message.author_name), " ", time);
    const body = element("div", "body");
    body.append(meta, element("p", "content", message.content));
    item.append(body);
    return item;
  }

  // The browser reconnects by itself, sending Last-Event-ID, so nothing is missed.
  const source = new EventSource(list.dataset.streamUrl);
  source.addEventListener("message", function (event) {
    const message = JSON.parse(event.data);
    if (document.getElementById("message-" + message.id)) {
      return;
    }
    list.prepend(messageItem(message));
    const empty = document.getElementById("messages-empty");
    if (empty) {
      empty.remove();
    }
  });
  source.addEventListener("open", function () {
    status.hidden = false;
  });
  source.addEventListener("error", function () {
    status.hidden = true;
  });
})();
