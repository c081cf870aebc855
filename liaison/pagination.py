from django.core.paginator import Paginator


def paginate(request, queryset, per_page: int = 20):
    """A page of ``queryset`` for ``?page=``; out-of-range or junk pages give the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
