"""Asserting on the project's refusals by their whole named message."""

import re
from contextlib import AbstractContextManager
from typing import Any

import pytest

from quiz import errors


def raises(refusal: type[errors.QuizError], **details: Any) -> AbstractContextManager:
    """`pytest.raises` for exactly `refusal`, whose message must be its own, whole."""
    return pytest.raises(refusal, match=f"^{re.escape(str(refusal(**details)))}$")
