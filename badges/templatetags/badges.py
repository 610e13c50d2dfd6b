from django import template

from badges import keys
from badges.models import Revocation

register = template.Library()


@register.simple_tag
def certificate_revoked(certificate) -> bool:
    return Revocation.objects.filter(certificate=certificate).exists()


@register.simple_tag
def badges_available() -> bool:
    return keys.available()
