"""Etapa II content for the national-scale data set: the stage's ``escala`` hook (pmggt.escala).

Each generated Plan is written from the visado Diagnóstico of the same Servicio and Ciclo, as
the Plan reads it (``planes.contenido.diagnostico_visado``: the content of its visado version):
its objetivos específicos take up Cuadro I N°1 rows (the rest are listed as «no abordados» with
a reason), its objetivos de información the Cuadro I N°2 rows, one per kind of information;
then come the medidas and variables externas, the PROPIR commitments of some regions, the
procedure agreed with each GORE for each kind of information its region's Cuadro I N°2 names,
national and regional indicators (fórmula, meta and its numerador/denominador consistent, as
the send checks require) and several activities and hitos per region, dated within the Ciclo's
year.

Written as people write it: the root row is created empty with the document; the Encargado/a
GT writes the Servicio's part (objetivos generales, objectives, medidas, procedures, national
indicators and activities), each Encargada de Centro her region's rows (activities, indicators,
PROPIR commitments), all before the first version is sent; after each return a few texts are
corrected (now and then an activity added) before the next send. A Plan never sent is partly
written (some regions have not started). Every row keeps that story as history rows (who, when,
what it said); its live row holds the last state.

The snapshot of each version is built here from those rows, exactly as
``planes.contenido.contenido`` reads them back (same keys, same order, the saved ids). The Plan
never imports ``diagnostico``: it reads the Diagnóstico's frozen version through the core's model.
"""

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F

from pmggt import escala
from pmggt.escala import APELLIDOS, NOMBRES, DocumentoEscala
from pmggt.models import Documento, VersionDocumento

from .contenido import INFORMACION, filas_del_diagnostico, regiones_de
from .models import (
    Actividad,
    CompromisoPropir,
    Indicador,
    Medida,
    ObjetivoEspecifico,
    ObjetivoInformacion,
    ObjetivoNoAbordado,
    Plan,
    ProcedimientoGore,
)

TIPOS_INFORMACION = list(INFORMACION)
AMBITOS = list(ObjetivoEspecifico.Ambito.values)
DIAGNOSTICO = Documento.Etapa.DIAGNOSTICO

# --- Phrase banks --------------------------------------------------------------------------------

GENERALES_PT = [
    "Profundizar la perspectiva territorial en los productos estratégicos del Servicio",
    "Incorporar la perspectiva territorial en la provisión de los productos del Servicio",
    "Fortalecer la pertinencia territorial de la oferta programática del Servicio",
]
GENERALES_PT_MODOS = [
    ", con énfasis en las comunas con mayores brechas de acceso.",
    ", articulando su oferta con los Gobiernos Regionales y los municipios.",
    ", mediante alianzas con otros servicios públicos presentes en cada región.",
    ", priorizando los territorios aislados y la población más vulnerable.",
]
GENERALES_INFO = [
    "Incorporar información desagregada por región y comuna a los sistemas de información del "
    "Servicio e informar regularmente a cada Gobierno Regional.",
    "Proveer a los Gobiernos Regionales, con la periodicidad acordada con cada uno, la "
    "información de interés regional sobre la oferta, los beneficiarios y el gasto del Servicio.",
    "Disponer de información territorial oportuna en los sistemas del Servicio y entregarla a "
    "los Gobiernos Regionales según el procedimiento acordado con cada uno.",
]
VERBOS_OBJETIVO = ["Mejorar", "Fortalecer", "Incorporar", "Ampliar", "Articular", "Focalizar"]
OBJETOS_OBJETIVO = [
    "la coordinación con los servicios que complementan la oferta en cada región",
    "el acceso de los usuarios de localidades aisladas a los productos del Servicio",
    "la pertinencia territorial de los criterios de asignación de recursos",
    "la distribución de la oferta en las zonas extremas y de difícil acceso",
    "la complementariedad de la inversión sectorial con las prioridades regionales",
    "la atención en terreno en las comunas rurales",
    "el seguimiento de los compromisos del PROPIR con el Gobierno Regional",
]
MODOS_OBJETIVO = [
    ", mediante mesas de trabajo con el Gobierno Regional.",
    ", con planes de trabajo acordados con cada región.",
    ", a través de convenios con los municipios.",
    ", priorizando las comunas con menor cobertura.",
    ".",
]
FUNDAMENTOS = [
    "Es el producto de mayor inversión regional del Servicio.",
    "Mayor aporte a la complementariedad con otras instituciones presentes en la región.",
    "Concentra la demanda de los usuarios de las comunas rurales.",
    "Es prioridad ministerial para el presente ciclo.",
]
MOTIVOS_NO_ABORDADO = [
    "El diseño del producto se define en el nivel central: la región no puede modificarlo este "
    "año.",
    "Se abordará en el próximo ciclo, una vez concluida la reformulación del programa.",
    "Requiere recursos que no están contemplados en el presupuesto del año.",
    "Depende de un convenio con el Gobierno Regional que aún está en negociación.",
]
OBJETIVOS_INFORMACION = {
    "oferta": "Informar regularmente a cada Gobierno Regional la oferta de productos del Servicio "
    "en la región",
    "clientes": "Informar a cada Gobierno Regional la localización y características de los "
    "beneficiarios del Servicio, por comuna",
    "gasto": "Informar a cada Gobierno Regional el gasto anual programado y ejecutado por el "
    "Servicio en la región, incluidas las inversiones",
    "convenios": "Informar a cada Gobierno Regional el avance de los compromisos de gasto e "
    "inversión de los convenios de programación",
}
MEDIDAS = [
    "Instructivo del Jefe/a de Servicio a las Direcciones Regionales sobre los compromisos del "
    "Plan GT.",
    "Designar mediante resolución a los encargados territoriales de cada región.",
    "Incorporar los compromisos del Plan GT en los convenios de desempeño de los directivos "
    "regionales.",
    "Asignar recursos para las visitas a terreno en localidades aisladas.",
    "Oficializar el protocolo de coordinación con los Gobiernos Regionales.",
    "Incluir la variable comunal en los registros administrativos del Servicio.",
]
VARIABLES = [
    "Cambios en la disponibilidad presupuestaria del Servicio durante el año.",
    "Emergencias o catástrofes naturales que alteren la programación regional.",
    "Rotación de los equipos regionales y de las contrapartes del Gobierno Regional.",
    "Retrasos en la aprobación de los convenios con los municipios.",
]
COMPROMISOS_PROPIR = [
    "Informar al PROPIR la cartera de iniciativas de inversión del Servicio en la región.",
    "Actualizar mensualmente en el PROPIR el avance del gasto regional del Servicio.",
    "Incorporar al PROPIR los proyectos de conservación de infraestructura de la región.",
    "Presentar al Gabinete Regional el programa anual de actividades del Servicio.",
]
FORMATOS = ["Planilla Excel", "Informe en PDF", "Registro en la plataforma del GORE", "Oficio"]
CONTENIDOS = {
    "oferta": "Programas y productos del Servicio disponibles en la región, por comuna.",
    "clientes": "Beneficiarios atendidos por comuna, con sexo y tramo de edad.",
    "gasto": "Presupuesto programado y ejecutado en la región, por programa.",
    "convenios": "Estado de los compromisos de los convenios de programación vigentes.",
}
PERIODICIDADES = ["mensual", "trimestral", "semestral", "anual", "a_solicitud"]
CANALES = ["oficio", "correo", "plataforma", "reunion"]
RESPONSABLES_SERVICIO = [
    "Director/a Regional",
    "Encargado/a territorial regional",
    "Jefe/a de la Unidad de Planificación Regional",
]
RESPONSABLES_GORE = [
    "Jefe/a de la División de Planificación y Desarrollo Regional",
    "Jefe/a de la División de Presupuesto e Inversión Regional",
    "Encargado/a de la Unidad de Gestión de Información Territorial",
]
MOTIVOS_NO_APLICA = [
    "El Gobierno Regional no requiere esta información: la obtiene del nivel central.",
    "El Servicio no tiene convenios de programación vigentes en la región.",
]
INDICADORES = [
    ("reuniones de coordinación con el Gobierno Regional", "realizadas", "programadas"),
    ("informes de información regional enviados al GORE", "enviados", "comprometidos"),
    ("comunas con atención en terreno", "atendidas", "priorizadas"),
    ("compromisos del PROPIR", "cumplidos", "informados"),
    ("mesas de trabajo con municipios", "constituidas", "programadas"),
    ("actividades del programa de trabajo regional", "ejecutadas", "programadas"),
]
MEDIOS = [
    "Actas de las reuniones firmadas por los asistentes.",
    "Oficios de envío al Gobierno Regional.",
    "Informe anual de cumplimiento del Plan GT.",
    "Registros del sistema de seguimiento del Servicio.",
]
RECOLECCION = [
    "Planilla de registro de cada región.",
    "Reporte mensual de las Direcciones Regionales.",
    "Sistema de gestión documental.",
]
SISTEMATIZACION = [
    "Planilla nacional de seguimiento del PMG-GT.",
    "Tablero de control de gestión del Servicio.",
]
ACTIVIDADES = [
    "Realizar mesas de trabajo con el Gobierno Regional para acordar prioridades",
    "Elaborar el catastro comunal de beneficiarios de la región",
    "Ejecutar operativos de atención en terreno en las comunas rurales",
    "Capacitar al equipo regional en el sistema de seguimiento",
    "Enviar al Gobierno Regional el informe de la oferta regional",
    "Georreferenciar la cartera de proyectos de la región",
    "Actualizar los compromisos del PROPIR con el Gabinete Regional",
    "Coordinar con los municipios la difusión de la oferta del Servicio",
]
HITOS = [
    "Protocolo de coordinación firmado con el Gobierno Regional",
    "Informe de avance del programa de trabajo regional",
    "Plan de trabajo regional aprobado",
    "Informe final de cumplimiento del Plan GT",
]
ACTIVIDADES_NACIONALES = [
    "Instruir a las Direcciones Regionales sobre los compromisos del Plan GT",
    "Consolidar los informes regionales de avance",
    "Revisar con la Red de Expertos SUBDERE el avance del Plan",
    "Actualizar los sistemas de información con la desagregación regional",
]
VERIFICACION = [
    "Actas firmadas",
    "Oficio conductor",
    "Informe publicado en la intranet",
    "Registro de asistencia",
    "Correo de envío con acuse de recibo",
]
CORRECCIONES = [
    "Se precisan las comunas en que se aplicará.",
    "Se indica el responsable en la región.",
    "Se acota el plazo según lo acordado con el GORE.",
    "Se incorpora la coordinación con los municipios.",
]


def _entre(rng, desde: datetime, hasta: datetime) -> datetime:
    """A moment strictly inside (desde, hasta)."""
    return desde + (hasta - desde) * (0.001 + 0.998 * rng.random())


def _persona(rng) -> str:
    return f"{rng.choice(NOMBRES)} {rng.choice(APELLIDOS)}"


# --- Rows with their story -----------------------------------------------------------------------


class _Fila:
    """A content row and its states: (when, who, changeable values), the first one its creation.
    ``refs``: the rows its foreign keys point at (attname -> _Fila or None), fixed."""

    __slots__ = ("objeto", "estados", "centro", "refs")

    def __init__(self, objeto, fecha, autor, valores: dict, centro=None, refs=None):
        self.objeto = objeto
        self.centro = centro
        self.estados = [(fecha, autor, valores)]
        self.refs = refs or {}

    def cambiar(self, fecha, autor, **cambios) -> None:
        self.estados.append((fecha, autor, {**self.estados[-1][2], **cambios}))

    def en(self, momento) -> dict | None:
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
        for atributo, fila in self.refs.items():
            setattr(self.objeto, atributo, fila.objeto.pk if fila is not None else None)
        return self.objeto

    @property
    def ultimo(self) -> dict:
        return self.estados[-1][2]


LISTAS = (
    "objetivos",
    "no_abordados",
    "objetivos_info",
    "medidas",
    "propir",
    "procedimientos",
    "indicadores",
    "actividades",
)


class _Doc:
    def __init__(self, encargo: DocumentoEscala, diagnostico: dict, version):
        self.encargo = encargo
        self.diagnostico = diagnostico
        self.version = version  # (numero, sha256) of the visado Diagnóstico
        self.filas1, self.filas2 = filas_del_diagnostico(diagnostico)
        self.raiz: _Fila | None = None
        for lista in LISTAS:
            setattr(self, lista, [])

    def filas(self):
        yield self.raiz
        for lista in LISTAS:
            yield from getattr(self, lista)


# --- Writing one Plan ----------------------------------------------------------------------------


class _Escritor:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def escribir(self, d: _Doc) -> None:
        rng = self.rng
        encargo = d.encargo
        documento = encargo.documento
        anio = documento.ciclo.anio
        gt = encargo.encargado_id
        limite = encargo.envios[0] if encargo.envios else encargo.hasta
        en_curso = not encargo.envios
        creado = encargo.creado
        llenado = _entre(rng, creado, creado + (limite - creado) * 0.3)

        def momento(desde=llenado):
            return _entre(rng, desde, limite)

        diag = d.diagnostico
        pertinente = not (diag.get("cuadro2") or {}).get("no_pertinente")
        d.raiz = _Fila(
            escala.instancia(Plan, documento_id=documento.pk),
            creado,
            gt,
            {"objetivo_general_pt": "", "objetivo_general_informacion": ""},
        )
        d.raiz.cambiar(
            llenado,
            gt,
            objetivo_general_pt=rng.choice(GENERALES_PT) + rng.choice(GENERALES_PT_MODOS),
            objetivo_general_informacion=rng.choice(GENERALES_INFO) if pertinente else "",
        )
        autores = encargo.encargados_centro

        def autor(centro):
            return autores.get(centro.pk, gt) if centro is not None else gt

        # Objectives: the recommended rows of Cuadro I N°1, mostly taken up, a few not this year.
        recomendadas = [f for f in d.filas1.values() if (f.get("objetivo") or "").strip()]
        tomadas, no_abordadas = [], []
        for fila in recomendadas:
            (no_abordadas if rng.random() < 0.15 else tomadas).append(fila)
        if recomendadas and not tomadas:
            tomadas.append(no_abordadas.pop())
        n_objetivos = min(len(tomadas), rng.randint(3, 6)) if tomadas else 0
        grupos = [[] for _ in range(n_objetivos)]
        for i, fila in enumerate(rng.sample(tomadas, k=len(tomadas))):
            # Every objective gets a row first; the rest spread over them.
            grupos[i if i < n_objetivos else rng.randrange(n_objetivos)].append(fila)
        orden_filas = {pk: i for i, pk in enumerate(d.filas1)}
        por_numero = {}
        for numero, grupo in enumerate(grupos, start=1):
            grupo.sort(key=lambda f: orden_filas[f["id"]])
            regiones = sorted({f["region"] for f in grupo if f["region"]})
            fila = _Fila(
                escala.instancia(
                    ObjetivoEspecifico,
                    plan_id=None,
                    numero=numero,
                    filas_cuadro1=[f["id"] for f in grupo],
                    regiones=regiones if rng.random() < 0.6 else [],
                ),
                momento(),
                gt,
                {
                    "descripcion": f"{rng.choice(VERBOS_OBJETIVO)} "
                    f"{rng.choice(OBJETOS_OBJETIVO)}{rng.choice(MODOS_OBJETIVO)}",
                    "ambito": rng.choice(AMBITOS) if rng.random() < 0.95 else "",
                    "fundamento": rng.choice(FUNDAMENTOS) if rng.random() < 0.6 else "",
                },
            )
            d.objetivos.append(fila)
            por_numero[numero] = fila
        for fila in no_abordadas:
            if en_curso and rng.random() < 0.3:
                continue  # the reason is still to be written
            d.no_abordados.append(
                _Fila(
                    escala.instancia(ObjetivoNoAbordado, plan_id=None, fila_cuadro1=fila["id"]),
                    momento(),
                    gt,
                    {"motivo": rng.choice(MOTIVOS_NO_ABORDADO)},
                )
            )

        # Objectives of the information system: one per kind of information of Cuadro I N°2.
        por_tipo = {}
        for fila in d.filas2.values():
            por_tipo.setdefault(fila["informacion"], []).append(fila["id"])
        info_de = {}
        if pertinente:
            tipos = [t for t in TIPOS_INFORMACION if t in por_tipo] or ["oferta"]
            for numero, tipo in enumerate(tipos, start=1):
                fila = _Fila(
                    escala.instancia(
                        ObjetivoInformacion,
                        plan_id=None,
                        numero=numero,
                        informacion=tipo,
                        filas_cuadro2=list(por_tipo.get(tipo, [])),
                    ),
                    momento(),
                    gt,
                    {"descripcion": OBJETIVOS_INFORMACION[tipo] + "."},
                )
                d.objetivos_info.append(fila)
                info_de[tipo] = fila

        # Medidas de la autoridad and variables externas de riesgo.
        for orden, (tipo, texto) in enumerate(
            [("medida", t) for t in rng.sample(MEDIDAS, k=rng.randint(2, 4))]
            + [("variable", t) for t in rng.sample(VARIABLES, k=rng.randint(1, 2))]
        ):
            objetivo = rng.choice(d.objetivos) if d.objetivos and rng.random() < 0.5 else None
            d.medidas.append(
                _Fila(
                    escala.instancia(Medida, plan_id=None, tipo=tipo, orden=orden),
                    momento(),
                    gt,
                    {"descripcion": texto},
                    refs={"objetivo_id": objetivo},
                )
            )

        # The Servicio's national rows, then each region's.
        inicio_anio = date(anio, 1, 1)
        partes = [None, *encargo.centros]
        servicio = documento.servicio
        region_propia = servicio.region_id if not encargo.centros else None
        orden_propir = orden_act = 0
        numero_indicador = 0
        propir_objetivos = [o for o in d.objetivos if o.ultimo["ambito"] == "propir"] or d.objetivos
        for centro in partes:
            regional = centro is not None
            if regional and en_curso and rng.random() < 0.4:
                continue  # this region has not started yet
            quien = autor(centro)
            # Procedures with the GORE: for each kind of information its Cuadro I N°2 names.
            region_id = centro.region_id if regional else region_propia
            codigo = centro.region.codigo if regional else None
            if pertinente and region_id is not None:
                tipos = sorted(
                    {f["informacion"] for f in d.filas2.values() if f["region"] == codigo},
                    key=TIPOS_INFORMACION.index,
                )
                for tipo in tipos:
                    self._procedimiento(d, region_id, tipo, info_de.get(tipo), momento(), gt)
            # PROPIR commitments of about half the regions.
            if (regional or region_propia) and rng.random() < 0.5:
                orden_propir += 1
                d.propir.append(
                    _Fila(
                        escala.instancia(
                            CompromisoPropir,
                            plan_id=None,
                            centro_id=centro.pk if regional else None,
                            orden=orden_propir,
                        ),
                        momento(),
                        quien,
                        {
                            "descripcion": rng.choice(COMPROMISOS_PROPIR),
                            "monto": (
                                Decimal(rng.randrange(5, 900) * 1000)
                                if rng.random() < 0.6
                                else None
                            ),
                        },
                        centro=centro,
                        refs={
                            "objetivo_id": rng.choice(propir_objetivos)
                            if propir_objetivos
                            else None
                        },
                    )
                )
            # Indicators: a few national ones, one in about 40 % of the regions.
            cuantos = rng.randint(2, 4) if not regional else (1 if rng.random() < 0.4 else 0)
            for _ in range(cuantos):
                numero_indicador += 1
                objetivo = rng.choice(d.objetivos) if d.objetivos else None
                informacion = None
                if objetivo is None or (d.objetivos_info and rng.random() < 0.3):
                    informacion = rng.choice(d.objetivos_info) if d.objetivos_info else None
                    objetivo = None if informacion is not None else objetivo
                d.indicadores.append(
                    self._indicador(
                        numero_indicador, centro, objetivo, informacion, momento(), quien
                    )
                )
            # Activities and hitos: several per region.
            cuantas = rng.randint(2, 5) if regional else rng.randint(2, 4)
            for k in range(cuantas):
                orden_act += 1
                hito = k == cuantas - 1 or rng.random() < 0.2
                objetivo = rng.choice(d.objetivos) if d.objetivos else None
                informacion = None
                if d.objetivos_info and (objetivo is None or rng.random() < 0.25):
                    informacion, objetivo = rng.choice(d.objetivos_info), None
                if rng.random() < 0.05:
                    objetivo = informacion = None  # not linked yet (a warning, not a block)
                comienzo = inicio_anio + timedelta(days=rng.randint(31, 300))
                plazo = comienzo + timedelta(days=rng.randint(14, 120))
                plazo = min(plazo, date(anio, 12, 31))
                if hito:
                    descripcion = rng.choice(HITOS)
                elif regional:
                    descripcion = rng.choice(ACTIVIDADES)
                else:
                    descripcion = rng.choice(ACTIVIDADES_NACIONALES)
                region_texto = f" en la {centro.region.nombre}" if regional else ""
                d.actividades.append(
                    _Fila(
                        escala.instancia(
                            Actividad,
                            plan_id=None,
                            centro_id=centro.pk if regional else None,
                            tipo=Actividad.Tipo.HITO if hito else Actividad.Tipo.ACTIVIDAD,
                            orden=orden_act,
                        ),
                        momento(),
                        quien,
                        {
                            "descripcion": descripcion + (region_texto if not hito else ""),
                            "inicio": None if hito else comienzo,
                            "plazo": plazo,
                            "responsable": (
                                f"{rng.choice(RESPONSABLES_SERVICIO)} ({_persona(rng)})"
                            ),
                            "medio_verificacion": rng.choice(VERIFICACION),
                        },
                        centro=centro,
                        refs={"objetivo_id": objetivo, "objetivo_informacion_id": informacion},
                    )
                )
        for k in range(1, len(encargo.envios)):
            self._corregir(d, encargo.reaperturas[k - 1], encargo.envios[k])

    def _procedimiento(self, d, region_id, tipo, objetivo_info, fecha, gt) -> None:
        rng = self.rng
        estado = rng.choices(
            [
                ProcedimientoGore.Estado.VIGENTE,
                ProcedimientoGore.Estado.POR_FORMALIZAR,
                ProcedimientoGore.Estado.NO_APLICA,
            ],
            [30, 62, 8],
        )[0]
        vigente = estado == ProcedimientoGore.Estado.VIGENTE
        anio = d.encargo.documento.ciclo.anio
        instrumento = rng.choice(ProcedimientoGore.Instrumento.values) if vigente else ""
        d.procedimientos.append(
            _Fila(
                escala.instancia(
                    ProcedimientoGore,
                    plan_id=None,
                    region_id=region_id,
                    informacion=tipo,
                    estado=estado,
                    instrumento=instrumento,
                    instrumento_numero=str(rng.randint(10, 2999)) if vigente else "",
                    instrumento_fecha=(
                        date(anio, 1, 1) + timedelta(days=rng.randint(0, 120)) if vigente else None
                    ),
                    motivo_no_aplica=(
                        rng.choice(MOTIVOS_NO_APLICA)
                        if estado == ProcedimientoGore.Estado.NO_APLICA
                        else ""
                    ),
                    periodicidad=rng.choice(PERIODICIDADES),
                    periodicidad_detalle=""
                    if rng.random() < 0.8
                    else "dentro de los 10 días hábiles siguientes al cierre",
                    canal=rng.choice(CANALES),
                    responsable_gore=rng.choice(RESPONSABLES_GORE),
                ),
                fecha,
                gt,
                {
                    "formato": rng.choice(FORMATOS),
                    "contenido": CONTENIDOS[tipo],
                    "canal_detalle": "" if rng.random() < 0.6 else "con copia al Consejo Regional",
                    "responsable_servicio": rng.choice(RESPONSABLES_SERVICIO),
                },
                refs={"objetivo_informacion_id": objetivo_info},
            )
        )

    def _indicador(self, numero, centro, objetivo, informacion, fecha, autor) -> _Fila:
        rng = self.rng
        que, hecho, previsto = rng.choice(INDICADORES)
        numerador = f"N° de {que} {hecho} en el año t"
        denominador = f"N° de {que} {previsto} en el año t"
        den = rng.randint(4, 40)
        num = max(1, round(den * rng.uniform(0.6, 1.0)))
        meta = (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        donde = f" en la {centro.region.nombre}" if centro is not None else ""
        return _Fila(
            escala.instancia(
                Indicador,
                plan_id=None,
                centro_id=centro.pk if centro is not None else None,
                numero=numero,
                unidad="%",
                meta=meta,
                meta_numerador=Decimal(num),
                meta_denominador=Decimal(den),
                se_mide=rng.random() < 0.9,
            ),
            fecha,
            autor,
            {
                "nombre": f"Porcentaje de {que} {hecho}{donde}",
                "formula": f"({numerador} / {denominador}) * 100",
                "numerador": numerador,
                "denominador": denominador,
                "medio_verificacion": rng.choice(MEDIOS),
                "instrumento_recoleccion": rng.choice(RECOLECCION),
                "instrumento_sistematizacion": rng.choice(SISTEMATIZACION),
                "nota_tecnica": "" if rng.random() < 0.7 else "Se considera el año calendario.",
            },
            centro=centro,
            refs={"objetivo_id": objetivo, "objetivo_informacion_id": informacion},
        )

    def _corregir(self, d: _Doc, desde: datetime, hasta: datetime) -> None:
        """What is corrected after a return, before the next version is sent."""
        rng = self.rng
        gt = d.encargo.encargado_id
        autores = d.encargo.encargados_centro

        def autor(fila):
            return autores.get(fila.centro.pk, gt) if fila.centro is not None else gt

        def completar(texto):
            return f"{texto} {rng.choice(CORRECCIONES)}".strip()

        for _ in range(rng.randint(1, 4)):
            fecha = _entre(rng, desde, hasta)
            eleccion = rng.random()
            if eleccion < 0.1:
                d.raiz.cambiar(
                    fecha, gt, objetivo_general_pt=completar(d.raiz.ultimo["objetivo_general_pt"])
                )
            elif eleccion < 0.3 and d.objetivos:
                fila = rng.choice(d.objetivos)
                fila.cambiar(fecha, gt, descripcion=completar(fila.ultimo["descripcion"]))
            elif eleccion < 0.45 and d.indicadores:
                fila = rng.choice(d.indicadores)
                fila.cambiar(
                    fecha,
                    autor(fila),
                    medio_verificacion=completar(fila.ultimo["medio_verificacion"]),
                )
            elif eleccion < 0.55 and d.procedimientos:
                fila = rng.choice(d.procedimientos)
                fila.cambiar(fecha, gt, contenido=completar(fila.ultimo["contenido"]))
            elif eleccion < 0.6 and d.medidas:
                fila = rng.choice(d.medidas)
                fila.cambiar(fecha, gt, descripcion=completar(fila.ultimo["descripcion"]))
            elif d.actividades:
                fila = rng.choice(d.actividades)
                campo = rng.choice(["descripcion", "medio_verificacion", "responsable"])
                fila.cambiar(fecha, autor(fila), **{campo: completar(fila.ultimo[campo])})
        if rng.random() < 0.25 and d.actividades:
            # A hito added in a region that was asked for more detail.
            modelo = rng.choice(d.actividades)
            centro = modelo.centro
            orden = 1 + max(f.objeto.orden for f in d.actividades)
            d.actividades.append(
                _Fila(
                    escala.instancia(
                        Actividad,
                        plan_id=None,
                        centro_id=centro.pk if centro is not None else None,
                        tipo=Actividad.Tipo.HITO,
                        orden=orden,
                    ),
                    _entre(rng, desde, hasta),
                    autor(modelo),
                    {
                        "descripcion": rng.choice(HITOS),
                        "inicio": None,
                        "plazo": modelo.ultimo["plazo"],
                        "responsable": modelo.ultimo["responsable"],
                        "medio_verificacion": rng.choice(VERIFICACION),
                    },
                    centro=centro,
                    refs=dict(modelo.refs),
                )
            )


# --- Saving ------------------------------------------------------------------------------------

# Saved in this order: a row's foreign keys point at rows saved before it.
MODELOS = (
    ("objetivos", ObjetivoEspecifico),
    ("no_abordados", ObjetivoNoAbordado),
    ("objetivos_info", ObjetivoInformacion),
    ("medidas", Medida),
    ("propir", CompromisoPropir),
    ("procedimientos", ProcedimientoGore),
    ("indicadores", Indicador),
    ("actividades", Actividad),
)


def _guardar(docs: list[_Doc], using: str) -> None:
    """Live rows (last state), then every history row."""
    escala.crear(Plan, [d.raiz.final() for d in docs], using=using)
    for lista, modelo in MODELOS:
        filas = []
        for d in docs:
            for fila in getattr(d, lista):
                fila.objeto.plan_id = d.raiz.objeto.pk
                filas.append(fila.final())
        escala.crear(modelo, filas, using=using)
    por_modelo: dict = {}
    for d in docs:
        for fila in d.filas():
            registros = por_modelo.setdefault(type(fila.objeto), [])
            for i, (fecha, autor, valores) in enumerate(fila.estados):
                registros.append(
                    escala.registro_historico(
                        fila.objeto,
                        tipo="+" if i == 0 else "~",
                        fecha=fecha,
                        usuario_id=autor,
                        **valores,
                    )
                )
    for registros in por_modelo.values():
        escala.crear_historia(registros, using=using)


# --- Snapshots -----------------------------------------------------------------------------------


def _fecha(valor) -> str:
    return valor.isoformat() if valor else ""


def _decimal(valor) -> str:
    return "" if valor is None else format(valor.normalize(), "f")


def _vivas(filas, momento):
    return [(f, v) for f in filas if (v := f.en(momento)) is not None]


def _numero(fila, momento):
    """The N° of the objective a row points at (None: none, or not yet written then)."""
    if fila is None or fila.en(momento) is None:
        return None
    return fila.objeto.numero


def contenido_en(d: _Doc, momento) -> dict:
    """What planes.contenido.contenido returns for this Plan at that moment."""
    encargo = d.encargo
    documento = encargo.documento
    centros = encargo.centros
    codigo_de = {c.pk: c.region.codigo for c in centros}
    orden_de = {c.pk: c.region.orden for c in centros}
    region_de = {c.region_id: c.region for c in centros}
    if documento.servicio.region_id:
        region_de[documento.servicio.region_id] = documento.servicio.region
    raiz = d.raiz.en(momento)

    def fila1(pk):
        return d.filas1.get(pk) or {"id": pk, "region": None, "producto": "", "objetivo": ""}

    def fila2(pk):
        return d.filas2.get(pk) or {"id": pk, "region": None, "informacion": "", "objetivo": ""}

    def por_region(filas):
        return sorted(
            filas,
            key=lambda x: (
                x[0].objeto.centro_id is not None,
                orden_de.get(x[0].objeto.centro_id, 0),
                x[0].objeto.orden,
                x[0].objeto.pk,
            ),
        )

    def ref(fila, atributo):
        return _numero(fila.refs.get(atributo), momento)

    objetivos = sorted(
        _vivas(d.objetivos, momento), key=lambda x: (x[0].objeto.numero, x[0].objeto.pk)
    )
    posicion = {pk: i for i, pk in enumerate(d.filas1)}
    no_abordados = sorted(
        _vivas(d.no_abordados, momento),
        key=lambda x: (posicion.get(x[0].objeto.fila_cuadro1, len(posicion)), x[0].objeto.pk),
    )
    orden_info = {c: i for i, c in enumerate(INFORMACION)}
    procedimientos = sorted(
        _vivas(d.procedimientos, momento),
        key=lambda x: (
            region_de[x[0].objeto.region_id].orden,
            orden_info.get(x[0].objeto.informacion, 9),
            x[0].objeto.pk,
        ),
    )
    numero, sha = d.version
    return {
        "diagnostico": {"version": numero, "sha256": sha},
        "regiones": regiones_de(centros, documento.servicio.nombre),
        "objetivo_general_pt": raiz["objetivo_general_pt"],
        "objetivo_general_informacion": raiz["objetivo_general_informacion"],
        "objetivos": [
            {
                "id": f.objeto.pk,
                "numero": f.objeto.numero,
                "descripcion": v["descripcion"],
                "ambito": v["ambito"],
                "regiones": list(f.objeto.regiones),
                "fundamento": v["fundamento"],
                "filas": [fila1(pk) for pk in f.objeto.filas_cuadro1],
            }
            for f, v in objetivos
        ],
        "no_abordados": [
            {
                **{k: x for k, x in fila1(f.objeto.fila_cuadro1).items() if k != "id"},
                "fila": f.objeto.fila_cuadro1,
                "motivo": v["motivo"],
            }
            for f, v in no_abordados
        ],
        "objetivos_informacion": [
            {
                "id": f.objeto.pk,
                "numero": f.objeto.numero,
                "informacion": f.objeto.informacion,
                "descripcion": v["descripcion"],
                "filas": [fila2(pk) for pk in f.objeto.filas_cuadro2],
            }
            for f, v in sorted(
                _vivas(d.objetivos_info, momento),
                key=lambda x: (x[0].objeto.numero, x[0].objeto.pk),
            )
        ],
        "medidas": [
            {
                "id": f.objeto.pk,
                "tipo": f.objeto.tipo,
                "objetivo": ref(f, "objetivo_id"),
                "descripcion": v["descripcion"],
            }
            for f, v in sorted(
                _vivas(d.medidas, momento),
                key=lambda x: (x[0].objeto.tipo, x[0].objeto.orden, x[0].objeto.pk),
            )
        ],
        "propir": [
            {
                "id": f.objeto.pk,
                "region": codigo_de.get(f.objeto.centro_id),
                "objetivo": ref(f, "objetivo_id"),
                "descripcion": v["descripcion"],
                "monto": int(v["monto"]) if v["monto"] is not None else None,
            }
            for f, v in por_region(_vivas(d.propir, momento))
        ],
        "procedimientos": [
            {
                "id": f.objeto.pk,
                "region": region_de[f.objeto.region_id].codigo,
                "informacion": f.objeto.informacion,
                "objetivo_informacion": ref(f, "objetivo_informacion_id"),
                "formato": v["formato"],
                "contenido": v["contenido"],
                "periodicidad": f.objeto.periodicidad,
                "periodicidad_detalle": f.objeto.periodicidad_detalle,
                "canal": f.objeto.canal,
                "canal_detalle": v["canal_detalle"],
                "responsable_servicio": v["responsable_servicio"],
                "responsable_gore": f.objeto.responsable_gore,
                "instrumento": f.objeto.instrumento,
                "instrumento_numero": f.objeto.instrumento_numero,
                "instrumento_fecha": _fecha(f.objeto.instrumento_fecha),
                "estado": f.objeto.estado,
                "motivo_no_aplica": f.objeto.motivo_no_aplica,
            }
            for f, v in procedimientos
        ],
        "indicadores": [
            {
                "id": f.objeto.pk,
                "numero": f.objeto.numero,
                "region": codigo_de.get(f.objeto.centro_id),
                "nombre": v["nombre"],
                "formula": v["formula"],
                "numerador": v["numerador"],
                "denominador": v["denominador"],
                "unidad": f.objeto.unidad,
                "meta": _decimal(f.objeto.meta),
                "meta_numerador": _decimal(f.objeto.meta_numerador),
                "meta_denominador": _decimal(f.objeto.meta_denominador),
                "medio_verificacion": v["medio_verificacion"],
                "instrumento_recoleccion": v["instrumento_recoleccion"],
                "instrumento_sistematizacion": v["instrumento_sistematizacion"],
                "nota_tecnica": v["nota_tecnica"],
                "objetivo": ref(f, "objetivo_id"),
                "objetivo_informacion": ref(f, "objetivo_informacion_id"),
                "se_mide": f.objeto.se_mide,
            }
            for f, v in sorted(
                _vivas(d.indicadores, momento),
                key=lambda x: (x[0].objeto.numero, x[0].objeto.pk),
            )
        ],
        "actividades": [
            {
                "id": f.objeto.pk,
                "region": codigo_de.get(f.objeto.centro_id),
                "tipo": f.objeto.tipo,
                "descripcion": v["descripcion"],
                "inicio": _fecha(v["inicio"]),
                "plazo": _fecha(v["plazo"]),
                "responsable": v["responsable"],
                "objetivo": ref(f, "objetivo_id"),
                "objetivo_informacion": ref(f, "objetivo_informacion_id"),
                "medio_verificacion": v["medio_verificacion"],
            }
            for f, v in por_region(_vivas(d.actividades, momento))
        ],
    }


# --- The hook ------------------------------------------------------------------------------------


def _diagnosticos_visados(documentos: list[DocumentoEscala], using: str) -> dict:
    """{(servicio pk, ciclo pk): (content, (numero, sha256))} of the visado Diagnósticos these
    Plans read, in one query."""
    servicios = {e.documento.servicio_id for e in documentos}
    ciclos = {e.documento.ciclo_id for e in documentos}
    versiones = (
        VersionDocumento.objects.using(using)
        .filter(
            documento__etapa=DIAGNOSTICO,
            documento__servicio_id__in=servicios,
            documento__ciclo_id__in=ciclos,
            documento__version_visada__isnull=False,
        )
        .filter(numero=F("documento__version_visada"))
        .values_list(
            "documento__servicio_id", "documento__ciclo_id", "numero", "sha256", "contenido"
        )
    )
    return {(s, c): (contenido, (n, sha)) for s, c, n, sha, contenido in versiones}


def generar(documentos: list[DocumentoEscala], aleatorio: random.Random, *, using: str) -> dict:
    """EtapaDef.escala: write the Plans of these documents; {documento pk: [content of each
    version sent, then the current content]}."""
    visados = _diagnosticos_visados(documentos, using)
    escritor = _Escritor(aleatorio)
    docs = []
    for encargo in documentos:
        documento = encargo.documento
        clave = (documento.servicio_id, documento.ciclo_id)
        if clave not in visados:
            raise escala.EscalaInvalida(
                f"El Plan de {documento.servicio.sigla} {documento.ciclo.anio} no tiene un "
                "Diagnóstico visado del mismo ciclo."
            )
        diagnostico, version = visados[clave]
        d = _Doc(encargo, diagnostico, version)
        escritor.escribir(d)
        docs.append(d)
    _guardar(docs, using)
    resultado = {}
    for d in docs:
        contenidos = [contenido_en(d, envio) for envio in d.encargo.envios]
        # Nothing is edited after the last version: the current content is that version's.
        contenidos.append(contenidos[-1] if contenidos else contenido_en(d, d.encargo.hasta))
        resultado[d.encargo.documento.pk] = contenidos
    return resultado
