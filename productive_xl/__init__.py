"""productive_xl: the financial benefits of the NHS Productive Series, in Excel and on a server."""

from productive_xl.core.errors import ExcelError

__version__ = "0.1.0"

__all__ = ["ExcelError", "__version__"]
