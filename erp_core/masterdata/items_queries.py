"""Reads of product categories and products (row scope: company)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erp_core.masterdata import records as r
from erp_core.masterdata.models_items import ProductCategory
from erp_core.usecase import Context, query


@query("masterdata.category.view", zh="查看商品分类", en="View product categories")
def list_categories(ctx: Context, **kwargs: Any) -> r.Page:
    return r.list_records(r.CATEGORY, ctx, **kwargs)


@query("masterdata.category.view", zh="查看商品分类", en="View product categories")
def category_tree(ctx: Context) -> list[dict[str, Any]]:
    """Every category of the company in tree order, each with its depth (for indented pick lists)."""
    rows = ctx.session.execute(select(ProductCategory).where(
        ProductCategory.company_id == ctx.company_id).order_by(ProductCategory.code)).scalars().all()
    children: dict[int | None, list[ProductCategory]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            out.append({"id": c.id, "code": c.code, "name": c.name, "depth": depth, "active": c.active,
                        "version": c.version})
            walk(c.id, depth + 1)

    walk(None, 0)
    return out


@query("masterdata.category.view", zh="查看商品分类", en="View product categories")
def get_category(ctx: Context, *, category_id: int) -> dict[str, Any]:
    return r.detail(r.CATEGORY, ctx, category_id)


@query("masterdata.product.view", zh="查看商品", en="View products")
def list_products(ctx: Context, **kwargs: Any) -> r.Page:
    """search, active, filters {column: value}, custom_filters {key: value}, sort, descending, page, page_size."""
    return r.list_records(r.PRODUCT, ctx, **kwargs)


@query("masterdata.product.view", zh="查看商品", en="View products")
def get_product(ctx: Context, *, product_id: int) -> dict[str, Any]:
    return r.detail(r.PRODUCT, ctx, product_id)
