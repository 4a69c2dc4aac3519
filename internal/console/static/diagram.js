// Draws the state diagram from the page's <template id="diagram-source"> with
// the vendored Mermaid (no inline script: the page's CSP forbids it).
(function () {
  "use strict";
  var src = document.getElementById("diagram-source");
  var out = document.getElementById("diagram");
  if (!src || !out || !window.mermaid) { return; }
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
  window.mermaid.render("state-diagram", src.content.textContent).then(function (r) {
    out.innerHTML = r.svg;
    out.setAttribute("data-rendered", "true");
  }).catch(function (e) {
    out.textContent = "Схему не удалось нарисовать; переходы — в таблице ниже.";
    out.setAttribute("data-rendered", "error");
  });
})();
