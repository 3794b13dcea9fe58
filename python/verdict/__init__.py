"""Python side of verdict: export trained PyTorch / Lightning classifiers into verdict bundles.

The evaluation itself runs in the C++ engine (`build/verdict eval`); see the repository README.
"""

__version__ = "0.1.0"
