"""watcher: news feeds in, one alert per military strike in Iraq or Syria out."""

__version__ = "0.1.0"
