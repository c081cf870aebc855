"""The three administrator duties (三员分立) as personas, and helpers for the log-in's second step."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import AdminDuty
from devtools.testing import factories as f


@pytest.fixture
def system_admin(db):
    return f.UserFactory(username="sysadmin", full_name="系统管理员甲", admin_duty=AdminDuty.SYSTEM, is_staff=True)


@pytest.fixture
def security_admin(db):
    return f.UserFactory(username="secadmin", full_name="安全管理员乙", admin_duty=AdminDuty.SECURITY, is_staff=True)


@pytest.fixture
def audit_admin(db):
    return f.UserFactory(username="auditor", full_name="审计管理员丙", admin_duty=AdminDuty.AUDIT, is_staff=True)


@pytest.fixture
def superuser(db):
    return f.UserFactory(username="root", is_staff=True, is_superuser=True)


def code_for(device) -> str:
    """The six digits the phone shows now: RFC 6238 over the device's key, as an authenticator app computes it."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_login(username: str, password: str = f.PASSWORD, client: Client | None = None) -> Client:
    """The log-in form's first step, as a person fills it in."""
    client = client or Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client
