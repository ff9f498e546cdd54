"""The Plan's demo content. Placeholder until the demo lands."""


def cargar(datos) -> list[str]:
    return []
