# Column (1) as the Servicio writes it, and several (or no) causales per Cuadro I N°1 row.

from django.db import migrations, models

import diagnostico.models


def copiar_causal(apps, schema_editor):
    """Each row (and each of its historical records) keeps its one causal as its causales."""
    for nombre in ("FilaCuadro1", "HistoricalFilaCuadro1"):
        modelo = apps.get_model("diagnostico", nombre)
        for causal in ("diseno", "coordinacion", "acceso"):
            modelo.objects.filter(causal=causal).update(causales=causal)


def restaurar_causal(apps, schema_editor):
    """Back to one causal per row: the first one (rows with none get "diseno")."""
    for nombre in ("FilaCuadro1", "HistoricalFilaCuadro1"):
        modelo = apps.get_model("diagnostico", nombre)
        for causal in ("acceso", "coordinacion", "diseno"):
            modelo.objects.filter(causales__startswith=causal).update(causal=causal)


class Migration(migrations.Migration):
    dependencies = [
        ("diagnostico", "0004_orden_nivel_central_primero"),
    ]

    operations = [
        migrations.AddField(
            model_name="filacuadro1",
            name="causales",
            field=models.CharField(
                blank=True,
                help_text="diseno, coordinacion, acceso (separadas por coma) o vacío.",
                max_length=40,
                validators=[diagnostico.models.validar_causales],
                verbose_name="causales",
            ),
        ),
        migrations.AddField(
            model_name="filacuadro1",
            name="producto_texto",
            field=models.TextField(
                blank=True,
                help_text="Como lo escribe el Servicio (si no, se imprimen los productos).",
                verbose_name="producto/subproductos estratégicos (1)",
            ),
        ),
        migrations.AddField(
            model_name="historicalfilacuadro1",
            name="causales",
            field=models.CharField(
                blank=True,
                help_text="diseno, coordinacion, acceso (separadas por coma) o vacío.",
                max_length=40,
                validators=[diagnostico.models.validar_causales],
                verbose_name="causales",
            ),
        ),
        migrations.AddField(
            model_name="historicalfilacuadro1",
            name="producto_texto",
            field=models.TextField(
                blank=True,
                help_text="Como lo escribe el Servicio (si no, se imprimen los productos).",
                verbose_name="producto/subproductos estratégicos (1)",
            ),
        ),
        migrations.AlterField(
            model_name="filacuadro1",
            name="productos",
            field=models.ManyToManyField(
                blank=True,
                related_name="filas_cuadro1",
                to="diagnostico.productoestrategico",
                verbose_name="productos vinculados",
            ),
        ),
        migrations.RunPython(copiar_causal, restaurar_causal),
        migrations.RemoveField(
            model_name="filacuadro1",
            name="causal",
        ),
        migrations.RemoveField(
            model_name="historicalfilacuadro1",
            name="causal",
        ),
    ]
