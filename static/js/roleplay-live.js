// Live role-play pages (templates/roleplay/play.html, console.html). Progressive enhancement: without it the
// pages work with plain forms and refresh.
//
// Opens the WebSocket named by the `data-roleplay-socket` attribute (a path such as /ws/roleplay/groups/12/)
// and, whenever the server says something changed, dispatches a `roleplay-changed` event on document.body.
// The htmx fragments listen with hx-trigger="roleplay-changed from:body" and fetch themselves again from the
// database, so messages appear in the database's order, once; the socket itself never carries content.
//
// A dropped socket is reopened with exponential backoff (1 s doubling to 30 s, with jitter so that a
// restarted server is not hit by every browser at once). While it is down the fragments are refreshed every
// 15 s, and once it is back they are refreshed at once, so nothing said in the meantime is missed.
// An element with `data-roleplay-status` inside the socket element shows "Live" or "Reconnecting…".
// A socket element with `data-roleplay-follow="<url>"` (the waiting room) instead asks that URL on every
// ping and goes where it redirects: to the learner's group once the facilitator has assigned the roles.
(function () {
  "use strict";
  var EVENT = "roleplay-changed";
  var FIRST_DELAY = 1000, MAX_DELAY = 30000, POLL_WHILE_DOWN = 15000;

  var pending = false;
  function changed() {
    // Several pings in the same moment (a proposal and its agreement) make one round of fetches.
    if (pending) return;
    pending = true;
    window.setTimeout(function () {
      pending = false;
      document.body.dispatchEvent(new CustomEvent(EVENT, { bubbles: true }));
    }, 30);
  }

  function follow(url) {
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.ok && response.redirected) window.location.assign(response.url);
      })
      .catch(function () { /* offline for a moment: the next ping or poll asks again */ });
  }

  function socketUrl(path) {
    var url = new URL(path, window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    url.host = window.location.host; // same origin only: the CSP allows nothing else
    return url.href;
  }

  function live(element) {
    var path = element.getAttribute("data-roleplay-socket");
    if (!path) return;
    var status = element.querySelector("[data-roleplay-status]");
    var followUrl = element.getAttribute("data-roleplay-follow");
    var notify = followUrl ? function () { follow(followUrl); } : changed;
    var socket = null, attempts = 0, retry = null, poll = null, leaving = false;

    function show(text, state) {
      if (!status) return;
      status.hidden = false;
      status.textContent = text;
      status.setAttribute("data-state", state);
    }

    function startPolling() {
      if (poll === null) poll = window.setInterval(notify, POLL_WHILE_DOWN);
    }

    function stopPolling() {
      if (poll !== null) window.clearInterval(poll);
      poll = null;
    }

    function connect() {
      retry = null;
      try {
        socket = new WebSocket(socketUrl(path));
      } catch (e) {
        scheduleReconnect();
        return;
      }
      socket.addEventListener("open", function () {
        attempts = 0;
        stopPolling();
        show("Live", "live");
        // Whatever happened while the socket was closed, or between the page being rendered and the socket
        // opening, is fetched now.
        notify();
      });
      socket.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data && data.type === "changed") notify();
      });
      socket.addEventListener("close", function () {
        socket = null;
        if (leaving) return;
        show("Reconnecting…", "reconnecting");
        startPolling();
        scheduleReconnect();
      });
    }

    function scheduleReconnect() {
      if (retry !== null || leaving) return;
      var delay = Math.min(MAX_DELAY, FIRST_DELAY * Math.pow(2, attempts));
      attempts += 1;
      delay = delay * (0.8 + Math.random() * 0.4);
      retry = window.setTimeout(connect, delay);
    }

    // Back from sleep or a background tab: try at once instead of waiting for the backoff.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && socket === null && !leaving) {
        if (retry !== null) window.clearTimeout(retry);
        retry = null;
        attempts = 0;
        connect();
      }
    });
    // Leaving the page closes the socket on purpose: no reconnection, no "Reconnecting…" flash.
    window.addEventListener("pagehide", function () {
      leaving = true;
      if (socket !== null) socket.close(1000);
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && leaving) {
        leaving = false;
        notify();
        connect();
      }
    });

    connect();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-roleplay-socket]"), live);
})();
