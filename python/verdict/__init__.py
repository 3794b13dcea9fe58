"""verdict: evaluate trained PyTorch and PyTorch Lightning classifiers.

The engine is C++ (the `verdict` command, docs/configuration.md); this package is its Python face:

    import verdict
    result = verdict.evaluate("bundle/", "eval.csv", batch_size=64)
    result.metrics["auc_roc"], result.predictions.to_pandas()
    verdict.metrics(y_true, y_score)                 # metrics.json's keys and numbers, in memory
    verdict.Tokenizer("tokenizer.json").encode("some text")
    verdict.preprocess(texts, steps=["dialogue_splitter", "tokenizer"], tokenizer="tokenizer.json")

and the exporter (verdict.export, the `verdict-export` command) that turns a trained model into a
bundle. Errors raise verdict.Error with the command line's one-line message. docs/python-api.md
has the details.
"""

__version__ = "0.1.0"

from .api import Comparison, EvalResult, Tokenizer, evaluate, metrics, preprocess  # noqa: E402
from .errors import Error  # noqa: E402

__all__ = ["Comparison", "Error", "EvalResult", "Tokenizer", "evaluate", "metrics", "preprocess",
           "__version__"]
