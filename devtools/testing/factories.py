"""factory-boy factories shared by every app's tests."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from representatives.models import CongressLevel, CongressMembership, ProfessionalGroup, Representative, Residency
from stations.models import IndustryChain, Region, StandardItem, Station
from suggestions.models import HandlingUnit

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password(PASSWORD)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区域{n}")
    level = Region.Level.CITY


class IndustryChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryChain

    name = factory.Sequence(lambda n: f"产业{n}")


class StandardItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardItem

    group = "四得"
    name = factory.Sequence(lambda n: f"标准项{n}")


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"第{n}代表联络站")
    kind = Station.Kind.TOWNSHIP
    region = factory.SubFactory(RegionFactory, level=Region.Level.TOWNSHIP)
    address = factory.Sequence(lambda n: f"人民路{n}号")
    opening_hours = "周一至周五 9:00-17:00"


class ProfessionalGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfessionalGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"专业小组{n}")


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    name = factory.Sequence(lambda n: f"代表{n}")
    gender = Representative.Gender.FEMALE
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CongressMembership

    representative = factory.SubFactory(RepresentativeFactory)
    level = CongressLevel.COUNTY
    term = "第十二届"


class ResidencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residency

    representative = factory.SubFactory(RepresentativeFactory)
    station = factory.SubFactory(StationFactory)


class HandlingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandlingUnit

    name = factory.Sequence(lambda n: f"承办单位{n}")
    region = factory.SubFactory(RegionFactory)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "suggestions.Category"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"类别{n}")


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "suggestions.Suggestion"

    station = factory.SubFactory(StationFactory)
    region = factory.LazyAttribute(lambda s: s.station.region)
    channel = "mailbox"
    title = factory.Sequence(lambda n: f"意见建议{n}")
    content = "小区门口道路破损，雨天积水，希望尽快修复。"
    received_at = factory.LazyFunction(timezone.now)
