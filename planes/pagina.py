"""The Plan's part of the document page (EtapaDef.contexto). Placeholder until the pages land."""


def contexto(documento, observaciones_por_campo: dict, usuario) -> dict:
    from pmggt.versiones import contenido_vigente

    from .contenido import completo, recortar

    return {"plan": completo(recortar(contenido_vigente(documento), documento, usuario))}
