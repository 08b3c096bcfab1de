def tenancy(request):
    seller = getattr(request, "seller", None)
    # SimpleLazyObject wrapping None is truthy-unsafe; unwrap to a plain value for templates.
    return {"current_seller": seller if seller else None}
