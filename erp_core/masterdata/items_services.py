"""Use cases for product categories and products & services."""

from __future__ import annotations

from typing import Any

from erp_core.masterdata import records as r
from erp_core.usecase import Context, use_case


@use_case("masterdata.category.create", zh="新建商品分类", en="Create product category")
def create_category(ctx: Context, *, values: dict[str, Any]) -> int:
    return r.create(r.CATEGORY, ctx, values)


@use_case("masterdata.category.edit", zh="修改商品分类", en="Edit product category")
def edit_category(ctx: Context, *, category_id: int, version: int | None, values: dict[str, Any]) -> None:
    r.edit(r.CATEGORY, ctx, category_id, version, values)


@use_case("masterdata.category.deactivate", zh="停用商品分类", en="Deactivate product category")
def set_category_active(ctx: Context, *, category_id: int, version: int | None, active: bool = False) -> None:
    r.set_active(r.CATEGORY, ctx, category_id, version, active)


@use_case("masterdata.product.create", zh="新建商品", en="Create product")
def create_product(ctx: Context, *, values: dict[str, Any], custom: dict[str, Any] | None = None) -> int:
    """Create a product or service from typed values (category by code, unit and tax rate by code)."""
    return r.create(r.PRODUCT, ctx, values, custom)


@use_case("masterdata.product.edit", zh="修改商品", en="Edit product")
def edit_product(ctx: Context, *, product_id: int, version: int | None, values: dict[str, Any],
                 custom: dict[str, Any] | None = None) -> None:
    r.edit(r.PRODUCT, ctx, product_id, version, values, custom)


@use_case("masterdata.product.deactivate", zh="停用商品", en="Deactivate product")
def set_product_active(ctx: Context, *, product_id: int, version: int | None, active: bool = False) -> None:
    r.set_active(r.PRODUCT, ctx, product_id, version, active)
