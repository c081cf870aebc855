import uuid

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Ping


@csrf_exempt
@login_not_required
@require_POST
def insert(request):
    """The baseline: one INSERT into a one-table model, nothing else."""
    Ping.objects.create(value=uuid.uuid4().hex)
    return HttpResponse("ok", status=201, content_type="text/plain")
