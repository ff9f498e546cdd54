"""Etapa I content for the national-scale data set: the stage's ``escala`` hook (pmggt.escala).

For each generated document the Diagnóstico is written as people write it: the root row is
created empty with the document, the Encargado/a GT fills the definitions, each Encargada de
Centro her region's cuadros and encargados, all before the first version is sent; after each
return a few cells are corrected (and sometimes a row or an objetivo added) before the next
send. Every row keeps that story as history rows (who, when, what it said), so the timeline
and the concurrency huellas work on it; its live row holds the last state.

The snapshot of each version is built here from those rows, exactly as
``diagnostico.contenido.contenido`` reads them back (same keys, same order, the saved ids).
Texts are composed from Spanish phrase banks, with varying lengths, already in the form
``pmggt.texto.normalizar`` leaves them.
"""

import random
from datetime import datetime

from pmggt import escala
from pmggt.escala import APELLIDOS, NOMBRES, DocumentoEscala

from .contenido import CAMPOS_CUADRO1, CAMPOS_CUADRO2
from .models import (
    Causal,
    Cliente,
    Diagnostico,
    EncargadoRed,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ObjetivoEstrategico,
    ProductoEstrategico,
    SistemaInformacion,
    lista_causales,
    unir_causales,
)

INFORMACION = list(FilaCuadro2.Informacion.values)
CAUSALES = list(Causal.values)

# --- Phrase banks --------------------------------------------------------------------------------

SUJETOS = [
    "La Dirección Regional",
    "El equipo regional",
    "El Centro de Responsabilidad",
    "La unidad de planificación regional",
    "La coordinación regional del Servicio",
    "El encargado territorial",
    "La oficina provincial",
]
VERBOS = ["realiza", "mantiene", "coordina", "desarrolla", "informa", "ejecuta", "registra"]
ACCIONES = [
    "mesas de trabajo con el Gobierno Regional",
    "un catastro de beneficiarios por comuna",
    "reuniones periódicas con las SEREMI del sector",
    "la priorización de proyectos con criterios territoriales",
    "el seguimiento mensual de la ejecución presupuestaria regional",
    "la georreferenciación de la oferta programática",
    "convenios de colaboración con los municipios",
    "jornadas de difusión en localidades aisladas",
    "la atención en terreno en sectores rurales",
    "el levantamiento de demandas de las organizaciones locales",
    "reportes trimestrales al Consejo Regional",
    "la focalización de recursos en comunas rezagadas",
    "operativos móviles en las comunas de menor cobertura",
    "un registro de solicitudes desagregado por provincia",
]
COMPLEMENTOS = [
    "en {region}",
    "en {n} de las comunas de la región",
    "con información desagregada por provincia",
    "desde el ciclo anterior",
    "de manera aún parcial",
    "con apoyo del nivel central",
    "en coordinación con el Gobierno Regional",
    "sin un registro sistemático de resultados",
    "principalmente en la capital regional",
    "con participación de las organizaciones de usuarios",
]
COMENTARIOS = [
    "Los resultados se informan al nivel central, pero no se comparten con el GORE.",
    "La cobertura alcanza al {n}% de la población objetivo de la región.",
    "No existe un instrumento formal que ordene este trabajo.",
    "Las principales dificultades se relacionan con la dispersión territorial.",
    "La información disponible no permite comparar entre comunas.",
    "El trabajo depende en gran medida de la voluntad de los equipos locales.",
    "Se cuenta con un presupuesto acotado para traslados a terreno.",
    "Durante el último año se incorporaron {n} nuevas comunas.",
    "Existe una demanda creciente en las zonas rurales y costeras.",
    "Los municipios valoran positivamente la coordinación lograda.",
]
MEJORAS = [
    "aumentar la cobertura en las comunas rurales",
    "reducir los tiempos de respuesta a los usuarios de la región",
    "contar con información territorial oportuna para la toma de decisiones",
    "mejorar la pertinencia de la oferta a las particularidades locales",
    "articular la inversión sectorial con las prioridades regionales",
    "disminuir la brecha de acceso entre comunas urbanas y rurales",
    "incorporar criterios territoriales en la asignación de recursos",
    "mejorar la coordinación con los servicios públicos presentes en la región",
]
PLAZOS = [
    "durante el presente ciclo",
    "al término del año",
    "en un plazo de dos años",
    "de manera gradual",
    "a partir del segundo semestre",
]
METAS = [
    "La meta es llegar al {n}% de las comunas de la región.",
    "Se medirá con el indicador de cobertura comunal del Servicio.",
    "El avance se informará semestralmente al Gobierno Regional.",
    "Se priorizarán las comunas con mayor índice de aislamiento.",
]
MEDIDAS = [
    "Designar un encargado territorial con dedicación parcial.",
    "Elaborar un protocolo de intercambio de información con el GORE.",
    "Capacitar a los equipos regionales en el uso del sistema de seguimiento.",
    "Incorporar la variable comunal en los registros administrativos.",
    "Establecer una agenda anual de reuniones con los municipios.",
    "Ajustar los criterios de focalización del programa.",
    "Publicar reportes regionales en el sitio web institucional.",
    "Formalizar la mesa técnica regional mediante resolución.",
    "Asignar recursos para visitas a terreno en localidades aisladas.",
    "Revisar los convenios vigentes con las municipalidades.",
]
VERBOS_OBJETIVO = [
    "Incorporar",
    "Implementar",
    "Diseñar",
    "Fortalecer",
    "Desarrollar",
    "Establecer",
    "Consolidar",
]
OBJETOS_OBJETIVO = [
    "un sistema de información territorial",
    "mecanismos de coordinación con el Gobierno Regional",
    "criterios de focalización territorial",
    "la desagregación regional de los indicadores de gestión",
    "instancias de participación de los municipios",
    "un plan de cobertura para localidades aisladas",
    "un tablero de seguimiento regional",
]
FINES_OBJETIVO = ["en {region}", "en el Plan GT", "en el próximo ciclo presupuestario", ""]
INFORMACION_CORTA = {
    "oferta": "la oferta de productos en la región",
    "clientes": "la localización de los beneficiarios",
    "gasto": "el programa de gasto e inversión regional",
    "convenios": "los compromisos de convenios de programación",
}
PERIODOS = ["mensual", "trimestral", "semestral", "anual"]
MISION_VERBOS = ["contribuir a", "promover", "garantizar", "fortalecer", "asegurar"]
MISION_OBJETOS = [
    "el desarrollo de políticas, planes y programas en materia de {tema}",
    "el acceso oportuno y de calidad a los servicios de {tema}",
    "la gestión eficiente de los recursos públicos destinados a {tema}",
    "el bienestar de las personas mediante la provisión de servicios de {tema}",
]
MISION_MODOS = [
    "con pertinencia territorial y enfoque de derechos",
    "en coordinación con los actores públicos y privados del territorio",
    "mediante una gestión moderna, transparente y participativa",
    "con equidad entre las regiones del país",
]
MISION_EXTRAS = [
    "Para ello cuenta con equipos en todo el territorio nacional.",
    "Su quehacer se orienta por los lineamientos del Programa de Gobierno.",
    "Promueve la participación ciudadana en el diseño de su oferta.",
    "Trabaja con los Gobiernos Regionales y los municipios en la ejecución de sus programas.",
]
OBJETIVOS = [
    "Aumentar la cobertura de los servicios de {tema} en todo el territorio nacional",
    "Mejorar la calidad y oportunidad de la atención a la ciudadanía",
    "Fortalecer la gestión institucional y la coordinación intersectorial",
    "Reducir las brechas territoriales en el acceso a los productos del Servicio",
    "Modernizar los sistemas de información y de atención a usuarios",
    "Promover la participación de los usuarios en el diseño de la oferta",
    "Asegurar el uso eficiente y transparente de los recursos públicos",
    "Desarrollar capacidades en los equipos regionales",
]
FINES_OBJETIVOS = [
    "",
    ", con énfasis en las zonas rurales",
    ", en coordinación con los Gobiernos Regionales",
    ", priorizando a la población más vulnerable",
    " mediante alianzas con municipios",
]
PRODUCTOS = [
    "Programa de apoyo a {tema}",
    "Asistencia técnica en {tema}",
    "Subsidios y transferencias",
    "Fiscalización y control",
    "Información y orientación a usuarios",
    "Transferencias a municipios",
    "Capacitación y formación",
    "Estudios y estadísticas de {tema}",
    "Certificación y registro",
    "Fondos concursables",
    "Infraestructura y equipamiento",
]
SUBPRODUCTOS = [
    "Atención presencial",
    "Atención en línea",
    "Asesoría a municipios",
    "Transferencias directas",
    "Evaluación de proyectos",
    "Supervisión en terreno",
    "Difusión regional",
    "Convenios con instituciones",
    "Registro y certificación",
    "Monitoreo de resultados",
]
CAUSAL_TEXTOS = [
    "La demanda y las características de los usuarios varían significativamente entre regiones.",
    "El acceso depende de la distancia a las oficinas, concentradas en las capitales regionales.",
    "La ejecución requiere coordinarse con la inversión del Gobierno Regional.",
    "Los criterios de asignación no consideran las diferencias territoriales.",
    "Existen programas complementarios de otros servicios en las mismas comunas.",
]
FUNDAMENTOS = [
    "El producto se entrega de manera centralizada y uniforme en todo el país.",
    "Corresponde a una función normativa sin expresión territorial.",
    "Su alcance es nacional y no admite diferenciación regional.",
]
CLIENTES = [
    "Familias en situación de vulnerabilidad",
    "Micro y pequeñas empresas",
    "Municipalidades",
    "Pequeños agricultores",
    "Personas mayores",
    "Estudiantes de educación superior",
    "Comunidades y pueblos indígenas",
    "Organizaciones sociales y comunitarias",
    "Gobiernos Regionales",
    "Trabajadores independientes",
    "Personas con discapacidad",
    "Niños, niñas y adolescentes",
    "Pescadores artesanales",
    "Servicios públicos",
    "Ciudadanía en general",
]
FACULTADES = [
    "Aprobar convenios de transferencia hasta {n} UTM en la Dirección Regional.",
    "Contratar personal a honorarios para los programas regionales.",
    "Modificar la distribución del presupuesto entre programas a nivel regional.",
    "Resolver en primera instancia los recursos administrativos de los usuarios.",
    "Adjudicar licitaciones menores a {n} UTM.",
    "Firmar convenios de colaboración con municipios.",
]
SISTEMAS = [
    "Sistema de Gestión de Programas",
    "Registro de Beneficiarios",
    "Sistema de Seguimiento Presupuestario",
    "Plataforma de Atención Ciudadana",
    "Banco de Proyectos Institucional",
    "Sistema de Información Geográfica",
]
DATOS_SISTEMAS = [
    "Comuna y región de residencia de los beneficiarios.",
    "Gasto ejecutado por región y provincia.",
    "Localización de las obras y su estado de avance.",
    "Atenciones realizadas por oficina regional.",
    "Solicitudes recibidas y resueltas por comuna.",
]
UNIDADES_CENTRALES = [
    "División de Planificación y Control de Gestión",
    "Departamento de Gestión Territorial",
    "Unidad de Control de Gestión",
]
PRESENTACIONES = [
    "El presente documento da cuenta del diagnóstico del Servicio en materia de gestión "
    "territorial para el ciclo {anio}.",
    "Este diagnóstico fue elaborado con la participación de los equipos regionales.",
    "Se incorporan las recomendaciones de la red de expertos SUBDERE del ciclo anterior.",
    "La información regional fue validada por cada Centro de Responsabilidad.",
]


class _Texto:
    """Composed Spanish texts, already normalised (single spaces, "• " items, blank lines
    between paragraphs)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _n(self) -> int:
        return self.rng.randint(2, 95)

    def _f(self, plantilla: str, **ctx) -> str:
        return plantilla.format(n=self._n(), **ctx) if "{" in plantilla else plantilla

    def _largo(self, minimo: int, maximo: int) -> int:
        # Mostly short, now and then a long text.
        return (
            self.rng.randint(maximo + 2, maximo + 6)
            if self.rng.random() < 0.05
            else (self.rng.randint(minimo, maximo))
        )

    def avance(self, region: str) -> str:
        rng = self.rng
        frases = [
            f"{rng.choice(SUJETOS)} {rng.choice(VERBOS)} {rng.choice(ACCIONES)} "
            f"{self._f(rng.choice(COMPLEMENTOS), region=region)}."
        ]
        for _ in range(self._largo(0, 2)):
            frases.append(self._f(rng.choice(COMENTARIOS)))
        return " ".join(frases)

    def mejora(self) -> str:
        rng = self.rng
        texto = f"Se espera {rng.choice(MEJORAS)} {rng.choice(PLAZOS)}."
        for _ in range(self._largo(0, 1)):
            texto += " " + self._f(rng.choice(METAS))
        return texto

    def medidas(self) -> str:
        rng = self.rng
        medidas = rng.sample(MEDIDAS, k=min(len(MEDIDAS), self._largo(1, 4)))
        if len(medidas) == 1:
            return medidas[0]
        return "\n".join(f"• {m}" for m in medidas)

    def objetivo(self, region: str) -> str:
        rng = self.rng
        fin = self._f(rng.choice(FINES_OBJETIVO), region=region)
        fin = f" {fin}" if fin else ""
        return f"{rng.choice(VERBOS_OBJETIVO)} {rng.choice(OBJETOS_OBJETIVO)}{fin}."

    def cuadro2(self, campo: str, informacion: str) -> str:
        rng = self.rng
        que = INFORMACION_CORTA[informacion]
        if campo == "medidas_jefatura":
            return f"Entregar a la jefatura regional un reporte {rng.choice(PERIODOS)} sobre {que}."
        if campo == "medidas_gore":
            texto = f"Remitir al Gobierno Regional {que}, con periodicidad {rng.choice(PERIODOS)}."
            if rng.random() < 0.3:
                texto += " Presentarlo además en la sesión anual del Consejo Regional."
            return texto
        return f"Disponer de información sobre {que}, desagregada por comuna."

    def mision(self, nombre: str, tema: str) -> str:
        rng = self.rng
        texto = (
            f"{_articulo(nombre)} {nombre} tiene como misión {rng.choice(MISION_VERBOS)} "
            f"{rng.choice(MISION_OBJETOS).format(tema=tema)}, {rng.choice(MISION_MODOS)}."
        )
        extras = rng.sample(MISION_EXTRAS, k=rng.randint(0, 3))
        return " ".join([texto, *extras])

    def agregado(self, texto: str) -> str:
        """The text as corrected after an observación: completed with an item or a sentence."""
        rng = self.rng
        if "• " in texto:
            return f"{texto}\n• {rng.choice(MEDIDAS)}"
        return f"{texto} {self._f(rng.choice(COMENTARIOS + METAS))}".strip()

    def persona(self) -> tuple[str, str]:
        rng = self.rng
        nombre, apellido = rng.choice(NOMBRES), rng.choice(APELLIDOS)
        correo = f"{escala.sin_acentos(nombre).lower()}.{escala.sin_acentos(apellido).lower()}"
        return f"{nombre} {apellido} {rng.choice(APELLIDOS)}", correo


# --- Rows with their story -----------------------------------------------------------------------


def _causales(rng) -> str:
    """A Cuadro I N°1 row's causales as Servicios group them: mostly one, sometimes two or all
    three in one row, sometimes none (a Servicio that does not group by causal)."""
    cuantas = rng.choices([0, 1, 2, 3], weights=[8, 72, 15, 5])[0]
    return unir_causales(rng.sample(CAUSALES, k=cuantas))


def _columna_1(rng, productos) -> str:
    """Column (1) as a Servicio writes it from its products ("Producto: 1. Nombre" and a
    "Subproducto: 1.1 Nombre" line each), or nothing (the linked products are printed then)."""
    if rng.random() < 0.25:
        return ""
    lineas = []
    for p in sorted(productos, key=lambda p: [int(n) for n in p.objeto.numero.split(".")]):
        tipo = "Producto" if "." not in p.objeto.numero else "Subproducto"
        lineas.append(f"{tipo}: {p.objeto.numero} {p.ultimo['nombre']}")
    return "\n".join(lineas)


class _Fila:
    """A content row and its states: (when, who, changeable values), the first one its creation."""

    __slots__ = ("objeto", "estados", "m2m", "through", "padre", "centro")

    def __init__(self, objeto, fecha, autor, valores: dict, m2m=(), centro=None):
        self.objeto = objeto
        self.centro = centro  # its region's Centro (None: the Servicio's own part)
        self.estados = [(fecha, autor, valores)]
        self.m2m = list(m2m)  # the _Fila it links to (its one many-to-many field)
        self.through = []
        self.padre = None

    def cambiar(self, fecha, autor, **cambios) -> None:
        self.estados.append((fecha, autor, {**self.estados[-1][2], **cambios}))

    def en(self, momento) -> dict | None:
        """Its values at that moment (None: not yet created)."""
        if self.estados[0][0] > momento:
            return None
        valores = self.estados[0][2]
        for fecha, _autor, otros in self.estados[1:]:
            if fecha > momento:
                break
            valores = otros
        return valores

    def final(self):
        for campo, valor in self.estados[-1][2].items():
            setattr(self.objeto, campo, valor)
        return self.objeto

    @property
    def ultimo(self) -> dict:
        return self.estados[-1][2]


class _Doc:
    def __init__(self, encargo: DocumentoEscala):
        self.encargo = encargo
        self.raiz: _Fila | None = None
        self.objetivos: list[_Fila] = []
        self.productos: list[_Fila] = []
        self.clientes: list[_Fila] = []
        self.cuadro1: list[_Fila] = []
        self.cuadro2: list[_Fila] = []
        self.facultades: list[_Fila] = []
        self.sistemas: list[_Fila] = []
        self.encargados: list[_Fila] = []

    def filas(self):
        yield self.raiz
        for lista in (
            self.objetivos,
            self.productos,
            self.clientes,
            self.cuadro1,
            self.cuadro2,
            self.facultades,
            self.sistemas,
            self.encargados,
        ):
            yield from lista


def _entre(rng, desde: datetime, hasta: datetime) -> datetime:
    """A moment strictly inside (desde, hasta). One draw whatever the dates (the current
    Ciclo's dates follow the clock: the content must not)."""
    return desde + (hasta - desde) * (0.001 + 0.998 * rng.random())


def _articulo(nombre: str) -> str:
    primera = nombre.split(" ", 1)[0]
    return "La" if primera.endswith(("a", "ión", "ón", "ía")) else "El"


def _region(centro, servicio) -> str:
    """How texts name the territory of a part: "la Región de Tarapacá", "el territorio…"."""
    if centro is not None:
        return f"la {centro.region.nombre}"
    if servicio.region_id:
        return f"la {servicio.region.nombre}"
    return "el territorio nacional"


def _tema(nombre: str) -> str:
    return nombre.split(" de ", 1)[-1] if " de " in nombre else nombre


def _numero_orden(numero: str) -> list[int]:
    return [int(x) for x in numero.split(".")]


# --- Writing one Diagnóstico ---------------------------------------------------------------------


class _Escritor:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.texto = _Texto(rng)

    def escribir(self, encargo: DocumentoEscala) -> _Doc:
        rng, texto = self.rng, self.texto
        documento = encargo.documento
        servicio = documento.servicio
        d = _Doc(encargo)
        gt = encargo.encargado_id
        limite = encargo.envios[0] if encargo.envios else encargo.hasta
        en_curso = not encargo.envios  # never sent: partly written
        creado = encargo.creado
        llenado = _entre(rng, creado, creado + (limite - creado) * 0.3)

        def momento(desde=llenado):
            return _entre(rng, desde, limite)

        regional = bool(encargo.centros)
        no_pertinente = not regional and servicio.region_id is None
        raiz = escala.instancia(Diagnostico, documento_id=documento.pk)
        d.raiz = _Fila(
            raiz,
            creado,
            gt,
            {
                "presentacion": "",
                "mision": "",
                "cuadro2_no_pertinente": False,
                "cuadro2_motivo": "",
            },
        )
        d.raiz.cambiar(
            llenado,
            gt,
            presentacion=(
                "\n\n".join(
                    p.format(anio=documento.ciclo.anio)
                    for p in rng.sample(PRESENTACIONES, k=rng.randint(1, 3))
                )
                if rng.random() < 0.6
                else ""
            ),
            mision=texto.mision(servicio.nombre, _tema(servicio.nombre)),
            cuadro2_no_pertinente=no_pertinente,
            cuadro2_motivo=(
                "El Servicio no cuenta con equipos regionales: la información se gestiona "
                "desde el nivel central."
                if no_pertinente
                else ""
            ),
        )
        tema = _tema(servicio.nombre)
        for numero in range(1, rng.randint(3, 6) + 1):
            descripcion = rng.choice(OBJETIVOS).format(tema=tema) + rng.choice(FINES_OBJETIVOS)
            d.objetivos.append(
                _Fila(
                    escala.instancia(ObjetivoEstrategico, numero=numero),
                    llenado,
                    gt,
                    {"descripcion": descripcion + "."},
                )
            )
        self._productos(d, tema, llenado)
        aplican = [p for p in d.productos if p.ultimo["aplica_pt"] == "aplica"] or d.productos
        nombres = rng.sample(CLIENTES, k=rng.randint(3, 6))
        for numero, nombre in enumerate(nombres, start=1):
            d.clientes.append(
                _Fila(
                    escala.instancia(Cliente, numero=numero),
                    momento(),
                    gt,
                    {"nombre": nombre},
                    rng.sample(d.productos, k=min(len(d.productos), rng.randint(1, 3))),
                )
            )
        partes = [(c, encargo.encargados_centro[c.pk]) for c in encargo.centros] or [(None, gt)]
        for centro, autor in partes:
            if en_curso and rng.random() < 0.45:
                continue  # this region has not started yet
            region = _region(centro, servicio)
            if centro is None:
                filas = rng.randint(2, 5)
            else:
                filas = rng.choices([1, 2, 3], weights=[85, 13, 2])[0]
            for orden in range(1, filas + 1):
                vinculados = rng.sample(
                    aplican, k=min(len(aplican), rng.choices([1, 2], [75, 25])[0])
                )
                d.cuadro1.append(
                    _Fila(
                        escala.instancia(
                            FilaCuadro1,
                            centro_id=centro.pk if centro else None,
                            orden=orden,
                            producto_texto=_columna_1(rng, vinculados),
                            causales=_causales(rng),
                        ),
                        momento(),
                        autor,
                        {
                            "avance": texto.avance(region),
                            "mejora": texto.mejora(),
                            "medidas": texto.medidas(),
                            "objetivo": texto.objetivo(region),
                        },
                        vinculados,
                        centro=centro,
                    )
                )
            if not no_pertinente:
                tipos = rng.sample(INFORMACION, k=rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0])
                for informacion in sorted(tipos, key=INFORMACION.index):
                    valores = {c: texto.cuadro2(c, informacion) for c in CAMPOS_CUADRO2}
                    if rng.random() < 0.2:
                        valores["medidas_gore"] = ""
                    d.cuadro2.append(
                        _Fila(
                            escala.instancia(
                                FilaCuadro2,
                                centro_id=centro.pk if centro else None,
                                informacion=informacion,
                            ),
                            momento(),
                            autor,
                            valores,
                            centro=centro,
                        )
                    )
            if centro is not None:
                nombres_, correos = zip(
                    *[texto.persona() for _ in range(rng.choices([1, 2], [80, 20])[0])],
                    strict=True,
                )
                d.encargados.append(
                    _Fila(
                        escala.instancia(EncargadoRed, centro_id=centro.pk),
                        momento(),
                        autor,
                        {
                            "unidad": centro.nombre,
                            "nombres": "\n".join(nombres_),
                            "correos": "\n".join(
                                f"{c}@{servicio.sigla.lower()}.gob.cl" for c in correos
                            ),
                        },
                        centro=centro,
                    )
                )
        nombres_, correos = zip(*[texto.persona() for _ in range(rng.randint(1, 3))], strict=True)
        d.encargados.append(
            _Fila(
                escala.instancia(EncargadoRed, centro_id=None),
                momento(),
                gt,
                {
                    "unidad": rng.choice(UNIDADES_CENTRALES),
                    "nombres": "\n".join(nombres_),
                    "correos": "\n".join(f"{c}@{servicio.sigla.lower()}.gob.cl" for c in correos),
                },
            )
        )
        for _ in range(rng.choices([0, 1, 2, 3, 4], [20, 30, 25, 15, 10])[0]):
            d.facultades.append(
                _Fila(
                    escala.instancia(
                        FacultadDesconcentrada,
                        ambito=rng.choice(FacultadDesconcentrada.Ambito.values),
                        situacion=rng.choice(FacultadDesconcentrada.Situacion.values),
                    ),
                    momento(),
                    gt,
                    {"descripcion": texto._f(rng.choice(FACULTADES))},
                )
            )
        for nombre in rng.sample(SISTEMAS, k=rng.randint(1, 3)):
            d.sistemas.append(
                _Fila(
                    escala.instancia(SistemaInformacion, nombre=nombre),
                    momento(),
                    gt,
                    {"datos_regionales": rng.choice(DATOS_SISTEMAS)},
                )
            )
        for k in range(1, len(encargo.envios)):
            self._corregir(d, encargo.reaperturas[k - 1], encargo.envios[k])
        return d

    def _productos(self, d: _Doc, tema: str, fecha) -> None:
        rng, gt = self.rng, d.encargo.encargado_id
        orden = 0
        nombres = rng.sample(PRODUCTOS, k=rng.randint(3, 5))
        for i, nombre in enumerate(nombres, start=1):
            orden += 1
            padre = self._producto(d, str(i), nombre.format(tema=tema), None, orden, fecha, gt)
            for j in range(1, rng.choices([0, 1, 2, 3], [30, 30, 30, 10])[0] + 1):
                orden += 1
                hijo = self._producto(
                    d, f"{i}.{j}", rng.choice(SUBPRODUCTOS), padre, orden, fecha, gt
                )
                if rng.random() < 0.1:
                    orden += 1
                    self._producto(
                        d,
                        f"{i}.{j}.1",
                        f"{rng.choice(SUBPRODUCTOS)} especializada",
                        hijo,
                        orden,
                        fecha,
                        gt,
                    )
        # Tree order is the order of the dotted numbers; orden follows it (as carga does).
        d.productos.sort(key=lambda p: _numero_orden(p.objeto.numero))
        for posicion, fila in enumerate(d.productos, start=1):
            fila.objeto.orden = posicion

    def _producto(self, d, numero, nombre, padre, orden, fecha, gt) -> _Fila:
        rng = self.rng
        # A product says whether it applies the perspectiva territorial (sending requires it,
        # diagnostico.envio); a subproduct may leave it «Sin definir» and follow its parent.
        if padre is None:
            aplica = rng.choices(["aplica", "no_aplica"], [78, 22])[0]
        else:
            aplica = rng.choices(["aplica", "no_aplica", ""], [70, 20, 10])[0]
        causales = rng.sample(CAUSALES, k=rng.randint(1, 3)) if aplica == "aplica" else []
        fila = _Fila(
            escala.instancia(ProductoEstrategico, numero=numero, orden=orden),
            fecha,
            gt,
            {
                "nombre": nombre,
                "aplica_pt": aplica,
                "causal_diseno": "diseno" in causales,
                "causal_acceso": "acceso" in causales,
                "causal_coordinacion": "coordinacion" in causales,
                "causal_texto": rng.choice(CAUSAL_TEXTOS) if aplica == "aplica" else "",
                "fundamento": rng.choice(FUNDAMENTOS) if aplica == "no_aplica" else "",
            },
            rng.sample(d.objetivos, k=min(len(d.objetivos), rng.randint(1, 2))),
        )
        fila.padre = padre
        d.productos.append(fila)
        return fila

    def _corregir(self, d: _Doc, desde: datetime, hasta: datetime) -> None:
        """What is corrected after a return, before the next version is sent."""
        rng, texto = self.rng, self.texto
        gt = d.encargo.encargado_id
        autores = d.encargo.encargados_centro
        for _ in range(rng.randint(1, 4)):
            fecha = _entre(rng, desde, hasta)
            eleccion = rng.random()
            if eleccion < 0.1:
                d.raiz.cambiar(fecha, gt, mision=texto.agregado(d.raiz.ultimo["mision"]))
            elif eleccion < 0.2:
                fila = rng.choice(d.objetivos)
                fila.cambiar(fecha, gt, descripcion=texto.agregado(fila.ultimo["descripcion"]))
            elif eleccion < 0.7 and d.cuadro1:
                fila = rng.choice(d.cuadro1)
                campo = rng.choice(CAMPOS_CUADRO1)
                autor = autores.get(fila.centro.pk, gt) if fila.centro else gt
                fila.cambiar(fecha, autor, **{campo: texto.agregado(fila.ultimo[campo])})
            elif eleccion < 0.9 and d.cuadro2:
                fila = rng.choice(d.cuadro2)
                campo = rng.choice(CAMPOS_CUADRO2)
                autor = autores.get(fila.centro.pk, gt) if fila.centro else gt
                nuevo = fila.ultimo[campo] or texto.cuadro2(campo, fila.objeto.informacion)
                fila.cambiar(fecha, autor, **{campo: texto.agregado(nuevo)})
            else:
                fila = rng.choice(d.clientes)
                fila.cambiar(fecha, gt, nombre=fila.ultimo["nombre"] + " de zonas rurales")
        if rng.random() < 0.2 and d.cuadro1:
            # A new row in a region that was asked for more detail.
            modelo = rng.choice(d.cuadro1)
            centro = modelo.centro
            orden = 1 + max(f.objeto.orden for f in d.cuadro1 if f.centro is centro)
            region = _region(centro, d.encargo.documento.servicio)
            d.cuadro1.append(
                _Fila(
                    escala.instancia(
                        FilaCuadro1,
                        centro_id=centro.pk if centro else None,
                        orden=orden,
                        producto_texto=modelo.objeto.producto_texto,
                        causales=_causales(rng),
                    ),
                    _entre(rng, desde, hasta),
                    autores.get(centro.pk, gt) if centro else gt,
                    {
                        "avance": texto.avance(region),
                        "mejora": texto.mejora(),
                        "medidas": texto.medidas(),
                        "objetivo": texto.objetivo(region),
                    },
                    modelo.m2m,
                    centro=centro,
                )
            )
        if rng.random() < 0.1:
            numero = 1 + max(f.objeto.numero for f in d.objetivos)
            d.objetivos.append(
                _Fila(
                    escala.instancia(ObjetivoEstrategico, numero=numero),
                    _entre(rng, desde, hasta),
                    gt,
                    {
                        "descripcion": rng.choice(OBJETIVOS).format(tema="la gestión territorial")
                        + "."
                    },
                )
            )


# --- Saving ------------------------------------------------------------------------------------


def _guardar(docs: list[_Doc], using: str) -> None:
    """Live rows (last state), their many-to-many rows, then every history row."""
    for d in docs:
        d.raiz.final()
    escala.crear(Diagnostico, [d.raiz.objeto for d in docs], using=using)
    for d in docs:
        raiz = d.raiz.objeto
        for fila in d.filas():
            if fila is not d.raiz:
                fila.objeto.diagnostico_id = raiz.pk
                fila.final()
    escala.crear(ObjetivoEstrategico, [f.objeto for d in docs for f in d.objetivos], using=using)
    productos = [f for d in docs for f in d.productos]
    for nivel in (1, 2, 3):
        del_nivel = [f for f in productos if f.objeto.numero.count(".") + 1 == nivel]
        for f in del_nivel:
            f.objeto.padre_id = f.padre.objeto.pk if f.padre else None
        escala.crear(ProductoEstrategico, [f.objeto for f in del_nivel], using=using)
    _enlazar(
        ProductoEstrategico.objetivos.through,
        productos,
        "productoestrategico",
        "objetivoestrategico",
        using,
    )
    clientes = [f for d in docs for f in d.clientes]
    escala.crear(Cliente, [f.objeto for f in clientes], using=using)
    _enlazar(Cliente.productos.through, clientes, "cliente", "productoestrategico", using)
    cuadro1 = [f for d in docs for f in d.cuadro1]
    escala.crear(FilaCuadro1, [f.objeto for f in cuadro1], using=using)
    _enlazar(FilaCuadro1.productos.through, cuadro1, "filacuadro1", "productoestrategico", using)
    for modelo, atributo in (
        (FilaCuadro2, "cuadro2"),
        (FacultadDesconcentrada, "facultades"),
        (SistemaInformacion, "sistemas"),
        (EncargadoRed, "encargados"),
    ):
        escala.crear(modelo, [f.objeto for d in docs for f in getattr(d, atributo)], using=using)
    _historia(docs, using)


def _enlazar(through, filas, propio: str, otro: str, using: str) -> None:
    for fila in filas:
        fila.through = [
            escala.instancia(
                through, **{f"{propio}_id": fila.objeto.pk, f"{otro}_id": destino.objeto.pk}
            )
            for destino in fila.m2m
        ]
    escala.crear(through, [t for f in filas for t in f.through], using=using)


M2M = {ProductoEstrategico: "objetivos", Cliente: "productos", FilaCuadro1: "productos"}


def _historia(docs: list[_Doc], using: str) -> None:
    por_modelo: dict = {}
    for d in docs:
        for fila in d.filas():
            registros = por_modelo.setdefault(type(fila.objeto), [])
            for i, (fecha, autor, valores) in enumerate(fila.estados):
                registros.append(
                    (
                        fila,
                        escala.registro_historico(
                            fila.objeto,
                            tipo="+" if i == 0 else "~",
                            fecha=fecha,
                            usuario_id=autor,
                            **valores,
                        ),
                    )
                )
    for modelo, registros in por_modelo.items():
        escala.crear_historia([r for _f, r in registros], using=using)
        campo = M2M.get(modelo)
        if campo:
            escala.crear_historia(
                [m for fila, r in registros for m in escala.registros_m2m(r, campo, fila.through)],
                using=using,
            )


# --- Snapshots -----------------------------------------------------------------------------------


def _codigo(centro):
    return centro.region.codigo if centro else None


def _orden_region(centro) -> int:
    return centro.region.orden if centro else -1


def _numeros(filas) -> list[str]:
    return sorted(
        (f.objeto.numero for f in filas),
        key=lambda n: [int(x) for x in n.split(".") if x.isdigit()],
    )


def _vivas(filas, momento):
    return [(f, v) for f in filas if (v := f.en(momento)) is not None]


def contenido_en(d: _Doc, momento) -> dict:
    """What diagnostico.contenido.contenido returns for this document at that moment."""
    encargo = d.encargo
    servicio = encargo.documento.servicio
    raiz = d.raiz.en(momento)
    productos = sorted(
        _vivas(d.productos, momento), key=lambda p: _numero_orden(p[0].objeto.numero)
    )
    if encargo.centros:
        regiones = [
            {"codigo": c.region.codigo, "nombre": c.region.nombre, "centro": c.nombre}
            for c in sorted(encargo.centros, key=lambda c: c.region.orden)
        ]
    else:
        regiones = [{"codigo": None, "nombre": servicio.nombre, "centro": ""}]
    cuadro1 = sorted(
        _vivas(d.cuadro1, momento),
        key=lambda x: (_orden_region(x[0].centro), x[0].objeto.orden, x[0].objeto.pk),
    )
    cuadro2 = sorted(
        _vivas(d.cuadro2, momento),
        key=lambda x: (
            x[0].centro.region.orden if x[0].centro else 0,
            INFORMACION.index(x[0].objeto.informacion),
        ),
    )
    return {
        "presentacion": raiz["presentacion"],
        "mision": raiz["mision"],
        "objetivos_estrategicos": [
            {"numero": f.objeto.numero, "descripcion": v["descripcion"]}
            for f, v in sorted(_vivas(d.objetivos, momento), key=lambda x: x[0].objeto.numero)
        ],
        "productos": [
            {
                "numero": f.objeto.numero,
                "nombre": v["nombre"],
                "objetivos": sorted(o.objeto.numero for o in f.m2m),
                "aplica_pt": v["aplica_pt"],
                "causales": [
                    c
                    for c, activa in (
                        ("diseno", v["causal_diseno"]),
                        ("acceso", v["causal_acceso"]),
                        ("coordinacion", v["causal_coordinacion"]),
                    )
                    if activa
                ],
                "causal_texto": v["causal_texto"],
                "fundamento": v["fundamento"],
            }
            for f, v in productos
        ],
        "clientes": [
            {"numero": f.objeto.numero, "nombre": v["nombre"], "productos": _numeros(f.m2m)}
            for f, v in sorted(_vivas(d.clientes, momento), key=lambda x: x[0].objeto.numero)
        ],
        "regiones": regiones,
        "cuadro1": [
            {
                "id": f.objeto.pk,
                "region": _codigo(f.centro),
                "producto_texto": f.objeto.producto_texto,
                "productos": _numeros(f.m2m),
                "causales": lista_causales(f.objeto.causales),
                **{campo: v[campo] for campo in CAMPOS_CUADRO1},
            }
            for f, v in cuadro1
        ],
        "cuadro2": {
            "no_pertinente": raiz["cuadro2_no_pertinente"],
            "motivo": raiz["cuadro2_motivo"],
            "filas": [
                {
                    "id": f.objeto.pk,
                    "region": _codigo(f.centro),
                    "informacion": f.objeto.informacion,
                    **{campo: v[campo] for campo in CAMPOS_CUADRO2},
                }
                for f, v in cuadro2
            ],
        },
        "facultades": [
            {
                "ambito": f.objeto.ambito,
                "situacion": f.objeto.situacion,
                "descripcion": v["descripcion"],
            }
            for f, v in sorted(
                _vivas(d.facultades, momento), key=lambda x: (x[0].objeto.ambito, x[0].objeto.pk)
            )
        ],
        "sistemas_informacion": [
            {"nombre": f.objeto.nombre, "datos_regionales": v["datos_regionales"]}
            for f, v in sorted(_vivas(d.sistemas, momento), key=lambda x: x[0].objeto.pk)
        ],
        "encargados": [
            {
                "region": _codigo(f.centro),
                "unidad": v["unidad"],
                "nombres": v["nombres"],
                "correos": v["correos"],
            }
            for f, v in sorted(
                _vivas(d.encargados, momento),
                key=lambda x: (_orden_region(x[0].centro), x[0].objeto.pk),
            )
        ],
    }


# --- The hook ------------------------------------------------------------------------------------


def generar(documentos: list[DocumentoEscala], aleatorio: random.Random, *, using: str) -> dict:
    """EtapaDef.escala: write the Diagnósticos of these documents; {documento pk: [content of
    each version sent, then the current content]}."""
    escritor = _Escritor(aleatorio)
    docs = [escritor.escribir(encargo) for encargo in documentos]
    _guardar(docs, using)
    resultado = {}
    for d in docs:
        contenidos = [contenido_en(d, envio) for envio in d.encargo.envios]
        # Nothing is edited after the last version: the current content is that version's.
        contenidos.append(contenidos[-1] if contenidos else contenido_en(d, _SIEMPRE))
        resultado[d.encargo.documento.pk] = contenidos
    return resultado


class _Siempre:
    """Later than any date."""

    def __lt__(self, otro):
        return False

    def __gt__(self, otro):
        return True

    def __le__(self, otro):
        return False

    def __ge__(self, otro):
        return True


_SIEMPRE = _Siempre()
