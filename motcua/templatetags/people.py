"""``{{ user|person }}``: a staff member's name, family name first (a builtin of every template)."""
from django import template

from motcua.text import person_name

register = template.Library()
register.filter("person", person_name)
