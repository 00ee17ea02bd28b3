package sandbox

// forgeBridgeJS stands in for @forge/bridge inside the Custom UI iframe:
// window.__mailwikiForgeBridge.invokeRemote({path, method, headers, body})
// returns a promise of {status, headers, body}, rejected with an Error when
// the call breaks the contract. The host is the origin bridge.js was loaded
// from (the sandbox); every call is a postMessage to the parent page,
// answers are taken from that origin and window only. On load it also sets
// data-color-mode on <html> from the host's colour scheme, and from then on
// keeps the host's iframe as tall as the page, as Forge does for Custom UI
// (the app asks for nothing: @forge/bridge has no resize call).
const forgeBridgeJS = `(function () {
  "use strict";
  var script = document.currentScript;
  var host = script && script.src ? new URL(script.src).origin : null;
  var pending = {};
  var seq = 0;

  function call(kind, payload) {
    return new Promise(function (resolve, reject) {
      if (!host || window.parent === window) {
        reject(new Error("Forge bridge: not inside the sandbox's admin page"));
        return;
      }
      var id = ++seq;
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ mailwikiForge: 1, id: id, kind: kind, payload: payload || null }, host);
    });
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== host || e.source !== window.parent) return;
    var m = e.data;
    if (!m || m.mailwikiForge !== 1 || !pending[m.id]) return;
    var p = pending[m.id];
    delete pending[m.id];
    if (m.error) p.reject(new Error(m.error)); else p.resolve(m.result);
  });

  window.__mailwikiForgeBridge = {
    invokeRemote: function (input) {
      input = input || {};
      return call("invokeRemote", {
        path: input.path, method: input.method || "GET",
        headers: input.headers || {}, body: input.body === undefined ? null : input.body
      });
    }
  };

  call("theme").then(function (mode) {
    document.documentElement.setAttribute("data-color-mode", mode === "dark" ? "dark" : "light");
  }, function () {});

  var told = 0, queued = false;
  function fit() {
    queued = false;
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h > 0 && h !== told) {
      told = h;
      call("resize", { height: h }).catch(function () {});
    }
  }
  function watch() {
    if (!host || window.parent === window || typeof ResizeObserver !== "function") return;
    var ro = new ResizeObserver(function () {
      if (!queued) { queued = true; requestAnimationFrame(fit); }
    });
    ro.observe(document.documentElement);
    ro.observe(document.body);
  }
  if (document.body) watch(); else document.addEventListener("DOMContentLoaded", watch);
})();
`

// forgeHostJS runs on the sandbox's Forge admin page: it answers the
// iframe's bridge.js (origin and source checked) through the same-origin
// invoke endpoint, and sizes the iframe to the height bridge.js reports.
const forgeHostJS = `(function () {
  "use strict";
  var frame = document.getElementById("forge-frame");
  if (!frame) return;
  var appOrigin = new URL(frame.src).origin;
  var endpoint = frame.getAttribute("data-endpoint");

  function invoke(payload) {
    return fetch(endpoint + "/invoke", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Mailwiki-Sandbox": "1" },
      body: JSON.stringify(payload || {})
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j && j.message || "sandbox answered " + r.status);
        return j;
      });
    });
  }

  function handle(m) {
    switch (m.kind) {
      case "invokeRemote": return invoke(m.payload);
      case "theme":
        return Promise.resolve(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
      case "resize":
        var h = m.payload && Number(m.payload.height);
        if (!(h > 0)) return Promise.reject(new Error("resize: a height in pixels is needed"));
        frame.style.height = Math.min(Math.ceil(h), 100000) + "px";
        return Promise.resolve(true);
    }
    return Promise.reject(new Error("unknown Forge bridge call " + m.kind));
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== appOrigin || e.source !== frame.contentWindow) return;
    var m = e.data;
    if (!m || m.mailwikiForge !== 1) return;
    handle(m).then(function (result) {
      frame.contentWindow.postMessage({ mailwikiForge: 1, id: m.id, result: result }, appOrigin);
    }, function (err) {
      frame.contentWindow.postMessage({ mailwikiForge: 1, id: m.id, error: String(err && err.message || err) }, appOrigin);
    });
  });
})();
`
