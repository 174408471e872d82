"""A minimal Django project with DRF and simplejwt: the stack a Django team reaches for first."""
