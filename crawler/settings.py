"""Settings module for `scrapy crawl` / `scrapy list` from the repository root.

It reads the chipwatch config named by CHIPWATCH_CONFIG (default ./chipwatch.toml), so
Scrapy's own commands run with exactly the settings `chipwatch crawl` uses. A missing or
broken config does not stop `scrapy list`; the spiders report it when they start."""

from chipwatch.crawler.configure import BASE_SETTINGS, config_settings

from chipwatch.config import ConfigError, load_config

globals().update(BASE_SETTINGS)

try:
    globals().update(config_settings(load_config()))
except ConfigError as _error:
    CHIPWATCH_CONFIG_ERROR = str(_error)
