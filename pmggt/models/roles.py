"""Roles as per-object groups holding django-guardian object permissions.

Each role on each object is one auth Group ("Jefes/as – SERVIU-ANTOFAGASTA"): a change of person
is a change of group membership, never a re-grant on each document.
"""

from django.contrib.auth.models import Group
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from pmggt.historia import Historial

from .organizacion import Centro, GobiernoRegional, Servicio


class GrupoRol(models.Model):
    class Tipo(models.TextChoices):
        ENCARGADO_GT = "encargado_gt", "Encargado/a GT"
        JEFE = "jefe", "Jefe/a de Servicio"
        EXPERTO = "experto", "Experto/a SUBDERE"
        ENCARGADO_CENTRO = "encargado_centro", "Encargado/a de Centro de Responsabilidad"
        GORE = "gore", "Funcionario/a GORE"
        ADMINISTRADOR = "administrador", "Administrador/a SUBDERE"

    grupo = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="rol")
    tipo = models.CharField(max_length=20, choices=Tipo.choices, db_index=True)
    servicio = models.ForeignKey(
        Servicio, on_delete=models.CASCADE, null=True, blank=True, related_name="grupos_rol"
    )
    centro = models.ForeignKey(
        Centro, on_delete=models.CASCADE, null=True, blank=True, related_name="grupos_rol"
    )
    gore = models.ForeignKey(
        GobiernoRegional,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grupos_rol",
        verbose_name="GORE",
    )
    history = Historial()

    class Meta:
        verbose_name = "grupo de rol"
        verbose_name_plural = "grupos de rol"
        ordering = ["tipo", "grupo__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tipo", "servicio"],
                condition=models.Q(servicio__isnull=False, centro__isnull=True),
                name="gruporol_uno_por_servicio",
            ),
            models.UniqueConstraint(
                fields=["tipo", "centro"],
                condition=models.Q(centro__isnull=False),
                name="gruporol_uno_por_centro",
            ),
            models.UniqueConstraint(
                fields=["tipo", "gore"],
                condition=models.Q(gore__isnull=False),
                name="gruporol_uno_por_gore",
            ),
        ]
        permissions = [
            ("administrar_pmggt", "Administrar PMG-GT y ver todos los documentos"),
        ]

    def __str__(self):
        return self.grupo.name


# Direct foreign-key permission tables (faster than guardian's generic ones, and no orphans).
class ServicioUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Servicio, on_delete=models.CASCADE)


class ServicioGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Servicio, on_delete=models.CASCADE)


class CentroUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Centro, on_delete=models.CASCADE)


class CentroGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Centro, on_delete=models.CASCADE)


class GoreUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(GobiernoRegional, on_delete=models.CASCADE)


class GoreGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(GobiernoRegional, on_delete=models.CASCADE)
