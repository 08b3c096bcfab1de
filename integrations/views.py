from django.views.generic import ListView

from integrations.selectors import account_list
from sellers.mixins import SellerRequiredMixin


class AccountListView(SellerRequiredMixin, ListView):
    template_name = "integrations/account_list.html"
    context_object_name = "accounts"

    def get_queryset(self):
        return account_list(seller=self.seller)
