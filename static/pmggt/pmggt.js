// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("submit", function (evento) {
  var formulario = evento.target;
  var pregunta = formulario.getAttribute("data-confirmar");
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
