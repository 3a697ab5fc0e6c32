"""The order service's entry point. `python3 app.py --check` validates settings.ini and exits."""

import argparse
import configparser
import sys
from pathlib import Path

SETTINGS = Path(__file__).with_name("settings.ini")
LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


class SettingsError(Exception):
    """settings.ini is missing something or holds a bad value."""


def load(path=SETTINGS):
    """Reads and checks the settings; returns them as a plain dict."""
    parser = configparser.ConfigParser(interpolation=configparser.ExtendedInterpolation())
    if not parser.read(path):
        raise SettingsError(f"cannot read {path}")
    try:
        server = parser["server"]
        database = parser["database"]
        logging = parser["logging"]
        settings = {
            "host": server["host"],
            "port": server.getint("port"),
            "workers": server.getint("workers"),
            "database_url": database["url"],
            "pool_size": database.getint("pool_size"),
            "log_level": logging["level"].upper(),
            "log_file": logging["file"],
        }
    except KeyError as missing:
        raise SettingsError(f"missing section or key: {missing}") from None
    except (ValueError, configparser.Error) as bad:
        raise SettingsError(str(bad)) from None
    if not 0 < settings["port"] < 65536:
        raise SettingsError(f"port out of range: {settings['port']}")
    if settings["log_level"] not in LEVELS:
        raise SettingsError(f"unknown log level: {settings['log_level']}")
    return settings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="validate settings.ini and exit")
    args = parser.parse_args(argv)
    try:
        settings = load()
    except SettingsError as error:
        print(f"settings.ini: {error}", file=sys.stderr)
        return 1
    if args.check:
        print("settings.ini: ok")
        for key, value in settings.items():
            print(f"  {key} = {value}")
        return 0
    print(f"would serve on {settings['host']}:{settings['port']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
