"""The dashboard preset of each of the 31 catalogue job titles (data, reversible).

Loads ``keel.dashboards.presets.SHIPPED`` for the titles present; a preset an
administrator has already changed is left alone. Reversing removes only presets that
still equal what was shipped.
"""

from django.db import migrations


def load(apps, schema_editor):
    from keel.dashboards.presets import SHIPPED

    JobTitle = apps.get_model("organization", "JobTitle")
    DashboardPreset = apps.get_model("dashboards", "DashboardPreset")
    for title in JobTitle.objects.filter(slug__in=list(SHIPPED)):
        DashboardPreset.objects.get_or_create(title=title, defaults={"kpi_keys": list(SHIPPED[title.slug])})


def unload(apps, schema_editor):
    from keel.dashboards.presets import SHIPPED

    DashboardPreset = apps.get_model("dashboards", "DashboardPreset")
    for preset in DashboardPreset.objects.select_related("title").filter(title__slug__in=list(SHIPPED)):
        if list(preset.kpi_keys) == list(SHIPPED[preset.title.slug]):
            preset.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("organization", "0002_job_title_catalogue"),
    ]
    operations = [migrations.RunPython(load, unload)]
