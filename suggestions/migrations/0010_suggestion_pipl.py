"""PIPL: submitters' names and phone numbers encrypted (existing rows too), a keyed hash of the phone,
the privacy notice agreed to, the withdrawal counter, and the timeline entry for removed contact details."""

from django.db import migrations, models

import core.fields
import core.sms


def encrypt_existing(apps, schema_editor):
    core.fields.reencrypt_rows(apps.get_model("suggestions", "Suggestion"))


def decrypt_existing(apps, schema_editor):
    core.fields.decrypt_rows(apps.get_model("suggestions", "Suggestion"))


class Migration(migrations.Migration):

    dependencies = [
        ('suggestions', '0009_rating_attempts'),
    ]

    operations = [
        migrations.AddField(
            model_name='suggestion',
            name='consent_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='agreed on'),
        ),
        migrations.AddField(
            model_name='suggestion',
            name='consent_version',
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name='privacy notice agreed to'),
        ),
        migrations.AddField(
            model_name='suggestion',
            name='submitter_phone_hash',
            field=core.fields.KeyedHashField(normalize=core.sms.normalize_phone, source='submitter_phone'),
        ),
        migrations.AddField(
            model_name='suggestion',
            name='withdraw_failures',
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name='event',
            name='kind',
            field=models.CharField(choices=[('received', 'Received'), ('merged', 'Merged as a duplicate'), ('duplicate_added', 'Duplicate merged into this'), ('edited', 'Edited'), ('action', 'Workflow step'), ('reminder', 'Reminder sent'), ('escalation', 'Escalated'), ('contact_removed', 'Contact details removed')], max_length=30, verbose_name='what'),
        ),
        migrations.AlterField(
            model_name='suggestion',
            name='submitter_name',
            field=core.fields.EncryptedCharField(blank=True, max_length=40, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='suggestion',
            name='submitter_phone',
            field=core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='mobile number'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
        migrations.AddIndex(
            model_name='suggestion',
            index=models.Index(condition=models.Q(('submitter_phone_hash', ''), _negated=True), fields=['submitter_phone_hash'], name='suggestion_phone_hash_idx'),
        ),
    ]
