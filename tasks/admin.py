"""Task inspection for staff. Staff sign in with Django's own users, which are unrelated to API users."""

from django.contrib import admin

from .models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("id", "user_id", "title", "completed", "created_at", "updated_at")
    list_filter = ("completed", "created_at", "updated_at")
    search_fields = ("user_id", "title")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"
