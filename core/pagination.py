from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 5_000


class CappedPaginator(Paginator):
    """Counts at most ``cap + 1`` rows, so a page of a 200k-row list does not pay for counting them all.

    Past the cap the list says "more than 5,000" and pages stop there; filters narrow it,
    and exact totals belong to the dashboards.
    """

    def __init__(self, *args, cap: int = COUNT_CAP, **kwargs):
        self.cap = cap
        super().__init__(*args, **kwargs)

    @cached_property
    def count(self):
        if hasattr(self.object_list, "query"):
            # A sliced queryset counts as SELECT COUNT(*) FROM (… LIMIT cap+1).
            return self.object_list[: self.cap + 1].count()
        return min(len(self.object_list), self.cap + 1)

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self):
        if self.is_capped:
            return max(1, self.cap // self.per_page)
        return super().num_pages


def paginate(request, queryset, per_page: int = 20, *, capped: bool = False):
    """A page of ``queryset`` for ``?page=``; out-of-range or junk pages give the nearest valid page."""
    paginator_class = CappedPaginator if capped else Paginator
    return paginator_class(queryset, per_page).get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    """The current filters, to carry into page links and exports."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("refresh", None)  # "count again" applies to the page it was clicked on, not to the next ones
    return query.urlencode()
