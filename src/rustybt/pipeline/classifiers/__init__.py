"""zipline's ``zipline.pipeline.classifiers``, plus `Sector` from the catalog's sectors."""

from rustybt.pipeline.classifiers.sector import Sector
from rustybt.pipeline.custom import CustomClassifier
from rustybt.pipeline.kinds import Classifier
from rustybt.pipeline.rowwise import Quantiles

__all__ = ["Classifier", "CustomClassifier", "Quantiles", "Sector"]
