"""The production settings plus one URL: bench/urls.py adds the minimal view the public-pages benchmark compares
against, so that it passes through the same process and middleware as the pages it is compared with."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
