"""Management portal > Customers: new levels under the current one (sub-partners, folders,
customers, units) and moves within the tree, through `tenants.tree`'s services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from common.forms import add_service_errors

from . import tree
from .authorization import authorize
from .forms import CHILD_KIND_LABELS, ChildForm, MoveForm
from .selectors import covers, subtree_ids, tenant_for
from .views import ManagementMixin


class ChildCreateView(ManagementMixin, FormView):
    """A sub-partner, folder or customer under a partner or folder; a unit under a customer
    or unit. Offered to the roles that may (the service checks again)."""

    template_name = "tenants/child_form.html"
    section = "customers"
    form_class = ChildForm

    def get_form_kwargs(self):
        kinds = tree.creatable_kinds(self.request.user, self.tenant)
        if not kinds:
            raise PermissionDenied
        return {**super().get_form_kwargs(), "kinds": kinds}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "")}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            child = tree.child_create(
                actor=self.request.user,
                parent=self.tenant,
                kind=data["kind"],
                name=data["name"],
                origin=self.origin(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        label = CHILD_KIND_LABELS[child.kind]
        messages.success(
            self.request,
            _("%(kind)s “%(name)s” was created.") % {"kind": label, "name": child.name},
        )
        return redirect("customers", tenant_id=self.tenant.slug)


# How many destinations the Move picker lists before asking for a search (as the tenant
# selector does): a distributor's tenant has a thousand places it could go.
DESTINATION_LIMIT = 50


class TenantMoveView(ManagementMixin, FormView):
    """Pick a destination, confirm, move: two posts, then back to the list (post/redirect/
    get). The tenant to move is one of the current level's subtree. The picker lists the
    first destinations by name, or those matching `q`; a post names its destination, which
    is looked up alone (it may be one a search found)."""

    template_name = "tenants/tenant_move.html"
    section = "customers"
    form_class = MoveForm

    def dispatch(self, request, *args, **kwargs):
        self.moved_id = kwargs.pop("child_id")
        return super().dispatch(request, *args, **kwargs)

    def moved(self):
        if not hasattr(self, "_moved"):
            moved = tenant_for(actor=self.request.user, tenant_id=self.moved_id)
            if moved.parent is None or not covers(self.tenant, moved):
                raise Http404("No such tenant.")
            # Taking it away from its parent is managing the parent.
            authorize(self.request.user, tree.action_under(moved.parent), tenant=moved.parent)
            self._moved = moved
        return self._moved

    def search(self) -> str:
        return self.request.GET.get("q", "").strip()[:100]

    def get_form_kwargs(self):
        user, moved = self.request.user, self.moved()
        chosen = self.request.POST.get("to", "") if self.request.method == "POST" else ""
        destinations = []
        if chosen:
            destinations = list(tree.move_destinations(user, moved).filter(slug=chosen)[:1])
            self.more = False
        if not destinations:  # a first visit, a search, or a choice that is not one
            destinations, self.more = tree.destination_page(
                user, moved, search=self.search(), limit=DESTINATION_LIMIT
            )
        return {**super().get_form_kwargs(), "destinations": destinations}

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"] = self.get_form()  # first: it finds whether there are more
        search = self.search()
        return super().get_context_data(
            moved=self.moved(),
            destination_search=search,
            destinations_more=getattr(self, "more", False),
            # Offer the search where there is something to search.
            destinations_searchable=bool(search or getattr(self, "more", False)),
            **kwargs,
        )

    def form_valid(self, form):
        moved, to = self.moved(), form.cleaned_data["to"]
        try:
            tree.move_check(actor=self.request.user, tenant=moved, to=to)
            if self.request.POST.get("confirm") != "yes":
                below = len(subtree_ids(moved)) - 1
                return self.render_to_response(
                    self.get_context_data(form=form, to=to, confirming=True, below=below)
                )
            tree.tenant_move(actor=self.request.user, tenant=moved, to=to, origin=self.origin())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("“%(name)s” was moved to “%(to)s”.") % {"name": moved.name, "to": to.name},
        )
        return redirect("customers", tenant_id=self.tenant.slug)
