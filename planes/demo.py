"""Demo content of Etapa II: the 2009 Plans of SERVIU Antofagasta and MIDEPLAN, walked up the chain.

Registered as the stage's ``demo`` (``planes.etapa``); ``pmggt.carga.cargar_demo`` calls it after
Etapa I's (stages load in order), with fixtures/demo.json, whose "planes" key names each
Servicio's content file (fixtures/plan_*.json) and how far up the chain its Plan goes ("flujo"):
"estado_final" (borrador, revision, visacion or visado; "envio" is the sending comment),
"devolucion_jefe" (the observación with which the Jefe/a returns the sent version: it ends in
Borrador) and, after the V°B°, "modificacion" (reopened with the content file's "modificacion"
changes and sent again up to borrador, revision or visacion).

A content file is the Plan as its Servicio wrote it from its own visado Diagnóstico. It points at
the Diagnóstico's rows by where they are in it, not by database ids: a Cuadro I N°1 row is
``[region, n]`` (the n-th row of that region, 1 first; region null for a Servicio without
Centros) and a Cuadro I N°2 row ``[region, informacion]``; objectives are referred to by their N°.
Everything is written through ``acceso.edicion`` by the person who writes it in the product: the
Servicio's part by its Encargado/a GT, each region's rows (activities, indicators, PROPIR
commitments) by that region's Encargada de Centro; the chain is walked with ``pmggt.workflow``.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from pmggt import acceso, carga, services, workflow
from pmggt.models import Centro, Ciclo, Documento, GrupoRol, Region, Servicio
from pmggt.versiones import contenido_visado

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

ETAPA = Documento.Etapa.PLAN
Tipo = GrupoRol.Tipo


class ContenidoInvalido(ValueError):
    """The demo's content file points at something the visado Diagnóstico does not have."""


def cargar(datos: dict) -> list[str]:
    """Load every demo Plan not yet there; the siglas of those created."""
    return [
        sigla
        for sigla, referencia in datos.get("planes", {}).items()
        if _cargar_plan(sigla, referencia)
    ]


def _cargar_plan(sigla: str, referencia: dict) -> bool:
    servicio = Servicio.objects.get(sigla=sigla)
    ciclo = Ciclo.objects.get(anio=referencia["ciclo"])
    if Documento.objects.filter(servicio=servicio, ciclo=ciclo, etapa=ETAPA).exists():
        return False
    visado = contenido_visado(servicio, ciclo, Documento.Etapa.DIAGNOSTICO)
    if visado is None:
        # A database loaded before the demo had visado Diagnósticos: nothing to build on.
        return False
    flujo = referencia.get("flujo", {})
    encargado = carga.usuario_con_rol(servicio, Tipo.ENCARGADO_GT)
    jefe = carga.usuario_con_rol(servicio, Tipo.JEFE)
    experto = carga.usuario_con_rol(servicio, Tipo.EXPERTO)
    datos = carga.leer(referencia["archivo"])
    documento = services.documento_crear(
        servicio=servicio, ciclo=ciclo, etapa=ETAPA, actor=encargado
    )
    escritor = _Escritor(documento, visado[0], encargado)
    escritor.escribir(datos)
    final = flujo.get("estado_final", "borrador")
    if final == "borrador" and "devolucion_jefe" not in flujo:
        return True
    workflow.enviar(documento=documento, actor=encargado, comentario=flujo.get("envio", ""))
    documento.refresh_from_db()
    if "devolucion_jefe" in flujo:
        workflow.devolver(
            documento=documento,
            actor=jefe,
            version=documento.version_actual,
            observaciones=[flujo["devolucion_jefe"]],
        )
        return True
    if final == "revision":
        return True
    workflow.aprobar(documento=documento, actor=jefe, version=documento.version_actual)
    documento.refresh_from_db()
    if final == "visacion":
        return True
    workflow.visar(documento=documento, actor=experto, version=documento.version_actual)
    hasta = flujo.get("modificacion")
    if not hasta:
        return True
    # Reopened after the V°B° (the content file's "modificacion"), and sent again up to `hasta`.
    cambios = datos["modificacion"]
    documento.refresh_from_db()
    workflow.solicitar_modificacion(
        documento=documento, actor=encargado, comentario=cambios["comentario"]
    )
    escritor.modificar(cambios)
    if hasta == "borrador":
        return True
    workflow.enviar(documento=documento, actor=encargado, comentario=cambios.get("envio", ""))
    documento.refresh_from_db()
    if hasta == "visacion":
        workflow.aprobar(documento=documento, actor=jefe, version=documento.version_actual)
    return True


def _fecha(texto: str):
    return date.fromisoformat(texto) if texto else None


def _decimal(texto):
    return Decimal(str(texto)) if texto not in (None, "") else None


class _Escritor:
    """Writes a content file into the Plan, each part as its author."""

    def __init__(self, documento, diagnostico: dict, encargado):
        self.documento = documento
        self.plan = Plan.objects.get(documento=documento)
        self.encargado = encargado
        self.centros = {
            c.region.codigo: c
            for c in Centro.objects.filter(servicio=documento.servicio).select_related("region")
        }
        self.regiones = {r.codigo: r for r in Region.objects.all()}
        # Where each Cuadro I row is, as the content file names it.
        self.filas1 = {}
        posicion = {}
        for fila in diagnostico.get("cuadro1", []):
            posicion[fila.get("region")] = posicion.get(fila.get("region"), 0) + 1
            self.filas1[(fila.get("region"), posicion[fila.get("region")])] = fila["id"]
        self.filas2 = {
            (fila.get("region"), fila["informacion"]): fila["id"]
            for fila in (diagnostico.get("cuadro2") or {}).get("filas", [])
        }
        self.objetivos = {}
        self.objetivos_info = {}
        self.orden = 0

    def _fila1(self, referencia) -> int:
        clave = (referencia[0], referencia[1])
        if clave not in self.filas1:
            raise ContenidoInvalido(
                f"El Diagnóstico visado no tiene la fila {clave} del Cuadro I N°1."
            )
        return self.filas1[clave]

    def _fila2(self, referencia) -> int:
        clave = (referencia[0], referencia[1])
        if clave not in self.filas2:
            raise ContenidoInvalido(
                f"El Diagnóstico visado no tiene la fila {clave} del Cuadro I N°2."
            )
        return self.filas2[clave]

    def _centro(self, codigo):
        if codigo is None:
            return None
        if codigo not in self.centros:
            raise ContenidoInvalido(f"El Servicio no tiene un Centro en la región {codigo}.")
        return self.centros[codigo]

    def _autor(self, codigo):
        """Who writes a row of this region: its Encargada de Centro (else the Encargado/a GT)."""
        if codigo is None:
            return self.encargado
        return (
            get_user_model()
            .objects.filter(
                groups__rol__centro=self._centro(codigo),
                groups__rol__tipo=Tipo.ENCARGADO_CENTRO,
                is_active=True,
            )
            .order_by("pk")
            .first()
            or self.encargado
        )

    def _guardar(self, objeto):
        objeto.full_clean()
        objeto.save()
        return objeto

    def escribir(self, datos: dict) -> None:
        with acceso.edicion(self.documento, self.encargado):
            self._servicio(datos)
        regionales = {}
        for clave in ("indicadores", "propir", "actividades"):
            for fila in datos.get(clave, []):
                regionales.setdefault(fila["region"], {}).setdefault(clave, []).append(fila)
        # The Servicio's own rows first, then each region's, north to south.
        orden = [None, *sorted(self.centros, key=lambda c: self.centros[c].region.orden)]
        for codigo in orden:
            if codigo not in regionales:
                continue
            centro = self._centro(codigo)
            with acceso.edicion(
                self.documento, self._autor(codigo), centro_id=centro.pk if centro else None
            ):
                self._filas_regionales(regionales[codigo])

    def _servicio(self, datos: dict) -> None:
        plan = self.plan
        plan.objetivo_general_pt = datos.get("objetivo_general_pt", "")
        plan.objetivo_general_informacion = datos.get("objetivo_general_informacion", "")
        self._guardar(plan)
        for o in datos.get("objetivos", []):
            self.objetivos[o["numero"]] = self._guardar(
                ObjetivoEspecifico(
                    plan=plan,
                    numero=o["numero"],
                    descripcion=o["descripcion"],
                    ambito=o.get("ambito", ""),
                    filas_cuadro1=[self._fila1(f) for f in o.get("filas", [])],
                    regiones=list(o.get("regiones", [])),
                    fundamento=o.get("fundamento", ""),
                )
            )
        for n in datos.get("no_abordados", []):
            self._guardar(
                ObjetivoNoAbordado(
                    plan=plan, fila_cuadro1=self._fila1(n["fila"]), motivo=n["motivo"]
                )
            )
        for o in datos.get("objetivos_informacion", []):
            self.objetivos_info[o["numero"]] = self._guardar(
                ObjetivoInformacion(
                    plan=plan,
                    numero=o["numero"],
                    informacion=o["informacion"],
                    descripcion=o["descripcion"],
                    filas_cuadro2=[self._fila2(f) for f in o.get("filas", [])],
                )
            )
        for orden, m in enumerate(datos.get("medidas", [])):
            self._guardar(
                Medida(
                    plan=plan,
                    tipo=m["tipo"],
                    objetivo=self.objetivos.get(m.get("objetivo")),
                    descripcion=m["descripcion"],
                    orden=orden,
                )
            )
        for p in datos.get("procedimientos", []):
            self._guardar(
                ProcedimientoGore(
                    plan=plan,
                    region=self.regiones[p["region"]],
                    informacion=p["informacion"],
                    objetivo_informacion=self.objetivos_info.get(p.get("objetivo_informacion")),
                    formato=p.get("formato", ""),
                    contenido=p.get("contenido", ""),
                    periodicidad=p.get("periodicidad", ""),
                    periodicidad_detalle=p.get("periodicidad_detalle", ""),
                    canal=p.get("canal", ""),
                    canal_detalle=p.get("canal_detalle", ""),
                    responsable_servicio=p.get("responsable_servicio", ""),
                    responsable_gore=p.get("responsable_gore", ""),
                    instrumento=p.get("instrumento", ""),
                    instrumento_numero=p.get("instrumento_numero", ""),
                    instrumento_fecha=_fecha(p.get("instrumento_fecha", "")),
                    estado=p["estado"],
                    motivo_no_aplica=p.get("motivo_no_aplica", ""),
                )
            )

    def _filas_regionales(self, filas: dict) -> None:
        for i in filas.get("indicadores", []):
            self._indicador(i)
        for c in filas.get("propir", []):
            self.orden += 1
            self._guardar(
                CompromisoPropir(
                    plan=self.plan,
                    centro=self._centro(c["region"]),
                    objetivo=self.objetivos.get(c.get("objetivo")),
                    descripcion=c["descripcion"],
                    monto=_decimal(c.get("monto")),
                    orden=self.orden,
                )
            )
        for a in filas.get("actividades", []):
            self._actividad(a)

    def _indicador(self, i: dict) -> Indicador:
        return self._guardar(
            Indicador(
                plan=self.plan,
                centro=self._centro(i["region"]),
                numero=i["numero"],
                nombre=i["nombre"],
                formula=i["formula"],
                numerador=i.get("numerador", ""),
                denominador=i.get("denominador", ""),
                unidad=i.get("unidad", ""),
                meta=_decimal(i.get("meta")),
                meta_numerador=_decimal(i.get("meta_numerador")),
                meta_denominador=_decimal(i.get("meta_denominador")),
                medio_verificacion=i.get("medio_verificacion", ""),
                instrumento_recoleccion=i.get("instrumento_recoleccion", ""),
                instrumento_sistematizacion=i.get("instrumento_sistematizacion", ""),
                nota_tecnica=i.get("nota_tecnica", ""),
                objetivo=self.objetivos.get(i.get("objetivo")),
                objetivo_informacion=self.objetivos_info.get(i.get("objetivo_informacion")),
                se_mide=i.get("se_mide", True),
            )
        )

    def _actividad(self, a: dict) -> Actividad:
        self.orden += 1
        return self._guardar(
            Actividad(
                plan=self.plan,
                centro=self._centro(a["region"]),
                tipo=a.get("tipo", Actividad.Tipo.ACTIVIDAD),
                descripcion=a["descripcion"],
                inicio=_fecha(a.get("inicio", "")),
                plazo=_fecha(a["plazo"]),
                responsable=a.get("responsable", ""),
                objetivo=self.objetivos.get(a.get("objetivo")),
                objetivo_informacion=self.objetivos_info.get(a.get("objetivo_informacion")),
                medio_verificacion=a.get("medio_verificacion", ""),
                orden=self.orden,
            )
        )

    def modificar(self, modificacion: dict) -> None:
        """The changes of a modification after the V°B°: indicator fields (by N°) and new
        activities, by the Encargado/a GT (a Servicio without Centros) or each region's author."""
        with acceso.edicion(self.documento, self.encargado):
            for numero, cambios in modificacion.get("indicadores", {}).items():
                indicador = Indicador.objects.get(plan=self.plan, numero=int(numero))
                for campo, valor in cambios.items():
                    es_decimal = campo.startswith("meta")
                    setattr(indicador, campo, _decimal(valor) if es_decimal else valor)
                self._guardar(indicador)
        self.orden = max(self.plan.actividades.values_list("orden", flat=True), default=0)
        for a in modificacion.get("actividades", []):
            centro = self._centro(a["region"])
            with acceso.edicion(
                self.documento, self._autor(a["region"]), centro_id=centro.pk if centro else None
            ):
                self._actividad(a)
