"""PIPL: the reception-day visitor's name and phone number encrypted, existing rows too."""

from django.db import migrations

import core.fields


def encrypt_existing(apps, schema_editor):
    core.fields.reencrypt_rows(apps.get_model("stations", "Visit"))


def decrypt_existing(apps, schema_editor):
    core.fields.decrypt_rows(apps.get_model("stations", "Visit"))


class Migration(migrations.Migration):

    dependencies = [
        ('stations', '0002_reception_days_and_visits'),
    ]

    operations = [
        migrations.AlterField(
            model_name='visit',
            name='visitor_name',
            field=core.fields.EncryptedCharField(blank=True, max_length=40, verbose_name="visitor's name"),
        ),
        migrations.AlterField(
            model_name='visit',
            name='visitor_phone',
            field=core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name="visitor's mobile number"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
