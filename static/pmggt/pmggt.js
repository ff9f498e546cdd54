// Progressive enhancement only: every page works without JavaScript.

// htmx "settles" a swap by copying some attributes of each old element onto the new element
// with the same id, then restoring the new values with setAttribute. Its default list includes
// "style": a textarea the user resized (the browser sets its height through the CSSOM, which
// the CSP allows) would get setAttribute("style", …), an inline style that the CSP
// (style-src 'self', no 'unsafe-inline') refuses and reports as a console error. Settling
// "style" only animates CSS transitions, which PMG-GT does not use. (htmx loads first: both
// scripts are deferred, in document order; its indicator styles are off in base.html.)
if (window.htmx && window.htmx.config) {
  window.htmx.config.attributesToSettle = ["class", "width", "height"];
}

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

// Session-expiry warning (templates/base.html #aviso-sesion). The server ends a session after
// SESSION_COOKIE_AGE of inactivity and, whatever the activity, PMGGT_SESION_MAXIMA_HORAS after
// login; a few minutes before either, an alert says so. «Seguir trabajando» POSTs to the
// keep-alive view, which renews the inactivity expiry; the absolute limit cannot be extended.
(function () {
  var aviso = document.getElementById("aviso-sesion");
  if (!aviso) {
    return;
  }
  var inactividad = parseInt(aviso.getAttribute("data-inactividad"), 10) || 0;
  var absoluta = parseInt(aviso.getAttribute("data-absoluta"), 10) || 0;
  var cierre = aviso.getAttribute("data-cierre");
  var zona = parseInt(aviso.getAttribute("data-zona"), 10) || 0;  // minutes from UTC
  var finInactividad = Date.now() + inactividad * 1000;
  var finAbsoluto = Date.now() + absoluta * 1000;
  var mostrado = null;
  var descartadaAbsoluta = false;
  // Five minutes ahead (a third of the inactivity time, if that is shorter).
  var ANTICIPACION_ABSOLUTA = 5 * 60 * 1000;
  var anticipacionInactividad = Math.min(5 * 60, Math.floor(inactividad / 3)) * 1000;

  // HH:MM in the site's time zone (as data-cierre), whatever the browser's.
  function hora(ms) {
    var d = new Date(ms + zona * 60000);
    return ("0" + d.getUTCHours()).slice(-2) + ":" + ("0" + d.getUTCMinutes()).slice(-2);
  }

  function mostrar(estado) {
    if (estado === mostrado) {
      return;
    }
    mostrado = estado;
    aviso.textContent = "";
    if (!estado) {
      aviso.hidden = true;
      return;
    }
    // A new role="alert" element is announced by screen readers as it appears.
    var alerta = document.createElement("div");
    alerta.setAttribute("role", "alert");
    alerta.className = "alert " + (estado === "cerrada" ? "alert-danger" : "alert-warning");
    var texto = document.createElement("p");
    texto.className = "mb-2";
    if (estado === "absoluta") {
      texto.textContent = "Guarde su trabajo: la sesión se cerrará a las " + cierre +
        ", cuando se cumpla el tiempo máximo de conexión.";
    } else if (estado === "inactividad") {
      texto.textContent = "Por inactividad, su sesión se cerrará a las " + hora(finInactividad) +
        ". Si sigue trabajando, guarde antes sus cambios.";
    } else {
      texto.textContent = "Su sesión se cerró. El texto que escribió en esta página se " +
        "conserva en este navegador: ingrese nuevamente y vuelva a esta página para recuperarlo.";
    }
    alerta.appendChild(texto);
    var boton = document.createElement(estado === "cerrada" ? "a" : "button");
    boton.className = "btn btn-sm " + (estado === "cerrada" ? "btn-primary" : "btn-outline-primary");
    if (estado === "cerrada") {
      boton.href = window.location.href;
      boton.textContent = "Ingresar nuevamente";
    } else if (estado === "inactividad") {
      boton.type = "button";
      boton.textContent = "Seguir trabajando";
      boton.addEventListener("click", mantener);
    } else {
      boton.type = "button";
      boton.textContent = "Entendido";
      boton.addEventListener("click", function () {
        descartadaAbsoluta = true;
        mostrar(null);
      });
    }
    alerta.appendChild(boton);
    aviso.appendChild(alerta);
    aviso.hidden = false;
  }

  function revisar() {
    var ahora = Date.now();
    var quedaInactividad = finInactividad - ahora;
    var quedaAbsoluto = finAbsoluto - ahora;
    if (quedaInactividad <= 0 || quedaAbsoluto <= 0) {
      mostrar("cerrada");
    } else if (quedaAbsoluto <= quedaInactividad && quedaAbsoluto <= ANTICIPACION_ABSOLUTA) {
      // The limit cannot be extended: a warning to save, hidden for good with «Entendido».
      mostrar(descartadaAbsoluta ? null : "absoluta");
    } else if (quedaInactividad <= anticipacionInactividad) {
      mostrar("inactividad");
    } else {
      mostrar(null);
    }
  }

  function renovar(segundos) {
    if (segundos && typeof segundos.inactividad === "number") {
      finInactividad = Date.now() + segundos.inactividad * 1000;
      finAbsoluto = Date.now() + segundos.absoluta * 1000;
      cierre = segundos.cierre || cierre;
    } else {
      finInactividad = Math.min(Date.now() + inactividad * 1000, finAbsoluto);
    }
    if (mostrado === "inactividad") {
      mostrar(null);
    }
    revisar();
  }

  function mantener() {
    var token = document.querySelector("meta[name=csrf-token]");
    window.fetch(aviso.getAttribute("data-mantener"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.getAttribute("content") : "" }
    }).then(function (respuesta) {
      if (respuesta.status !== 204) {
        // The session is already gone: the page itself now leads to the login.
        window.location.reload();
        return;
      }
      var segundos = null;
      try {
        segundos = JSON.parse(respuesta.headers.get("X-Sesion-Restante"));
      } catch (e) {
        segundos = null;
      }
      renovar(segundos);
    }).catch(function () {
      mostrar(null);
      mostrar("inactividad");
    });
  }

  // Any htmx request to the server also counts as activity.
  document.addEventListener("htmx:afterRequest", function (evento) {
    if (evento.detail && evento.detail.successful) {
      renovar(null);
    }
  });
  window.setInterval(revisar, 5000);
  revisar();
})();

// Drafts: what is typed in a form marked data-borrador is kept in sessionStorage (per tab),
// keyed by page path + form (id or action) + field (id or name), until that form is submitted and the next page (or the
// htmx answer) shows a success message. A draft comes back into a field that is empty or
// still shows the value the draft started from, never over newer saved text.
(function () {
  var PREFIJO = "pmggt-borrador|";
  var ENVIADO = "pmggt-borrador-enviado";
  var TIPOS = ["text", "search", "email", "url", "tel", "number", "date"];

  function almacen() {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  }
  var guardado = almacen();
  if (!guardado) {
    return;
  }

  function claveFormulario(formulario) {
    var id = formulario.getAttribute("id") || formulario.getAttribute("action") || "";
    return PREFIJO + window.location.pathname + "|" + id + "|";
  }

  function esCampo(campo) {
    if (!campo.name || campo.name === "csrfmiddlewaretoken" || campo.disabled) {
      return false;
    }
    if (campo.tagName === "TEXTAREA") {
      return true;
    }
    return campo.tagName === "INPUT" && TIPOS.indexOf(campo.type) !== -1;
  }

  // The id tells apart same-named fields of repeated forms (one observation form per cell).
  function nombreCampo(campo) {
    return campo.id || campo.name;
  }

  function borrar(prefijo) {
    for (var i = guardado.length - 1; i >= 0; i--) {
      var clave = guardado.key(i);
      if (clave && clave.indexOf(prefijo) === 0) {
        guardado.removeItem(clave);
      }
    }
  }

  function escribir(clave, valor) {
    try {
      guardado.setItem(clave, valor);
    } catch (e) {
      // Storage full or refused: drafts are a convenience, never an error.
    }
  }

  document.addEventListener("input", function (evento) {
    var campo = evento.target;
    var formulario = campo.form;
    if (!formulario || !formulario.hasAttribute("data-borrador") || !esCampo(campo)) {
      return;
    }
    var clave = claveFormulario(formulario) + nombreCampo(campo);
    if (campo.value === campo.defaultValue) {
      guardado.removeItem(clave);
    } else {
      escribir(clave, JSON.stringify({ v: campo.value, o: campo.defaultValue }));
    }
  });

  // Registered after the data-confirmar listener: a cancelled submit is not a submit.
  document.addEventListener("submit", function (evento) {
    var formulario = evento.target;
    if (evento.defaultPrevented) {
      return;
    }
    if (formulario.hasAttribute("data-salir")) {
      // «Salir»: nothing typed here may reach whoever uses this tab next.
      borrar(PREFIJO);
      guardado.removeItem(ENVIADO);
      return;
    }
    if (!formulario.hasAttribute("data-borrador")) {
      return;
    }
    escribir(ENVIADO, JSON.stringify({ p: claveFormulario(formulario), t: Date.now() }));
  });

  function hayExito(raiz) {
    return !!(raiz && raiz.querySelector(".alert-success"));
  }

  // A full page after a submit: its success message means the draft was saved.
  function confirmarEnvio() {
    var enviado = null;
    try {
      enviado = JSON.parse(guardado.getItem(ENVIADO));
    } catch (e) {
      enviado = null;
    }
    guardado.removeItem(ENVIADO);
    if (enviado && Date.now() - enviado.t < 5 * 60 * 1000 &&
        hayExito(document.getElementById("mensajes"))) {
      borrar(enviado.p);
    }
  }

  function restaurar(raiz) {
    var recuperados = 0;
    var formularios = raiz.querySelectorAll("form[data-borrador]");
    if (raiz.matches && raiz.matches("form[data-borrador]")) {
      formularios = [raiz];
    }
    Array.prototype.forEach.call(formularios, function (formulario) {
      var prefijo = claveFormulario(formulario);
      Array.prototype.forEach.call(formulario.elements, function (campo) {
        if (!esCampo(campo)) {
          return;
        }
        var borrador = null;
        try {
          borrador = JSON.parse(guardado.getItem(prefijo + nombreCampo(campo)));
        } catch (e) {
          borrador = null;
        }
        if (!borrador || typeof borrador.v !== "string" || borrador.v === campo.value) {
          return;
        }
        if (campo.value === "" || campo.value === borrador.o) {
          campo.value = borrador.v;
          recuperados++;
        }
      });
    });
    if (recuperados) {
      var mensajes = document.getElementById("mensajes");
      if (mensajes && !mensajes.querySelector(".borrador-recuperado")) {
        var aviso = document.createElement("div");
        aviso.className = "alert alert-info borrador-recuperado";
        aviso.setAttribute("role", "status");
        aviso.textContent = "Se recuperó texto que no alcanzó a guardarse. Revíselo y guarde " +
          "los cambios.";
        mensajes.appendChild(aviso);
      }
    }
  }

  // The element that made the request: htmx fires beforeSwap on the target, and afterRequest
  // on a parent when the form itself was swapped out.
  function formularioDe(detalle) {
    var elemento = detalle && detalle.requestConfig && detalle.requestConfig.elt;
    return elemento && elemento.closest ? elemento.closest("form[data-borrador]") : null;
  }

  // htmx submits: saved if the answer carries a success message (cleared before the swap, so
  // the fresh form is not refilled), or if the form is gone afterwards (an inline row editor
  // replaced by the saved row). An invalid form comes back in place with its values.
  document.addEventListener("htmx:beforeSwap", function (evento) {
    var detalle = evento.detail || {};
    var formulario = formularioDe(detalle);
    var respuesta = typeof detalle.serverResponse === "string" ? detalle.serverResponse : "";
    if (formulario && !detalle.isError && respuesta.indexOf("alert-success") !== -1) {
      borrar(claveFormulario(formulario));
    }
  });
  document.addEventListener("htmx:afterRequest", function (evento) {
    var detalle = evento.detail || {};
    var formulario = formularioDe(detalle);
    if (!formulario || !detalle.successful) {
      return;
    }
    var prefijo = claveFormulario(formulario);
    window.setTimeout(function () {
      var sigue = Array.prototype.some.call(
        document.querySelectorAll("form[data-borrador]"),
        function (f) { return claveFormulario(f) === prefijo; }
      );
      if (!sigue) {
        borrar(prefijo);
      }
    }, 100);
  });

  // Forms that htmx brings in later (an inline row editor) get their drafts back too.
  document.addEventListener("htmx:load", function (evento) {
    if (evento.target && evento.target.querySelectorAll) {
      restaurar(evento.target);
    }
  });

  confirmarEnvio();
  restaurar(document);
})();

// --- Section formsets: «Agregar …» adds a blank row in place (diagnostico/_formset_tabla.html).
// The formset's <template id="PREFIX-fila-vacia"> holds the row of its empty form, with
// "__prefix__" where the row's index goes; a click copies it at the end of the table with the
// next index and raises PREFIX-TOTAL_FORMS, so one «Guardar» saves every row. Without
// JavaScript the button stays hidden and the empty rows already on the page are the ones to
// fill (save and come back for more).
(function () {
  function agregar(boton) {
    var prefijo = boton.getAttribute("data-agregar-fila");
    var plantilla = document.getElementById(prefijo + "-fila-vacia");
    var total = document.getElementById("id_" + prefijo + "-TOTAL_FORMS");
    var maximo = document.getElementById("id_" + prefijo + "-MAX_NUM_FORMS");
    var cuerpo = document.querySelector("table[data-formset='" + prefijo + "'] > tbody");
    if (!plantilla || !total || !cuerpo) {
      return;
    }
    var indice = parseInt(total.value, 10) || 0;
    if (maximo && indice >= (parseInt(maximo.value, 10) || Infinity)) {
      anunciar(boton, "No se pueden agregar más filas en esta tabla.");
      return;
    }
    // Parsed in a <template> (table rows need a table context); no script or style inside.
    var nueva = document.createElement("template");
    nueva.innerHTML = plantilla.innerHTML.replace(/__prefix__/g, String(indice));
    var fila = nueva.content.querySelector("tr");
    if (!fila) {
      return;
    }
    cuerpo.appendChild(fila);
    total.value = String(indice + 1);
    var primero = fila.querySelector("input:not([type=hidden]), textarea, select");
    if (primero) {
      primero.focus();
    }
    anunciar(boton, "Se agregó una fila vacía (" + (indice + 1) + " en total).");
  }

  // A polite status next to the button, for screen readers (in the page before it speaks, so
  // that it is announced).
  function anunciar(boton, texto) {
    var estado = boton.parentNode.querySelector(".estado-agregar");
    if (estado) {
      estado.textContent = texto;
    }
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("button[data-agregar-fila]"),
    function (boton) {
      var estado = document.createElement("span");
      estado.className = "sr-only estado-agregar";
      estado.setAttribute("role", "status");
      boton.parentNode.appendChild(estado);
      boton.hidden = false;
      boton.addEventListener("click", function () {
        agregar(boton);
      });
    }
  );
})();
