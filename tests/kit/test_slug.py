"""Slugs: always URL-safe and short, and unique across organizations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandate.account.service import create_user
from mandate.kit.slug import MAX_SLUG_LENGTH, slugify, with_suffix
from mandate.organization.service import create_organization, unique_slug
from tests.helpers.fixtures import PASSWORD

pytestmark = pytest.mark.anyio

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class TestSlugify:
    @given(text=st.text(max_size=200))
    def test_always_a_valid_slug_or_the_fallback(self, text: str) -> None:
        slug = slugify(text)
        assert SLUG.match(slug), slug
        assert len(slug) <= MAX_SLUG_LENGTH

    @given(text=st.text(max_size=200), n=st.integers(min_value=2, max_value=10**6))
    def test_suffixed_slug_is_valid_too(self, text: str, n: int) -> None:
        slug = with_suffix(slugify(text), n)
        assert SLUG.match(slug), slug
        assert len(slug) <= MAX_SLUG_LENGTH
        assert slug.endswith(f"-{n}")

    @pytest.mark.parametrize(
        ("text", "slug"),
        [
            ("Acme Capital Partners", "acme-capital-partners"),
            ("  Smith & Sons, LLP  ", "smith-sons-llp"),
            ("Société Générale", "societe-generale"),
            ("!!!", "org"),
            ("北京", "org"),
            ("a" * 60, "a" * 48),
            ("x" * 47 + " y", "x" * 47),
        ],
    )
    def test_examples(self, text: str, slug: str) -> None:
        assert slugify(text) == slug


async def new_org(app: Any, name: str, n: int) -> str:
    async with app.state.session_factory() as session:
        user = await create_user(session, email=f"slug{n}@example.com", password=PASSWORD, full_name="S")
        org = await create_organization(session, name=name, owner=user)
        await session.commit()
        return org.slug


class TestUniqueSlug:
    async def test_same_name_gets_numbered_suffixes(self, app: Any) -> None:
        slugs = [await new_org(app, "Acme Capital", i) for i in range(3)]
        assert slugs == ["acme-capital", "acme-capital-2", "acme-capital-3"]

    async def test_prefix_lookalikes_do_not_confuse_it(self, app: Any) -> None:
        assert await new_org(app, "Acme Capital Two", 0) == "acme-capital-two"
        assert await new_org(app, "Acme", 1) == "acme"
        assert await new_org(app, "Acme", 2) == "acme-2"

    async def test_long_names_stay_unique_and_short(self, app: Any) -> None:
        name = "Very Long Organisation Name For A Boutique Advisory Partnership Ltd"
        slugs = [await new_org(app, name, i) for i in range(4)]
        assert len(set(slugs)) == 4
        assert all(len(s) <= MAX_SLUG_LENGTH and SLUG.match(s) for s in slugs)
        assert slugs[1].endswith("-2") and slugs[3].endswith("-4")

    async def test_next_free_slug_without_writing(self, app: Any) -> None:
        await new_org(app, "Orion", 0)
        async with app.state.session_factory() as session:
            assert await unique_slug(session, "Orion") == "orion-2"
            assert await unique_slug(session, "Orion Two") == "orion-two"
