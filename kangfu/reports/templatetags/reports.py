from django import template

register = template.Library()


@register.simple_tag
def cell(row, key):
    """The cell of figure ``key`` in a figures row (shown text, suppressed or not)."""
    return row.cells[key]


@register.simple_tag
def rate(row, key):
    return row.rates[key]


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "—")
