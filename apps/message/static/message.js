// Live updates for the board: new messages appear on top, deleted ones go, the count follows.
// Every piece is built with textContent, so message text can never become markup.
"use strict";

(function () {
  const list = document.getElementById("messages");
  if (!list || !list.dataset.streamUrl || !("EventSource" in window)) {
    return; // Not the live page, or no EventSource: the page still works with a reload.
  }
  const status = document.getElementById("live-status");
  const counter = document.getElementById("message-count");
  // Messages up to this id were counted when the page was made.
  const newestCounted = Number(list.dataset.newestId || 0);
  let count = Number(counter.dataset.count);

  function showCount() {
    const label = count === 1 ? counter.dataset.one : counter.dataset.many;
    counter.textContent = label.replace("{count}", String(count));
  }

  // The time as the server writes it (format_timestamp), in the page's language.
  const language = document.documentElement.lang || "en";
  const dayFormat = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" });
  const timeFormat = new Intl.DateTimeFormat(language, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC",
  });

  function timeLabel(message) {
    const moment = new Date(message.created_at);
    if (isNaN(moment)) {
      return message.created_label;
    }
    return dayFormat.format(moment) + " " + timeFormat.format(moment) + " UTC";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // The same form the page renders for the author's own messages, token included.
  function deleteForm(message) {
    const form = element("form", "inline");
    form.method = "post";
    form.action = list.dataset.deleteUrl.replace(/\/0\/delete$/, "/" + message.id + "/delete");
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = list.dataset.csrfToken;
    const button = element("button", "btn btn-quiet btn-danger", list.dataset.deleteLabel);
    button.type = "submit";
    form.append(token, button);
    return form;
  }

  function messageItem(message) {
    const item = element("li", "list-item message is-new");
    item.id = "message-" + message.id;
    const meta = element("p", "meta");
    const time = element("time", "", timeLabel(message));
    time.dateTime = message.created_at;
    meta.append(element("strong", "author", message.author_name), " ", time);
    const body = element("div", "body");
    body.append(meta, element("p", "content", message.content));
    item.append(body);
    if (list.dataset.userId && Number(list.dataset.userId) === message.author_id) {
      item.append(deleteForm(message));
    }
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
    count += 1;
    showCount();
    const empty = document.getElementById("messages-empty");
    if (empty) {
      empty.remove();
    }
  });
  source.addEventListener("delete", function (event) {
    const id = JSON.parse(event.data).id;
    const item = document.getElementById("message-" + id);
    // Counted if shown here, or if it existed when the page was made (on a later page).
    if (item || id <= newestCounted) {
      count = Math.max(count - 1, 0);
      showCount();
    }
    if (item) {
      item.remove();
    }
  });
  source.addEventListener("open", function () {
    status.hidden = false;
  });
  source.addEventListener("error", function () {
    status.hidden = true;
  });
})();
