"""Production settings, served over plain HTTP on loopback, with a trivial view to compare."""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Count each request's queries into a response header the load generator reads.
MIDDLEWARE = ["bench.middleware.count_queries", *MIDDLEWARE]  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}
# MD5, not PBKDF2: a production login spends about 0.3 s of CPU on the password hash, which
# would turn bench/capacity.py's thousands of logins into a hashing benchmark. The hash is
# the one cost measured here not at production strength; capacity.py prints what one
# production verify costs on the machine, so a class logging in at once can be reckoned.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
