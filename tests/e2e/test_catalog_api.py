"""Catalog through HTTP: listing, versions, validation of definitions."""

import copy
import json

from mcbackend.demo.catalog import DEMO_PRODUCTS


def test_products_are_paginated_in_a_stable_order(api):
    first = api.get("/api/v1/products?page=1&page_size=2")
    assert first.status_code == 200
    meta = json.loads(first.headers["X-Pagination"])
    assert meta["total"] == len(DEMO_PRODUCTS)
    assert meta["page"] == 1 and meta["first_page"] == 1
    second = api.get("/api/v1/products?page=2&page_size=2").get_json()
    ids = [p["id"] for p in first.get_json() + second]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_page_size_is_bounded(api):
    response = api.get("/api/v1/products?page_size=100000")
    assert response.status_code == 400


def test_product_detail_has_its_definition(api):
    product = api.get("/api/v1/products").get_json()[0]
    detail = api.get(f"/api/v1/products/{product['id']}").get_json()
    assert detail["definition"]["sku"] == product["sku"]
    assert detail["definition"]["attributes"]


def test_new_version_becomes_current_and_old_one_stays(api):
    product = api.get("/api/v1/products").get_json()[0]
    definition = copy.deepcopy(
        api.get(f"/api/v1/products/{product['id']}").get_json()["definition"]
    )
    definition["base_price"] += 1000
    created = api.post(
        f"/api/v1/products/{product['id']}/versions", json={"definition": definition}
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["version"] == 2
    v1 = api.get(f"/api/v1/products/{product['id']}/versions/1").get_json()
    v2 = api.get(f"/api/v1/products/{product['id']}/versions/2").get_json()
    assert v2["definition"]["base_price"] == v1["definition"]["base_price"] + 1000
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["current_version"] == 2
    assert api.get(f"/api/v1/products/{product['id']}/versions/3").status_code == 404


def test_version_cannot_change_sku(api):
    product = api.get("/api/v1/products").get_json()[0]
    definition = api.get(f"/api/v1/products/{product['id']}").get_json()["definition"]
    definition["sku"] = "SOMETHING-ELSE"
    response = api.post(
        f"/api/v1/products/{product['id']}/versions", json={"definition": definition}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "sku_change"


def test_create_product_and_duplicate_sku(api):
    definition = copy.deepcopy(DEMO_PRODUCTS[0])
    definition["sku"] = "SOFA-COPY"
    created = api.post("/api/v1/products", json={"definition": definition})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["current_version"] == 1
    again = api.post("/api/v1/products", json={"definition": definition})
    assert again.status_code == 409 and again.get_json()["code"] == "duplicate_sku"


def test_retire_product(api):
    product = api.get("/api/v1/products").get_json()[0]
    assert api.patch(f"/api/v1/products/{product['id']}", json={"active": False}).status_code == 200
    active = api.get("/api/v1/products?active=true&page_size=100").get_json()
    assert product["id"] not in [p["id"] for p in active]
