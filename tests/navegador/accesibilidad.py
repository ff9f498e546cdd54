"""Accessibility checks in the browser tests: axe-core (WCAG 2.0/2.1, levels A and AA).

axe-core is vendored for the tests only (``tests/navegador/vendor/axe.min.js``, MPL-2.0, see
``vendor/README.md``); the site never serves it. The pages' CSP refuses an injected
``<script>`` tag, so the source is evaluated in the page through the DevTools protocol
(``page.evaluate``), which the CSP does not govern.

``analizar(page)`` runs axe on the page as it is; ``Recorrido`` visits pages one after another,
saves a full-page screenshot of each (1366 px wide) and collects what axe found, so that one run
lists every page's violations; ``verificar()`` fails with a readable list.
"""

import functools
import json
import os
import re
import unicodedata
from pathlib import Path

from playwright.sync_api import Page

VENDOR = Path(__file__).resolve().parent / "vendor"
ETIQUETAS_WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ANCHO_CAPTURA = 1366

# Runs in the page: the violations in full, and what axe could not decide ("incomplete": e.g.
# the contrast of a one-digit badge) as rule ids with a few examples, for a person to review.
_EJECUTAR_AXE = r"""(etiquetas) => axe.run(document, {
  runOnly: {type: 'tag', values: etiquetas},
  resultTypes: ['violations', 'incomplete'],
}).then((r) => ({
  version: axe.version,
  violaciones: r.violations.map((v) => ({
    regla: v.id, impacto: v.impact, ayuda: v.help, url: v.helpUrl,
    nodos: v.nodes.map((n) => ({
      selector: n.target.map(String).join(' '), html: n.html, resumen: n.failureSummary || '',
    })),
  })),
  por_revisar: r.incomplete.map((v) => ({
    regla: v.id, nodos: v.nodes.length,
    ejemplos: v.nodes.slice(0, 3).map((n) => n.target.map(String).join(' ') + ' :: '
      + (n.failureSummary || '').replace(/\s+/g, ' ')),
  })),
}))"""


@functools.cache
def fuente_axe() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


# Resolves when the CSS transitions and animations running now have ended (at most 2 s).
_ESPERAR_TRANSICIONES = """() => Promise.race([
  Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null))),
  new Promise((listo) => setTimeout(listo, 2000)),
])"""


def analizar(page: Page) -> dict:
    """axe-core's WCAG 2.1 AA results for the page now shown (axe is injected once per page).

    The pointer is moved off the content first and running transitions are awaited: right
    after a click, a gob.cl button is halfway between its normal and hover colours (0.15 s),
    and axe would measure that passing mix (e.g. 2.5:1) instead of either state."""
    page.wait_for_load_state("load")
    page.mouse.move(0, 0)
    page.evaluate(_ESPERAR_TRANSICIONES)
    if not page.evaluate("typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        # A trailing expression, so that Playwright evaluates the source instead of calling it.
        page.evaluate(fuente_axe() + "\n;0")
    return page.evaluate(_EJECUTAR_AXE, ETIQUETAS_WCAG_21_AA)


def describir(resultado: dict, pagina: str) -> str:
    """The violations of one page, one rule at a time: id, impact, targets and HTML."""
    lineas = [f"{pagina}: {len(resultado['violaciones'])} regla(s) incumplida(s)"]
    for v in resultado["violaciones"]:
        lineas.append(f"  • {v['regla']} [{v['impacto']}] {v['ayuda']} ({v['url']})")
        for nodo in v["nodos"]:
            html = re.sub(r"\s+", " ", nodo["html"])
            html = html if len(html) <= 300 else html[:297] + "..."
            resumen = re.sub(r"\s+", " ", nodo["resumen"]).strip()
            lineas.append(f"      en {nodo['selector']}")
            lineas.append(f"         {html}")
            if resumen:
                lineas.append(f"         {resumen}")
    return "\n".join(lineas)


def afirmar_sin_violaciones(page: Page, pagina: str = "") -> dict:
    """Fails with the list of violations unless axe finds none on the page shown."""
    resultado = analizar(page)
    if resultado["violaciones"]:
        raise AssertionError(
            "axe-core (WCAG 2.1 AA) encontró infracciones de accesibilidad:\n"
            + describir(resultado, pagina or page.url)
        )
    return resultado


def carpeta_capturas(tmp_path_factory, nombre: str) -> Path:
    """``$PMGGT_CAPTURAS/<nombre>`` if that variable is set, else a folder in pytest's tmp."""
    raiz = os.environ.get("PMGGT_CAPTURAS")
    if raiz:
        carpeta = Path(raiz) / nombre
        carpeta.mkdir(parents=True, exist_ok=True)
        for anterior in carpeta.glob("*.png"):
            anterior.unlink()
        return carpeta
    return tmp_path_factory.mktemp(nombre)


class Recorrido:
    """Pages checked one after another: each is screenshotted and analysed, and
    ``verificar()`` fails listing every page with violations (not only the first one).

    ``informe.txt`` in the folder lists each page with its URL, its screenshot and the rules axe
    left for a person to review ("incomplete")."""

    def __init__(self, page: Page, carpeta: Path):
        self.page = page
        self.carpeta = carpeta
        self.paginas: list[tuple[str, str, dict]] = []  # (name, url, axe results)
        page.set_viewport_size({"width": ANCHO_CAPTURA, "height": 900})

    def visitar(self, url: str, nombre: str) -> dict:
        self.page.goto(url)
        return self.revisar(nombre)

    def revisar(self, nombre: str) -> dict:
        """The page as it is now (after a click, a form with errors...)."""
        resultado = analizar(self.page)
        numero = len(self.paginas) + 1
        archivo = f"{numero:02d}-{_archivo(nombre)}.png"
        self.page.screenshot(path=str(self.carpeta / archivo), full_page=True)
        self.paginas.append((nombre, self.page.url, resultado))
        self._escribir_informe()
        return resultado

    def _escribir_informe(self) -> None:
        lineas = []
        for numero, (nombre, url, r) in enumerate(self.paginas, start=1):
            revisar = ", ".join(f"{p['regla']} ({p['nodos']})" for p in r["por_revisar"])
            lineas.append(
                f"{numero:02d} {nombre} · {url} · infracciones: {len(r['violaciones'])}"
                + (f" · por revisar: {revisar}" if revisar else "")
            )
        (self.carpeta / "informe.txt").write_text("\n".join(lineas) + "\n", encoding="utf-8")
        (self.carpeta / "axe.json").write_text(
            json.dumps(
                [{"pagina": n, "url": u, **r} for n, u, r in self.paginas],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )

    def verificar(self, minimo: int = 1) -> None:
        assert len(self.paginas) >= minimo, (
            f"Se revisaron {len(self.paginas)} páginas; se esperaban al menos {minimo}."
        )
        con_violaciones = [(n, u, r) for n, u, r in self.paginas if r["violaciones"]]
        if con_violaciones:
            detalle = "\n".join(describir(r, f"«{n}» {u}") for n, u, r in con_violaciones)
            raise AssertionError(
                f"axe-core {con_violaciones[0][2]['version']} (WCAG 2.1 AA): "
                f"{len(con_violaciones)} de {len(self.paginas)} páginas con infracciones "
                f"(capturas en {self.carpeta}):\n{detalle}"
            )


def _archivo(nombre: str) -> str:
    simple = unicodedata.normalize("NFKD", nombre).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", simple.lower()).strip("-")
