from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


class TestErrorPages:
    async def test_error_after_rollback_keeps_the_signed_in_header(self, orgs) -> None:
        org = await orgs.create(roles=("owner",))
        client = await orgs.login_cookie_client(org.owner.email)
        for path in ("/staff", "/deals/8f1f3c38-0000-4000-8000-000000000000", "/deals/not-a-uuid"):
            response = await client.get(path)
            assert response.status_code == 404
            assert "<title>" in response.text and 'lang="en-GB"' in response.text
            assert org.owner.email in response.text  # the user menu, rendered from the request's viewer copy

    async def test_unknown_api_path_is_problem_json(self, client) -> None:
        response = await client.get("/api/nothing-here")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "not_found"

    async def test_logged_out_page_redirects_to_login_with_next(self, client) -> None:
        response = await client.get("/deals/list?q=atlas")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/deals/list%3Fq%3Datlas"
