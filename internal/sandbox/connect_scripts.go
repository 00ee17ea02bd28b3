package sandbox

// allJS stands in for Atlassian's all.js inside an app's iframe: window.AP
// with context.getToken, request, resize, sizeToParent and
// theming.initializeTheming. Every call is a postMessage to the parent
// page (xdm_e, checked on each answer), which host.js serves.
const allJS = `(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var host = params.get("xdm_e");
  var pending = {};
  var seq = 0;

  function call(kind, payload) {
    return new Promise(function (resolve, reject) {
      if (!host || window.parent === window) {
        reject(new Error("AP: not inside a Confluence page (no xdm_e)"));
        return;
      }
      var id = ++seq;
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ mailwikiAP: 1, id: id, kind: kind, payload: payload || null }, host);
    });
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== host || e.source !== window.parent) return;
    var m = e.data;
    if (!m || m.mailwikiAP !== 1 || !pending[m.id]) return;
    var p = pending[m.id];
    delete pending[m.id];
    if (m.error) p.reject(new Error(m.error)); else p.resolve(m.result);
  });

  function xhrOf(res) {
    return {
      status: res.status, responseText: res.body,
      getResponseHeader: function (name) {
        return name.toLowerCase() === "content-type" ? res.contentType : null;
      }
    };
  }

  window.AP = {
    context: {
      getToken: function (callback) {
        var p = call("token");
        if (callback) p.then(callback);
        return p;
      }
    },
    request: function (urlOrOptions, maybeOptions) {
      var o = typeof urlOrOptions === "string" ? Object.assign({ url: urlOrOptions }, maybeOptions || {}) : urlOrOptions;
      var data = o.data;
      if (data !== undefined && typeof data !== "string") data = JSON.stringify(data);
      var p = call("request", { url: o.url, type: o.type || "GET", data: data || "", contentType: o.contentType || "" })
        .then(function (res) {
          var xhr = xhrOf(res);
          if (res.status >= 200 && res.status < 300) {
            if (o.success) o.success(res.body, "success", xhr);
            return { body: res.body, xhr: xhr };
          }
          if (o.error) o.error(xhr, "error", res.status);
          throw { err: res.body, xhr: xhr };
        });
      return p;
    },
    // Without a height, as in Connect, the iframe takes the content's height.
    resize: function (width, height) {
      if (!height) height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      call("resize", { width: String(width || "100%"), height: String(height) });
    },
    sizeToParent: function () { call("sizeToParent"); },
    theming: {
      initializeTheming: function () {
        return call("theme").then(function (mode) {
          document.documentElement.setAttribute("data-color-mode", mode === "dark" ? "dark" : "light");
          return mode;
        });
      }
    }
  };
})();
`

// hostJS runs on the sandbox's admin page: it answers the app iframe's
// messages (origin and source checked) through the same-origin token and
// request endpoints.
const hostJS = `(function () {
  "use strict";
  var frame = document.getElementById("ac-frame");
  if (!frame) return;
  var appOrigin = new URL(frame.src).origin;
  var endpoint = frame.getAttribute("data-endpoint");

  function post(path, body) {
    return fetch(endpoint + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Mailwiki-Sandbox": "1" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      if (!r.ok) throw new Error("sandbox answered " + r.status);
      return r.json();
    });
  }

  function size(v) { return /^[0-9]+$/.test(v) ? v + "px" : v; }

  function handle(m) {
    switch (m.kind) {
      case "token": return post("/token").then(function (j) { return j.token; });
      case "request": return post("/request", m.payload);
      case "resize":
        if (m.payload.width) frame.style.width = size(m.payload.width);
        if (m.payload.height) frame.style.height = size(m.payload.height);
        return Promise.resolve(true);
      case "sizeToParent":
        frame.style.width = "100%";
        frame.style.height = Math.max(150, window.innerHeight - frame.getBoundingClientRect().top - 16) + "px";
        return Promise.resolve(true);
      case "theme":
        return Promise.resolve(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    }
    return Promise.reject(new Error("unknown AP call " + m.kind));
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== appOrigin || e.source !== frame.contentWindow) return;
    var m = e.data;
    if (!m || m.mailwikiAP !== 1) return;
    handle(m).then(function (result) {
      frame.contentWindow.postMessage({ mailwikiAP: 1, id: m.id, result: result }, appOrigin);
    }, function (err) {
      frame.contentWindow.postMessage({ mailwikiAP: 1, id: m.id, error: String(err && err.message || err) }, appOrigin);
    });
  });
})();
`
