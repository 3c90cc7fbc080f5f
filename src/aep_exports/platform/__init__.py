"""The local platform: an offline, persistent emulator of the AEP APIs that ``aep-exports`` talks to.

Shaped like moto: ``backend`` holds plain objects that enforce the API's rules and raise
:class:`~aep_exports.platform.errors.PlatformError` (an HTTP status plus a body); ``http`` is a thin
FastAPI layer; ``engine``/``store`` run the export jobs. It imports nothing from the reconciler: it is
a second, independent implementation of the wire contract.
Entry point: :func:`aep_exports.platform.app.create_app`.
"""

#: Where the platform keeps its data when no ``--data`` is given, relative to the project directory.
LOCAL_DATA_DIR = ".aep-exports/local-platform"
