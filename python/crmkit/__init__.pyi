# Type information for the package: everything public comes from the engine (see _crmkit.pyi).
from ._crmkit import *
from ._crmkit import __all__ as __all__

__version__: str
