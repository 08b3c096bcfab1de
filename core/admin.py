"""What the Django admin may do with records the portal's services write: look, not touch.

Sync runs, call logs, events, outboxes, movements and the like are a trail or a queue: a row added by hand
(a "Running" sync run) blocks real work, a state set back re-sends or loses a push, and an event added or
deleted makes the audit trail lie. Their admin pages list and show them; the services change them.
"""

from django.contrib import admin

# A trail's rows get their time stamp as they are written, so the primary key lists them as the model's (time, id)
# ordering does (rows two processes write in the same instant aside), and without sorting every seller's rows: no
# index leads with the time.
NEWEST_FIRST = ("-pk",)


class ViewOnlyAdmin(admin.ModelAdmin):
    """List and detail pages only: no Add, no Save, no Delete (nor the "Delete selected" action)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, never added, changed or deleted from there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
