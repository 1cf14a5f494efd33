"""Settings module for `scrapy crawl` / `scrapy list` from the repository root.

It reads the chipwatch config named by CHIPWATCH_CONFIG (default ./chipwatch.toml), so
Scrapy's own commands run with exactly the settings `chipwatch crawl` uses. A missing or
broken config does not stop `scrapy list`; the spiders report it when they start.

The one crawler module that imports the app layer: it is Scrapy's entry point (named by
scrapy.cfg), the place where a Scrapy project reads its configuration."""

from chipwatch.config import ConfigError, load_config
from crawler.configure import BASE_SETTINGS, job_settings

globals().update(BASE_SETTINGS)

try:
    globals().update(job_settings(load_config().crawl_job))
except ConfigError as _error:
    CHIPWATCH_CONFIG_ERROR = str(_error)
