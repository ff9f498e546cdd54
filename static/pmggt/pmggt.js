// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("submit", function (evento) {
  var formulario = evento.target;
  var pregunta = formulario.getAttribute("data-confirmar");
  // htmx asks through hx-confirm on forms it handles; this covers the rest.
  if (formulario.hasAttribute("hx-post") || formulario.hasAttribute("hx-boost")) {
    return;
  }
  if (pregunta && !window.confirm(pregunta)) {
    evento.preventDefault();
  }
});
document.addEventListener("htmx:configRequest", function (evento) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) {
    evento.detail.headers["X-CSRFToken"] = token.getAttribute("content");
  }
});
