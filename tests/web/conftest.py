"""Fixtures for the coordinator pages: a coordinator, and a response as text."""

import pytest


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator", name="Sara Samordnare")


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)
