"""The list + detail + form screen every master record page shares (products, categories, customers, suppliers,
employees). Thin: widgets in, use cases and queries out through run_action; every rule lives in erp_core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from erp_core.masterdata.records import Kind
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import money, tr
from ui.safe import md, md_escape
from ui.sections import section
from ui.settings_kit import done, show_flash, succeed

OPTIONS = {
    "costing_method": ("moving_average", "fifo", "monthly_average"),
    "kind": ("product", "service"),
}


@dataclass
class RecordScreen:
    kind: Kind
    title: str  # catalog key
    id_param: str  # e.g. "customer_id"
    list_q: Callable
    get_q: Callable
    create: Callable
    edit: Callable
    set_active: Callable
    export_q: Callable | None = None
    fields_q: Callable | None = None  # custom field definitions for forms
    duplicates_q: Callable | None = None
    merge: Callable | None = None
    children: dict[str, Callable] = field(default_factory=dict)  # add/remove contact/address
    category_tree_q: Callable | None = None
    skip_form: tuple[str, ...] = ("active",)
    merge_preview_q: Callable | None = None  # both records side by side, with the versions the merge must name
    refs_q: Callable | None = None  # ref="department" / "user" -> [{"code", "name"}] the actor may pick
    default_columns: tuple[str, ...] | None = None  # list columns shown until the user chooses (None: all built-in)


Refs = dict[str, dict[str, str]]  # ref -> {code: "code name"} of the records a picker offers


def _label(d: dict[str, Any]) -> str:
    return d["label_en"] if locale() == "en" else d["label_zh"]


def _option_label(key: str, value: str) -> str:
    return tr(f"masterdata.option.{value}") if value else "—"


def _refs(screen: RecordScreen) -> Refs:
    """The picker choices of the kind's reference columns (departments, salespeople / buyers), code + name."""
    out: Refs = {}
    if screen.refs_q is not None:
        for ref in sorted({c.ref for c in screen.kind.columns if c.ref in ("department", "user")}):
            out[ref] = {x["code"]: f"{x['code']} {x['name']}" for x in run_action(screen.refs_q, ref=ref) or []}
    if screen.category_tree_q is not None and any(c.ref == "category" for c in screen.kind.columns):
        out["category"] = {c["code"]: f"{c['code']} {c['name']}" for c in run_action(screen.category_tree_q) or []}
    return out


def _ref_picker(label: str, names: dict[str, str], current: Any, key: str) -> str | None:
    """A searchable selectbox of real records (code + name) for a reference typed as a code before. A stored value
    outside the choices (another department's, an inactive record) stays selectable so an edit keeps it."""
    opts = ["", *names]
    if current and current not in names:
        opts.append(current)
    return st.selectbox(label, opts, index=opts.index(current) if current else None, key=key,
                        format_func=lambda v: names.get(v, v) if v else "—",
                        placeholder=tr("masterdata.pick_placeholder")) or None


def _widget(screen: RecordScreen, col, current: Any, prefix: str, refs: Refs | None = None) -> Any:
    label = tr(col.field) + (" *" if col.required else "")
    key = f"{prefix}_{col.key}"
    if col.ref in ("department", "user") and refs and col.ref in refs:
        return _ref_picker(label, refs[col.ref], current, key)
    if col.key in OPTIONS:
        opts = ("",) + OPTIONS[col.key]
        idx = opts.index(current) if current in opts else 0
        return st.selectbox(label, opts, index=idx, key=key, format_func=lambda v: _option_label(col.key, v))
    if col.ref == "category" and screen.category_tree_q is not None:
        tree = run_action(screen.category_tree_q) or []
        opts = [""] + [c["code"] for c in tree]
        names = {c["code"]: "　" * c["depth"] + f"{c['code']} {c['name']}" for c in tree}
        idx = opts.index(current) if current in opts else 0
        return st.selectbox(label, opts, index=idx, key=key, format_func=lambda v: names.get(v, "—"))
    if col.key == "hire_date":
        return st.date_input(label, value=current, key=key, min_value=dt.date(1950, 1, 1))
    return st.text_input(label, value="" if current is None else str(current), key=key)


def _custom_widget(d: dict[str, Any], current: Any, prefix: str) -> Any:
    label = _label(d) + (" *" if d["required"] else "")
    key = f"{prefix}_cf_{d['key']}"
    value = current if current is not None else (d["default_value"] if prefix.endswith("new") else None)
    if d["field_type"] == "choice":
        opts = [""] + d["choices"]
        return st.selectbox(label, opts, index=opts.index(value) if value in opts else 0, key=key)
    if d["field_type"] == "bool":
        return st.checkbox(label, value=str(value).lower() == "true", key=key)
    if d["field_type"] == "date":
        try:
            day = dt.date.fromisoformat(value) if value else None
        except ValueError:
            day = None
        return st.date_input(label, value=day, key=key)
    return st.text_input(label, value="" if value is None else str(value), key=key)


def _form_keys(screen: RecordScreen, defs: list[dict[str, Any]], prefix: str) -> list[str]:
    """The widget keys _form_fields gives a form (forgotten once a create went through, so the form clears)."""
    return [f"{prefix}_{c.key}" for c in screen.kind.columns if c.key not in screen.skip_form] + \
        [f"{prefix}_cf_{d['key']}" for d in defs]


def _form_fields(screen: RecordScreen, current: dict[str, Any], defs: list[dict[str, Any]], prefix: str,
                 refs: Refs | None = None):
    values: dict[str, Any] = {}
    cols = [c for c in screen.kind.columns if c.key not in screen.skip_form]
    grid = st.columns(2)
    for i, col in enumerate(cols):
        with grid[i % 2]:
            values[col.key] = _widget(screen, col, current.get(col.key), prefix, refs)
    custom: dict[str, Any] = {}
    if defs:
        st.caption(tr("masterdata.custom_fields"))
        grid = st.columns(2)
        for i, d in enumerate(defs):
            with grid[i % 2]:
                custom[d["key"]] = _custom_widget(d, (current.get("custom") or {}).get(d["key"]), prefix)
    return values, custom


def _shown(value: Any) -> Any:
    """What a list cell shows: empty for no value; decimals and dates as text in one uniform form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


CF = "cf:"  # list column keys of custom fields


def _chosen_columns(screen: RecordScreen, defs: list[dict[str, Any]]) -> list[str]:
    """The list's columns, chosen by the user (built-in ones and custom fields), remembered per page for the
    session (also across visits to other pages, when Streamlit forgets the widget itself)."""
    perm = screen.kind.permission
    labels = {c.key: tr(c.field) for c in screen.kind.columns} | {CF + d["key"]: _label(d) for d in defs}
    saved_key = f"{perm}_columns_saved"
    default = st.session_state.get(saved_key) or list(screen.default_columns or [c.key for c in screen.kind.columns])
    chosen = st.multiselect(tr("masterdata.columns"), list(labels), default=[k for k in default if k in labels],
                            key=f"{perm}_columns", format_func=lambda k: labels[k],
                            placeholder=tr("masterdata.columns_placeholder"))
    st.session_state[saved_key] = chosen
    return chosen or ["code", "name"]


def _table(screen: RecordScreen, rows: list[dict[str, Any]], defs: list[dict[str, Any]], columns: list[str],
           refs: Refs) -> None:
    if not rows:
        st.info(tr("masterdata.empty"), icon=":material/info:")
        return
    cols = {c.key: c for c in screen.kind.columns}
    by_key = {CF + d["key"]: d for d in defs}
    data = []
    for r in rows:
        item = {}
        for key in columns:
            if key in by_key:
                item[_label(by_key[key])] = _shown((r.get("custom") or {}).get(by_key[key]["key"]))
            elif key in cols:
                value, ref = r.get(key), cols[key].ref
                item[tr(cols[key].field)] = refs.get(ref, {}).get(value, _shown(value)) if ref else _shown(value)
        data.append(item)
    st.dataframe(pd.DataFrame(data), hide_index=True, width="stretch")


def render(screen: RecordScreen) -> None:
    actor = require_actor()
    perm = screen.kind.permission
    st.title(tr(screen.title))
    show_flash()  # what the last create / edit / merge did (said after the rerun that refreshes the list)
    defs = (run_action(screen.fields_q) or []) if screen.fields_q else []
    refs = _refs(screen)
    # A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
    chosen = section(f"{perm}_section", ("list", "new"), "masterdata.tab.", tr(screen.title)) \
        if actor.may(f"{perm}.create") else "list"

    if chosen == "list":
        f1, f2, f3, f4 = st.columns([3, 1.2, 1.5, 1])
        search = f1.text_input(tr("masterdata.search"), key=f"{perm}_search")
        status = f2.selectbox(tr("field.masterdata.active"), ("active", "inactive", "all"), key=f"{perm}_status",
                              format_func=lambda v: tr(f"masterdata.status.{v}"))
        sortable = [c.key for c in screen.kind.columns if c.key in screen.kind.sort_attrs] or ["code"]
        sort = f3.selectbox(tr("masterdata.sort"), sortable, key=f"{perm}_sort",
                            format_func=lambda k: tr(screen.kind.col(k).field))
        descending = f4.checkbox(tr("masterdata.descending"), key=f"{perm}_desc")
        filters: dict[str, Any] = {}
        ref_cols = [c for c in screen.kind.columns if c.ref in ("department", "category")]
        grid = st.columns([3] * len(ref_cols) + [1.5, 6 - len(ref_cols)])
        for i, c in enumerate(ref_cols):
            if c.ref in refs:  # pick a real department / category (code + name), not type its code
                names = refs[c.ref]
                filters[c.key] = grid[i].selectbox(tr(c.field), list(names), index=None, key=f"{perm}_flt_{c.key}",
                                                   format_func=lambda v, names=names: names.get(v, v),
                                                   placeholder=tr("masterdata.filter_all"))
            else:
                filters[c.key] = grid[i].text_input(tr(c.field), key=f"{perm}_flt_{c.key}",
                                                    placeholder=tr("masterdata.filter_code"))
        page_no = grid[len(ref_cols)].number_input(tr("masterdata.page"), min_value=1, value=1, step=1,
                                                   key=f"{perm}_page")
        custom_filters: dict[str, Any] = {}
        if defs:
            with st.expander(tr("masterdata.custom_filters")):
                for d in defs:
                    custom_filters[d["key"]] = st.text_input(_label(d), key=f"{perm}_cff_{d['key']}")
        active = {"active": True, "inactive": False, "all": None}[status]
        page = run_action(screen.list_q, search=search or None, active=active, sort=sort, descending=descending,
                          filters={k: v.strip() for k, v in filters.items() if v and v.strip()},
                          custom_filters={k: v for k, v in custom_filters.items() if v}, page=int(page_no),
                          page_size=50)
        if page is None:
            return
        st.caption(md("masterdata.total", total=page.total))
        _table(screen, page.rows, defs, _chosen_columns(screen, defs), refs)
        if screen.export_q is not None and actor.may(f"{perm}.export"):
            _export(screen, search, active)
        if page.rows:
            _detail(screen, page.rows, defs, refs)

    if chosen == "new":
        _create(screen, defs, refs)


def _export(screen: RecordScreen, search: str | None, active: bool | None) -> None:
    perm = screen.kind.permission
    c1, c2 = st.columns([1, 3])
    fmt = c1.selectbox(tr("masterdata.export_format"), ("xlsx", "csv"), key=f"{perm}_fmt")
    if c2.button(tr("masterdata.export"), key=f"{perm}_export", icon=":material/download:"):
        f = run_action(screen.export_q, fmt=fmt, search=search or None, active=active)
        if f is not None:
            st.download_button(md("masterdata.download", name=f.filename), f.data, file_name=f.filename,
                               mime=f.mime, key=f"{perm}_dl")


def _create(screen: RecordScreen, defs: list[dict[str, Any]], refs: Refs) -> None:
    """The new-record form keeps what was typed when the save is refused (bad input, a look-alike to confirm) and
    clears once the record is created; the rerun that clears it also shows the new record in the list."""
    perm = screen.kind.permission
    with st.form(f"{perm}_new_form", clear_on_submit=False):
        values, custom = _form_fields(screen, {}, defs, f"{perm}_new", refs)
        confirm = st.checkbox(tr("masterdata.confirm_duplicates"), key=f"{perm}_confirm") \
            if screen.duplicates_q else False
        submitted = st.form_submit_button(tr("masterdata.save"), type="primary")
    if submitted:
        kwargs: dict[str, Any] = {"values": values}
        if screen.fields_q is not None:
            kwargs["custom"] = custom
        if screen.duplicates_q is not None:
            kwargs["confirm_duplicates"] = confirm
        new_id = run_action(screen.create, **kwargs)
        if new_id is not None:
            st.session_state[f"{perm}_selected"] = new_id
            # forgetting the section opens the list (the first section) on the new record
            succeed("masterdata.created", forget=[*_form_keys(screen, defs, f"{perm}_new"), f"{perm}_confirm",
                                                  f"{perm}_section"], code=values.get("code") or "")


def _detail(screen: RecordScreen, rows: list[dict[str, Any]], defs: list[dict[str, Any]], refs: Refs) -> None:
    actor = require_actor()
    perm = screen.kind.permission
    st.divider()
    ids = [r["id"] for r in rows]
    names = {r["id"]: f"{r['code']} {r.get('name') or ''}" for r in rows}
    chosen = st.selectbox(tr("masterdata.select"), ids, key=f"{perm}_pick", format_func=lambda i: names[i])
    record = run_action(screen.get_q, **{screen.id_param: chosen})
    if record is None:
        return
    st.subheader(md_escape(names[chosen]))
    if record.get("merged_into"):
        st.warning(md("masterdata.merged_into", id=record["merged_into"]))
    if actor.may(f"{perm}.edit") and not record.get("merged_into"):
        with st.form(f"{perm}_edit_form_{chosen}"):
            values, custom = _form_fields(screen, record, defs, f"{perm}_edit_{chosen}_{record['version']}", refs)
            confirm = st.checkbox(tr("masterdata.confirm_duplicates"), key=f"{perm}_edit_confirm_{chosen}") \
                if screen.duplicates_q else False
            saved = st.form_submit_button(tr("masterdata.save"), type="primary")
        if saved:
            kwargs: dict[str, Any] = {screen.id_param: chosen, "version": record["version"], "values": values}
            if screen.fields_q is not None:
                kwargs["custom"] = custom
            if screen.duplicates_q is not None:
                kwargs["confirm_duplicates"] = confirm
            if done(screen.edit, **kwargs):  # rerun: the list above shows the change at once
                succeed("masterdata.saved")
    else:
        st.json({tr(c.field): str(record.get(c.key)) for c in screen.kind.columns})
    if actor.may(f"{perm}.deactivate") and not record.get("merged_into"):
        label = "masterdata.deactivate" if record["active"] else "masterdata.activate"
        if st.button(tr(label), key=f"{perm}_toggle_{chosen}"):
            if done(screen.set_active, **{screen.id_param: chosen, "version": record["version"],
                                          "active": not record["active"]}):
                succeed("masterdata.saved")
    if screen.children:
        _children(screen, record, chosen)
    if screen.merge is not None and actor.may(f"{perm}.merge") and not record.get("merged_into"):
        _merge(screen, record, chosen, rows)


def _children(screen: RecordScreen, record: dict[str, Any], chosen: int) -> None:
    perm = screen.kind.permission
    may_edit = require_actor().may(f"{perm}.edit")
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{tr('masterdata.contacts')}**")
        for c in record.get("contacts", []):
            st.markdown(" · ".join(md_escape(c.get(k) or "") for k in ("name", "position", "phone", "email")))
            if may_edit and st.button(tr("masterdata.remove"), key=f"{perm}_rmc_{c['id']}"):
                run_action(screen.children["remove_contact"], **{screen.id_param: chosen, "contact_id": c["id"]})
        if may_edit:
            # Kept filled when refused (a look-alike phone asks for the confirmation box), cleared once added.
            with st.form(f"{perm}_contact_{chosen}"):
                keys = {k: f"{perm}_c_{k}_{chosen}" for k in ("name", "position", "phone", "email", "confirm")}
                v = {k: st.text_input(tr(f"field.masterdata.{f}"), key=keys[k])
                     for k, f in (("name", "contact_name"), ("position", "position"), ("phone", "phone"),
                                  ("email", "email"))}
                confirm = st.checkbox(tr("masterdata.confirm_duplicates"), key=keys["confirm"])
                if st.form_submit_button(tr("masterdata.add")):
                    added = run_action(screen.children["add_contact"],
                                       **{screen.id_param: chosen, "values": v, "confirm_duplicates": confirm})
                    if added is not None:
                        succeed("masterdata.saved", forget=keys.values())
            show_flash()
    with c2:
        st.markdown(f"**{tr('masterdata.addresses')}**")
        for a in record.get("addresses", []):
            st.markdown(f"{tr('masterdata.option.' + a['kind'])} · {md_escape(a['address'])} · "
                        f"{md_escape(a.get('receiver') or '')}")
            if may_edit and st.button(tr("masterdata.remove"), key=f"{perm}_rma_{a['id']}"):
                run_action(screen.children["remove_address"], **{screen.id_param: chosen, "address_id": a["id"]})
        if may_edit:
            # Kept filled when refused (an empty address, a bad phone), cleared once added (message after the rerun).
            with st.form(f"{perm}_address_{chosen}", clear_on_submit=False):
                kind = st.selectbox(tr("field.masterdata.address_kind"), ("shipping", "billing"),
                                    format_func=lambda v: tr("masterdata.option." + v), key=f"{perm}_ak_{chosen}")
                v = {k: st.text_input(tr(f"field.masterdata.{k}"), key=f"{perm}_a_{k}_{chosen}")
                     for k in ("address", "receiver", "phone")}
                if st.form_submit_button(tr("masterdata.add")):
                    if run_action(screen.children["add_address"],
                                  **{screen.id_param: chosen, "values": {**v, "kind": kind}}) is not None:
                        succeed("masterdata.saved", forget=[f"{perm}_ak_{chosen}",
                                                            *(f"{perm}_a_{k}_{chosen}" for k in v)])


def _merge(screen: RecordScreen, record: dict[str, Any], chosen: int, rows: list[dict[str, Any]]) -> None:
    """Merge a duplicate into the record shown: nothing is chosen until the user picks it, both records are shown
    side by side, and the merge needs the confirmation box. The merge names the versions shown, so a record
    changed by someone else since is refused (erp_core checks them)."""
    perm = screen.kind.permission
    with st.expander(tr("masterdata.merge_title")):
        dups = run_action(screen.duplicates_q, values={k: record.get(k) for k in ("name", "tax_id", "phone")},
                          except_id=chosen) if screen.duplicates_q else []
        candidates = {d["id"]: f"{d['code']} {d['name']}" for d in (dups or [])}
        candidates.update({r["id"]: f"{r['code']} {r.get('name')}" for r in rows if r["id"] != chosen
                           and not r.get("merged_into")})
        if not candidates:
            st.caption(tr("masterdata.no_candidates"))
            return
        if dups:  # each look-alike with why (same tax ID / phone / name, similar name with its score)
            st.warning(md("masterdata.possible_duplicates",
                          names="; ".join(f"{candidates[d['id']]} ({d['why']})" if d.get("why")
                                          else candidates[d["id"]] for d in dups)))
        pick_key = f"{perm}_merge_{chosen}"
        other = st.selectbox(tr("masterdata.merge.pick"), list(candidates), index=None, key=pick_key,
                             format_func=lambda i: candidates[i], placeholder=tr("masterdata.merge.pick_placeholder"))
        st.caption(tr("masterdata.merge_help"))
        if other is None or screen.merge_preview_q is None:
            return
        cards = run_action(screen.merge_preview_q, survivor_id=chosen, duplicate_id=other)
        if cards is None:
            return
        keep, away = cards["survivor"], cards["duplicate"]
        shown_key = f"{perm}_merge_shown_{chosen}_{other}"
        shown = st.session_state.setdefault(shown_key, (keep["version"], away["version"]))
        st.caption(tr("masterdata.merge.compare"))
        _compare(screen, keep, away)
        if tuple(shown) != (keep["version"], away["version"]):
            st.warning(tr("masterdata.merge.stale"), icon=":material/sync_problem:")
            if st.button(tr("masterdata.merge.reload"), key=f"{shown_key}_reload"):
                st.session_state.pop(shown_key, None)
                st.rerun()
        keep_label, away_label = f"{keep['code']} {keep['name']}", f"{away['code']} {away['name']}"
        confirm_key = f"{perm}_merge_ok_{chosen}_{other}"
        ok = st.checkbox(md("masterdata.merge.confirm", away=away_label, keep=keep_label), key=confirm_key)
        clicked = st.button(tr("masterdata.merge"), key=f"{perm}_merge_btn_{chosen}", type="primary")
        if clicked and not ok:  # said, not silently ignored: a disabled button does not tell why
            st.error(tr("masterdata.merge.confirm_first"), icon=":material/check_box:")
        elif clicked:
            moved = run_action(screen.merge, survivor_id=chosen, duplicate_id=other, survivor_version=shown[0],
                               duplicate_version=shown[1])
            if moved is not None:
                succeed("masterdata.merged", forget=[shown_key, confirm_key, pick_key], count=sum(moved.values()))


def _compare(screen: RecordScreen, keep: dict[str, Any], away: dict[str, Any]) -> None:
    """The two records side by side, one row per field, as plain text cells."""
    def cell(card: dict[str, Any], key: str) -> str:
        value = card.get(key)
        if key == "contacts":
            return "; ".join(value or [])
        if key == "active":
            return tr("masterdata.status.active" if value else "masterdata.status.inactive")
        if key in ("credit_limit", "ledger_balance"):
            return "" if value is None else money(value)
        return _shown(value)

    rows = [("code", tr("field.masterdata.code")), ("name", tr("field.masterdata.name")),
            ("tax_id", tr("field.masterdata.tax_id")), ("phone", tr("field.masterdata.phone")),
            ("contacts", tr("masterdata.merge.contacts")), ("email", tr("field.masterdata.email")),
            ("address", tr("field.masterdata.address")), ("department", tr("field.masterdata.department")),
            ("owner", tr(screen.kind.col("owner").field)), ("credit_limit", tr("field.masterdata.credit_limit")),
            ("active", tr("field.masterdata.active")), ("ledger_balance", tr("masterdata.merge.balance"))]
    st.dataframe(pd.DataFrame({
        tr("masterdata.merge.item"): [label for _k, label in rows],
        tr("masterdata.merge.keep", record=f"{keep['code']} {keep['name']}"): [cell(keep, k) for k, _l in rows],
        tr("masterdata.merge.away", record=f"{away['code']} {away['name']}"): [cell(away, k) for k, _l in rows],
    }), hide_index=True, width="stretch")
