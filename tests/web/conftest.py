"""Fixtures for the coordinator pages: signing in, and a coordinator."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def login(client):
    """Sign a user in to the web pages and return the client."""

    def sign_in(user):
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator", name="Sara Samordnare")


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)
