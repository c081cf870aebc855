"""Working days each reply took, kept on the assignment so dashboards average it in SQL."""

from django.db import migrations, models


def fill_reply_workdays(apps, schema_editor):
    from django.utils import timezone

    from core import workdays

    Assignment = apps.get_model("suggestions", "Assignment")
    for assignment in Assignment.objects.filter(replied_at__isnull=False, reply_workdays__isnull=True).iterator():
        assignment.reply_workdays = workdays.workdays_between(
            timezone.localdate(assignment.created_at), timezone.localdate(assignment.replied_at)
        )
        assignment.save(update_fields=["reply_workdays"])


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0004_closed_loop"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="reply_workdays",
            field=models.PositiveSmallIntegerField(
                blank=True, editable=False, null=True, verbose_name="working days to reply"
            ),
        ),
        migrations.RunPython(fill_reply_workdays, migrations.RunPython.noop),
    ]
