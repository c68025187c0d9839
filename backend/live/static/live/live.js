// 实时更新: one websocket per page at /ws/live/, shared by every subscription on the page.
//
//   const stop = ZCLive.subscribe("campaign.12", (data, envelope) => {...}, {
//     onSnapshot: (state, answer) => {...},   // the whole current state (on subscribe and after gaps)
//     onRevoked: (message) => {...},          // optional: the right to follow the topic ended
//   });
//
// A subscription whose right ended while the page was open (signed out in another tab, a role
// removed, a campaign withdrawn) is answered {"type": "revoked"}: the topic is dropped quietly,
// the page keeps what it shows, and the connection closes once nothing is left to follow.
//
// The client remembers the last sequence number per topic. After a reconnect it sends it back
// and receives either exactly the messages it missed (applied in order through onMessage) or a
// fresh snapshot. Reconnects back off from 1 s to 30 s. #live-indicator in the page header shows
// "实时" while connected and "重新连接中…" while not.
(function () {
  "use strict";
  if (window.ZCLive) return;

  const CLOSE_FORBIDDEN = 4403;
  const topics = new Map(); // topic -> {lastSeq, epoch, answered, listeners: Set}
  let socket = null;
  let attempt = 0;
  let timer = null;

  function indicator(state) {
    const el = document.getElementById("live-indicator");
    if (!el) return;
    if (state === "off") {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    el.setAttribute("role", "status");
    el.classList.toggle("reconnecting", state !== "live");
    el.textContent = state === "live" ? el.dataset.liveLabel : el.dataset.reconnectingLabel;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function requestCatchUp(topic, entry) {
    entry.answered = false;
    send({ action: "subscribe", topic: topic, last_seq: entry.lastSeq, epoch: entry.epoch });
  }

  function connect() {
    if (socket || topics.size === 0) return;
    timer = null;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/ws/live/");
    socket = ws;
    ws.onopen = function () {
      indicator("live");
      topics.forEach(function (entry, topic) {
        requestCatchUp(topic, entry);
      });
    };
    ws.onmessage = function (event) {
      attempt = 0; // the server answered: the next drop starts the back-off afresh
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      receive(message);
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      if (event.code === CLOSE_FORBIDDEN) {
        // A private topic was refused: drop the topics still waiting for an answer, keep the rest.
        topics.forEach(function (entry, topic) {
          if (!entry.answered) topics.delete(topic);
        });
      }
      if (topics.size === 0) {
        indicator("off");
        return;
      }
      indicator("reconnecting");
      scheduleReconnect(event.code === CLOSE_FORBIDDEN ? 0 : null);
    };
  }

  function scheduleReconnect(delay) {
    if (timer) return;
    if (delay === null) {
      delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.75 + Math.random() * 0.5);
      attempt += 1;
    }
    timer = setTimeout(connect, delay);
  }

  function deliver(entry, envelope) {
    entry.lastSeq = envelope.seq;
    entry.listeners.forEach(function (l) {
      if (l.onMessage) l.onMessage(envelope.data, envelope);
    });
  }

  function receive(message) {
    const entry = topics.get(message.topic);
    if (!entry) return;
    if (message.type === "snapshot") {
      entry.answered = true;
      entry.lastSeq = message.seq;
      entry.epoch = message.epoch;
      entry.listeners.forEach(function (l) {
        if (l.onSnapshot) l.onSnapshot(message.state, message);
      });
    } else if (message.type === "replay") {
      entry.answered = true;
      entry.epoch = message.epoch;
      message.messages.forEach(function (envelope) {
        if (envelope.seq > entry.lastSeq) deliver(entry, envelope);
      });
      entry.lastSeq = Math.max(entry.lastSeq, message.seq);
    } else if (message.type === "revoked") {
      topics.delete(message.topic);
      entry.listeners.forEach(function (l) {
        if (l.onRevoked) l.onRevoked(message);
      });
      if (topics.size === 0 && socket) socket.close(1000); // onclose hides the indicator
    } else if (message.type === "error") {
      if (message.code === "forbidden" || message.code === "unknown_topic") topics.delete(message.topic);
      if (window.console) console.warn("ZCLive:", message.topic, message.code, message.detail);
    } else if (typeof message.seq === "number" && entry.answered) {
      if (message.epoch !== entry.epoch) {
        entry.lastSeq = null; // the server's counters restarted: only a snapshot is reliable
        requestCatchUp(message.topic, entry);
      } else if (entry.lastSeq === null || message.seq === entry.lastSeq + 1) {
        deliver(entry, message);
      } else if (message.seq > entry.lastSeq + 1) {
        requestCatchUp(message.topic, entry); // a gap: ask for what was missed
      }
    }
  }

  function subscribe(topic, onMessage, options) {
    const listener = {
      onMessage: onMessage,
      onSnapshot: (options || {}).onSnapshot,
      onRevoked: (options || {}).onRevoked,
    };
    let entry = topics.get(topic);
    if (!entry) {
      entry = { lastSeq: null, epoch: null, answered: false, listeners: new Set() };
      topics.set(topic, entry);
      if (socket && socket.readyState === WebSocket.OPEN) requestCatchUp(topic, entry);
    } else if (entry.answered && listener.onSnapshot) {
      requestCatchUp(topic, { lastSeq: null, epoch: null }); // a late listener needs the state too
    }
    entry.listeners.add(listener);
    if (!socket && !timer) connect(); // the indicator appears once connected, or when a connection fails
    return function unsubscribe() {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && topics.get(topic) === entry) {
        topics.delete(topic);
        send({ action: "unsubscribe", topic: topic });
      }
    };
  }

  function refresh(topic) {
    const entry = topics.get(topic);
    if (entry) requestCatchUp(topic, { lastSeq: null, epoch: null });
  }

  // Back on the network or back on the tab: do not wait out the back-off.
  function reconnectNow() {
    if (socket || topics.size === 0) return;
    clearTimeout(timer);
    timer = null;
    attempt = 0;
    connect();
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") reconnectNow();
  });

  window.ZCLive = { subscribe: subscribe, refresh: refresh };

  // The unread-notification badge in the header: <a data-live-user="5"> … <span data-unread-badge>.
  function startBadge() {
    const owner = document.querySelector("[data-live-user]");
    const badge = owner && owner.querySelector("[data-unread-badge]");
    if (!badge) return;
    const topic = "user." + owner.dataset.liveUser;
    function show(count) {
      badge.textContent = String(count);
      badge.hidden = !count;
      badge.setAttribute("aria-label", count + " " + (badge.dataset.unreadLabel || ""));
    }
    subscribe(
      topic,
      function (data) {
        if (typeof data.unread === "number") show(data.unread);
        else if (data.type === "notification" || data.type === "notifications_read") refresh(topic);
      },
      {
        onSnapshot: function (state) {
          show(state.unread || 0);
        },
        onRevoked: function () {
          show(0); // signed out elsewhere: no count to keep up to date
        },
      },
    );
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startBadge);
  else startBadge();
})();
