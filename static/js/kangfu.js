/* When an htmx request fails, htmx swaps nothing and the page would stay silent: say what
   happened, in the page's language (the texts are on #request-error, from the server). */
(function () {
  function show(xhr) {
    var box = document.getElementById("request-error");
    if (!box) return;
    var status = xhr ? xhr.status : 0;
    var key;
    if (xhr && xhr.getResponseHeader("X-Kangfu-Error") === "csrf") key = "csrf";
    else if (status === 403) key = "forbidden";
    else if (status === 404) key = "missing";
    else if (status === 429) key = "busy";
    else if (status >= 500) key = "server";
    else if (status === 0) key = "offline";
    else key = "other";
    box.textContent = box.dataset[key] || box.dataset.other;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:responseError", function (e) { show(e.detail.xhr); });
  document.addEventListener("htmx:sendError", function () { show(null); });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-error");
    if (box) box.hidden = true;
  });
})();
