# Type information for the package: everything public comes from the engine (see _crmkit.pyi);
# the submodules a client reaches as attributes are typed where they live.
from ._crmkit import *
from ._crmkit import __all__ as __all__
from . import datasets as datasets
from . import table as table

__version__: str
