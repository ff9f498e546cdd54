"""Factories for test data (reference data such as regions is built here too, small)."""

import factory
from django.contrib.auth import get_user_model

from pmggt.models import Ciclo, GobiernoRegional, Region, Servicio


class UsuarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"persona{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@prueba.pmggt.cl")
    first_name = factory.LazyAttribute(lambda u: u.username.split(".")[0].capitalize())
    password = factory.django.Password("clave-prueba")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["codigo"]

    codigo = factory.Sequence(lambda n: f"R{n}")
    nombre = factory.LazyAttribute(lambda r: f"Región {r.codigo}")
    nombre_corto = factory.LazyAttribute(lambda r: r.codigo)
    orden = factory.Sequence(lambda n: n + 1)


class GoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GobiernoRegional
        django_get_or_create = ["region"]

    region = factory.SubFactory(RegionFactory)
    nombre = factory.LazyAttribute(lambda g: f"Gobierno Regional {g.region.codigo}")


class ServicioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Servicio
        django_get_or_create = ["sigla"]

    sigla = factory.Sequence(lambda n: f"SERV-{n}")
    nombre = factory.LazyAttribute(lambda s: f"Servicio {s.sigla}")
    ministerio = "Ministerio de Prueba"


class CicloFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ciclo
        django_get_or_create = ["anio"]

    anio = 2009
