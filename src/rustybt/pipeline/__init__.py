"""zipline's Pipeline on rustybt's bars: cross-sectional factors, filters and
classifiers computed vectorised over a whole window at once.

    >>> from rustybt.pipeline import Pipeline, run_pipeline
    >>> from rustybt.pipeline.factors import AverageDollarVolume, Returns

Research: ``run_pipeline(pipeline, start, end, data=panel)``. In a strategy:
``attach_pipeline(pipeline, "name")`` in ``initialize`` and
``pipeline_output("name")`` each session. The output for a session uses data up
to the previous session's close. See docs/pipeline.md.
"""

from rustybt.pipeline.custom import CustomClassifier, CustomFactor, CustomFilter
from rustybt.pipeline.engine import PipelineEngine, PipelineResult, run_pipeline
from rustybt.pipeline.kinds import Classifier, Factor, Filter
from rustybt.pipeline.pipeline import Pipeline
from rustybt.pipeline.term import PipelineError, Term

__all__ = [
    "Classifier",
    "CustomClassifier",
    "CustomFactor",
    "CustomFilter",
    "Factor",
    "Filter",
    "Pipeline",
    "PipelineEngine",
    "PipelineError",
    "PipelineResult",
    "Term",
    "run_pipeline",
]
