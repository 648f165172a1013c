/* comments: the publisher's embed script.
 *   <div id="comments" data-site="demo" data-article="ARTICLE-ID"></div>
 *   <script src="https://COMMENTS_HOST/embed.js" async></script>
 * Publisher single sign-on: data-sso-token="<JWT from your server>" on the element (or, once the reader
 * logs in on your page, commentsEmbed.login(token)); the token goes to the widget by postMessage only.
 * Puts the comment section in an iframe served by the comment service, so its styles, storage and session
 * never mix with the page's. Also fills [data-comments-count] elements with published comment counts.
 * A plain script (no modules, no build, no dependencies): it runs on every article page. */
(function () {
  "use strict";
  var me = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  // The service is wherever this script came from; the widget and the counts API live there too.
  var service = new URL(me ? me.src : "/embed.js", location.href).origin;
  var frames = [];
  var ssoToken = null;

  function mount(el) {
    var site = el.getAttribute("data-site"),
      article = el.getAttribute("data-article");
    if (!site || !article || el.hasAttribute("data-comments-mounted")) return;
    el.setAttribute("data-comments-mounted", "");
    var canonical = document.querySelector('link[rel="canonical"]');
    var q = new URLSearchParams({
      site: site,
      article: article,
      url: el.getAttribute("data-url") || (canonical && canonical.href) || location.href.split("#")[0],
      title: el.getAttribute("data-title") || document.title,
      // The only window the widget will talk to; the service refuses origins the site does not allow.
      origin: location.origin
    });
    ["theme", "accent", "sort"].forEach(function (name) {
      var value = el.getAttribute("data-" + name);
      if (value) q.set(name, value);
    });
    var frame = document.createElement("iframe");
    frame.src = service + "/widget?" + q;
    frame.title = el.getAttribute("data-frame-title") || "Comments";
    frame.className = "comments-embed__frame";
    // Cross-origin already isolates it; the sandbox also keeps it from navigating the article page.
    // (Same-origin, as on the service's own demo page, a sandbox with scripts is pointless: none then.)
    if (service !== location.origin) {
      frame.setAttribute(
        "sandbox",
        "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox " +
          "allow-downloads" // "Download my data"
      );
    }
    // Style properties (not a style attribute), so a strict CSP on the host page does not block them.
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = "320px";
    var token = el.getAttribute("data-sso-token");
    if (token) ssoToken = token;
    frames.push({ frame: frame, site: site, article: article });
    el.appendChild(frame);
  }

  // The widget reports its height and its comment count; believe only the service's origin, and only
  // for one of our own iframes.
  addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== service || !data) return;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      if (f.frame.contentWindow !== event.source) continue;
      if (data.type === "comments:ready") {
        sendToken(f);
      } else if (data.type === "comments:resize") {
        f.frame.style.height = Math.max(80, Math.min(Math.ceil(+data.height) || 0, 200000)) + "px";
      } else if (data.type === "comments:count" && typeof data.count === "number") {
        document.querySelectorAll("[data-comments-count]").forEach(function (el) {
          if (el.getAttribute("data-site") === f.site && el.getAttribute("data-comments-count") === f.article) {
            el.textContent = String(data.count);
          }
        });
      }
    }
  });

  // The token goes to the service's origin only, never into a URL (logs, Referer).
  function sendToken(f) {
    if (ssoToken && f.frame.contentWindow) {
      f.frame.contentWindow.postMessage({ type: "comments:sso", token: ssoToken }, service);
    }
  }

  function counts() {
    var bySite = {};
    document.querySelectorAll("[data-comments-count]").forEach(function (el) {
      var site = el.getAttribute("data-site"),
        article = el.getAttribute("data-comments-count");
      if (site && article) (bySite[site] = bySite[site] || []).push(el);
    });
    Object.keys(bySite).forEach(function (site) {
      var els = bySite[site];
      for (var i = 0; i < els.length; i += 100) fill(site, els.slice(i, i + 100)); // the API takes 100 ids
    });
  }

  function fill(site, els) {
    var ids = els.map(function (el) {
      return el.getAttribute("data-comments-count");
    });
    fetch(
      service + "/api/v1/sites/" + encodeURIComponent(site) + "/counts?articles=" + encodeURIComponent(ids.join(",")),
      { credentials: "omit" }
    )
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (body) {
        if (!body) return;
        els.forEach(function (el) {
          var n = body.counts[el.getAttribute("data-comments-count")];
          if (typeof n === "number") el.textContent = String(n);
        });
      })
      .catch(function () {
        /* counts are decoration: leave the placeholder */
      });
  }

  function start() {
    document.querySelectorAll("#comments[data-site], [data-comments-embed]").forEach(mount);
    counts();
  }

  // Pages that add articles later (infinite scroll, SPAs) call commentsEmbed.refresh().
  // commentsEmbed.login(token): the reader logged in on the page after it loaded.
  window.commentsEmbed = {
    refresh: start,
    login: function (token) {
      ssoToken = String(token || "") || null;
      frames.forEach(sendToken);
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
