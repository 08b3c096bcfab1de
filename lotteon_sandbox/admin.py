"""Admin endpoints under /__admin__/ (no auth): reset, scenario set-up, faults, inspection, HTML view.

The product's tests drive the sandbox through these calls, so their shapes are a contract; see
README.md.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from .codes import (
    COURIER_CODES,
    COURIER_NAMES,
    DV,
    RETRIEVAL_TYPES,
    RTRV,
    STEP_CANCELLED,
    STEP_NEW,
    STEP_PREPARING,
    STEP_RETRIEVAL,
    STEP_RETRIEVING,
    STEP_SHIPPED,
    as_int,
    as_key_part,
    fmt_dttm,
    normalize_invoice,
    now_kst,
    parse_dttm,
)
from .generate import (
    DEMO_SUPPLIER,
    OVERRIDABLE,
    SINGLE_ITEM_NAME,
    add_shop,
    build_order_lines,
    make_supplier,
    next_tr_no,
    random_invoice,
    random_party,
)
from .model import Item, Line, Product, Shop, Supplier, parse_allowed_ips
from .state import DEFAULT_DAYS, DEFAULT_LINES, DEFAULT_SEED, Sandbox

JSON = "application/json;charset=UTF-8"
ORDER_STATES = ("new", "linked", "shipped", "cancelled")
STEP_LABELS = {
    STEP_NEW: "11 출고지시",
    STEP_PREPARING: "12 상품준비",
    STEP_SHIPPED: "13 발송완료",
    STEP_CANCELLED: "21 취소완료",
    STEP_RETRIEVAL: "23 회수지시",
    STEP_RETRIEVING: "24 회수진행",
}
HTML_ORDER_ROWS = 200
HTML_CALL_ROWS = 50


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def handle(sb: Sandbox, method: str, path: str, query: dict[str, str], raw: bytes) -> tuple[int, str, bytes]:
    parts = [p for p in path[len("/__admin__") :].split("/") if p]
    try:
        body = _parse(raw)
        if method == "GET" and not parts:
            return 200, "text/html; charset=UTF-8", render_html(sb, query).encode()
        status, payload = _route(sb, method, parts, query, body)
    except AdminError as exc:
        status, payload = exc.status, {"error": str(exc)}
    return status, JSON, json.dumps(payload, ensure_ascii=False).encode()


def _parse(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise AdminError(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise AdminError(400, "body must be a JSON object")
    return body


def _route(sb: Sandbox, method: str, parts: list[str], query: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
    match method, parts:
        case "GET", ["health"]:
            return 200, {"ok": True}
        case "POST", ["reset"]:
            return 200, reset(sb, body)
        case "POST", ["orders"]:
            return 201, create_order(sb, body)
        case "POST", ["orders", od_no, "cancel"]:
            return 200, cancel_order(sb, od_no, body)
        case "POST", ["orders", od_no, "cancel-request"]:
            return 200, request_cancel(sb, od_no, body)
        case "POST", ["orders", od_no, "cancel-withdrawal"]:
            return 200, withdraw_cancel(sb, od_no, body)
        case "POST", ["orders", od_no, "retrieval"]:
            return 201, create_retrieval(sb, od_no, body)
        case "POST", ["orders", od_no, "link"]:
            return 200, link_order(sb, od_no, body)
        case "POST", ["orders", od_no, "ship"]:
            return 200, ship_order(sb, od_no, body)
        case "POST", ["products"]:
            return 201, create_product(sb, body)
        case "POST", ["faults"]:
            fault = sb.add_fault(_fault_spec(body))
            return 201, fault.as_dict()
        case "GET", ["faults"]:
            with sb.lock:
                return 200, {"faults": [f.as_dict() for f in sb.faults]}
        case "DELETE", ["faults"]:
            sb.clear_faults()
            return 200, {"ok": True}
        case "POST", ["rate-limit"]:
            return 200, rate_limit(sb, body)
        case "POST", ["suppliers"]:
            return 200, upsert_supplier(sb, body)
        case "GET", ["state"]:
            return 200, state(sb, query.get("apiKey") or None)
        case "GET", ["calls"]:
            since = as_int(query.get("since") or 0)
            if since is None:
                raise AdminError(400, "since must be an integer call id")
            return 200, {"calls": sb.calls_since(since)}
    raise AdminError(404, f"no admin endpoint {method} /__admin__/{'/'.join(parts)}")


# reset and suppliers


def _int(body: dict[str, Any], name: str, default: int, minimum: int = 0) -> int:
    value = body.get(name, default)
    number = as_int(value)
    if number is None or number < minimum:
        raise AdminError(400, f"{name} must be an integer >= {minimum}")
    return number


def reset(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    suppliers = body.get("suppliers")
    if suppliers is not None:
        if not isinstance(suppliers, list) or not all(isinstance(s, dict) and s.get("apiKey") for s in suppliers):
            raise AdminError(400, "suppliers must be a list of objects, each with an apiKey")
        for entry in suppliers:
            _check_ips(entry.get("allowedIps"))
    return sb.reset(
        seed=_int(body, "seed", DEFAULT_SEED),
        lines=_int(body, "lines", DEFAULT_LINES),
        days=_int(body, "days", DEFAULT_DAYS, minimum=1),
        suppliers=suppliers,
    )


def _check_ips(value: Any) -> None:
    try:
        parse_allowed_ips(value)
    except ValueError as exc:
        raise AdminError(400, f"allowedIps: {exc}") from exc


def upsert_supplier(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    api_key = body.get("apiKey")
    if not api_key or not isinstance(api_key, str):
        raise AdminError(400, "apiKey is required")
    if "allowedIps" in body:
        _check_ips(body["allowedIps"])
    with sb.lock:
        world = sb.world
        current = world.suppliers.get(api_key)
        entry: dict[str, Any] = current.as_dict() if current else {"apiKey": api_key}
        entry.update({k: v for k, v in body.items() if k in Supplier.__dataclass_fields__ and k != "networks"})
        supplier = make_supplier(entry)
        if not supplier.trNo:
            supplier.trNo = next_tr_no(world)
        world.suppliers[api_key] = supplier
        if supplier.trNo not in world.shops:
            add_shop(world, supplier, seed=sb.seed, now=now_kst())
        return supplier.as_dict()


def rate_limit(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    per_minute = _int(body, "perMinute", -1)
    api_key = body.get("apiKey") or None
    with sb.lock:
        sb.limiter.set(per_minute, api_key)
    return {"perMinute": per_minute, "apiKey": api_key}


def _fault_spec(body: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    count = as_int(body.get("count", 1))
    if count is None or count == 0 or count < -1:
        raise AdminError(400, "count must be a positive integer or -1 (until cleared)")
    spec["count"] = count
    if body.get("status") is not None:
        status = as_int(body["status"])
        if status is None or not 100 <= status <= 599:
            raise AdminError(400, "status must be an HTTP status code")
        spec["status"] = status
    if body.get("path") is not None:
        spec["path"] = str(body["path"])
    try:
        spec["delay"] = float(body.get("delay") or 0)
    except (TypeError, ValueError) as exc:
        raise AdminError(400, "delay must be a number of seconds") from exc
    if spec["delay"] < 0:
        raise AdminError(400, "delay must be >= 0")
    spec["malformed"] = bool(body.get("malformed", False))
    if body.get("returnCode") is not None:
        spec["returnCode"] = str(body["returnCode"])
    if body.get("retryAfter") is not None:
        retry = as_int(body["retryAfter"])
        if retry is None or retry < 0:
            raise AdminError(400, "retryAfter must be seconds >= 0")
        spec["retryAfter"] = retry
    spec["noRetryAfter"] = bool(body.get("noRetryAfter", False))
    spec["afterApply"] = bool(body.get("afterApply", False))
    if "status" not in spec and not spec["malformed"] and "returnCode" not in spec and not spec["delay"]:
        spec["status"] = 500
    return spec


# orders


def _supplier(sb: Sandbox, api_key: Any) -> tuple[Supplier, Shop]:
    key = api_key or DEMO_SUPPLIER["apiKey"]
    supplier = sb.world.suppliers.get(key)
    if supplier is None:
        raise AdminError(404, f"unknown apiKey {key!r}")
    return supplier, sb.world.shop_for(supplier)


def _resolve_item(shop: Shop, spec: Any) -> tuple[Product, Item, int, int | None]:
    if not isinstance(spec, dict):
        raise AdminError(400, "each line must be an object with eitmNo, epdNo or sitmNo")
    sitm, eitm, epd = (as_key_part(spec.get(n)) for n in ("sitmNo", "eitmNo", "epdNo"))
    found = shop.find_items(sitm_no=sitm, eitm_no=eitm, epd_no=epd)
    label = f"sitmNo={sitm}" if sitm else f"eitmNo={eitm}" if eitm else f"epdNo={epd}" if epd else ""
    if not label:
        raise AdminError(400, "each line needs eitmNo, epdNo (single products) or sitmNo")
    if not found:
        raise AdminError(400, f"no item with {label} in supplier {shop.trNo}'s catalog")
    if len(found) > 1:
        raise AdminError(400, f"{label} matches {len(found)} items; name the line by sitmNo")
    qty = as_int(spec.get("odQty", 1))
    if qty is None or qty < 1:
        raise AdminError(400, "odQty must be an integer >= 1")
    price = as_int(spec["slPrc"]) if spec.get("slPrc") is not None else None
    if spec.get("slPrc") is not None and (price is None or price < 0):
        raise AdminError(400, "slPrc must be an integer >= 0")
    product, item = found[0]
    return product, item, qty, price


def _event_time(owho: str) -> str:
    now = fmt_dttm(now_kst())
    return max(now, owho)


def create_order(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    state_name = body.get("state", "new")
    if state_name not in ORDER_STATES:
        raise AdminError(400, f"state must be one of {', '.join(ORDER_STATES)}")
    specs = body.get("lines")
    if not isinstance(specs, list) or not specs:
        raise AdminError(400, "lines must be a non-empty list")
    owho_raw = body.get("owhoDttm")
    owho_dt = parse_dttm(owho_raw) if owho_raw else now_kst()
    if owho_dt is None:
        raise AdminError(400, "owhoDttm must be 14-digit yyyyMMddHHmmss (KST)")
    owho = fmt_dttm(owho_dt)
    od_cmpt = body.get("odCmptDttm") or owho
    if parse_dttm(od_cmpt) is None:
        raise AdminError(400, "odCmptDttm must be 14-digit yyyyMMddHHmmss (KST)")
    overrides = {k: v for k, v in body.items() if k in OVERRIDABLE}
    if isinstance(body.get("recipient"), dict):
        overrides.update({k: v for k, v in body["recipient"].items() if k in OVERRIDABLE})
    with sb.lock:
        world = sb.world
        supplier, shop = _supplier(sb, body.get("apiKey"))
        picks = [_resolve_item(shop, spec) for spec in specs]
        od_no = as_key_part(body.get("odNo"))
        if od_no:
            if not re.fullmatch(r"\d{16}", od_no):
                raise AdminError(400, "odNo must be 16 digits (yyyyMMdd + 8 digits)")
            if od_no in world.order_shop:
                raise AdminError(409, f"order {od_no} already exists")
        else:
            od_no = world.ids.order(od_cmpt[:8])
            while od_no in world.order_shop:
                od_no = world.ids.order(od_cmpt[:8])
        party = random_party(world.rng)
        party.update(overrides)
        lines = build_order_lines(
            world, shop, [(p, i, q) for p, i, q, _ in picks],
            od_no=od_no, od_cmpt=od_cmpt, owho=owho, party=party, rng=world.rng, discounts=False,
        )
        for line, (_, _, qty, price) in zip(lines, picks, strict=True):
            if price is not None:
                line.row.update(slPrc=price, slAmt=price * qty, actualAmt=price * qty)
            line.history[0]["source"] = "admin"
            shop.add_line(line)
        world.order_shop[od_no] = shop
        at = _event_time(owho)
        if state_name in ("linked", "shipped"):
            for line in lines:
                shop.link(line, "Y", "", at, "admin")
        if state_name == "shipped":
            dv_co, invc = _courier_and_invoice(sb, body)
            for line in lines:
                shop.ship(line, dv_co, invc, 1, at, at, "admin")
        if state_name == "cancelled":
            shop.cancel([(line, line.row["odQty"]) for line in lines], world.ids.claim(at[:8]), at,
                        "101", "단순 변심", "admin")
        return {"odNo": od_no, "lines": [dict(line.row) for line in lines]}


def _courier_and_invoice(sb: Sandbox, body: dict[str, Any]) -> tuple[str, str]:
    dv_co = as_key_part(body.get("dvCoCd") or "0002")
    if dv_co not in COURIER_CODES:
        raise AdminError(400, f"dvCoCd {dv_co} is not in the DV_CO_CD list")
    raw = body.get("invcNo")
    invc = normalize_invoice(raw) if raw else random_invoice(sb.world.rng, dv_co)
    if invc is None:
        raise AdminError(400, "invcNo must be 1-15 letters or digits after removing spaces and dashes")
    return dv_co, invc


def _order_lines(
    sb: Sandbox, od_no: str, body: dict[str, Any] | None = None, direction: str = DV
) -> tuple[Shop, list[Line]]:
    """The order's lines of one direction (delivery lines unless asked), optionally only some `odSeq`."""
    shop = sb.world.order_shop.get(od_no)
    if shop is None:
        raise AdminError(404, f"no order {od_no}")
    lines = [line for line in shop.orders[od_no] if line.row["dvRtrvDvsCd"] == direction]
    wanted = (body or {}).get("odSeq")
    if wanted not in (None, ""):
        seqs = {as_key_part(s) for s in (wanted if isinstance(wanted, list) else [wanted])}
        lines = [line for line in lines if line.row["odSeq"] in seqs]
        if not lines:
            raise AdminError(404, f"order {od_no} has no line with odSeq {sorted(seqs)}")
    return shop, lines


def _admin_rows(shop: Shop, lines: list[Line]) -> list[dict[str, Any]]:
    return [line.admin_row(shop.trNo) for line in lines]


def cancel_order(sb: Sandbox, od_no: str, body: dict[str, Any]) -> dict[str, Any]:
    """Buyer cancellation, decision row 13: whole lines go to 21, a smaller cnclQty lowers odQty."""
    with sb.lock:
        shop, lines = _order_lines(sb, od_no, body)
        explicit = body.get("odSeq") not in (None, "")
        live = [line for line in lines if line.step != STEP_CANCELLED]
        if not live:
            raise AdminError(409, f"order {od_no}: the lines are already cancelled")
        blocked = [line for line in live if line.step not in (STEP_NEW, STEP_PREPARING)]
        if blocked and explicit:
            raise AdminError(
                409, f"order {od_no}: a line in step {blocked[0].step} cannot be cancelled by the buyer"
            )
        live = [line for line in live if line.step in (STEP_NEW, STEP_PREPARING)]
        if not live:
            raise AdminError(409, f"order {od_no}: no line in step 11 or 12 to cancel")
        qty = body.get("cnclQty")
        targets = []
        for line in live:
            request = shop.open_requests.get(line.key)
            if request is not None:
                # Completing a buyer's request: the quantity is the one requested.
                requested = request[0].items[request[1]]["cnclQty"]
                if qty is not None and as_int(qty) != requested:
                    raise AdminError(
                        400, f"line {line.row['odSeq']} has a cancellation request for {requested}: cnclQty must match"
                    )
                targets.append((line, requested))
                continue
            targets.append((line, _cancel_qty(line, qty)))
        at = fmt_dttm(now_kst())
        claim = shop.cancel(
            targets, sb.world.ids.claim(at[:8]), at,
            as_key_part(body.get("clmRsnCd") or "101"), str(body.get("clmRsnCnts") or "단순 변심"), "admin",
        )
        return {"odNo": od_no, "clmNo": claim.clmNo, "claim": claim.as_row(), "lines": _admin_rows(shop, lines)}


def _cancel_qty(line: Line, qty: Any) -> int:
    remaining = line.row["odQty"]
    wanted = remaining if qty is None else as_int(qty)
    if wanted is None or not 1 <= wanted <= remaining:
        raise AdminError(400, f"cnclQty must be 1..{remaining} for line {line.row['odSeq']}")
    return wanted


def request_cancel(sb: Sandbox, od_no: str, body: dict[str, Any]) -> dict[str, Any]:
    """A buyer's cancellation request (50 step 02) on lines in 11 or 12. The lines do not change."""
    with sb.lock:
        shop, lines = _order_lines(sb, od_no, body)
        explicit = body.get("odSeq") not in (None, "")
        open_ = [line for line in lines if line.step in (STEP_NEW, STEP_PREPARING)
                 and line.key not in shop.open_requests]
        blocked = [line for line in lines if line not in open_]
        if blocked and explicit:
            line = blocked[0]
            reason = ("already has an open cancellation request" if line.key in shop.open_requests
                      else f"is in step {line.step}")
            raise AdminError(409, f"order {od_no}: line {line.row['odSeq']} {reason}")
        if not open_:
            raise AdminError(409, f"order {od_no}: no line in step 11 or 12 without an open cancellation request")
        qty = body.get("cnclQty")
        targets = [(line, _cancel_qty(line, qty)) for line in open_]
        at = fmt_dttm(now_kst())
        claim = shop.request_cancel(
            targets, sb.world.ids.claim(at[:8]), at,
            as_key_part(body.get("clmRsnCd") or "101"), str(body.get("clmRsnCnts") or "단순 변심"), "admin",
        )
        return {"odNo": od_no, "clmNo": claim.clmNo, "claim": claim.as_row(), "lines": _admin_rows(shop, lines)}


def withdraw_cancel(sb: Sandbox, od_no: str, body: dict[str, Any]) -> dict[str, Any]:
    """The buyer withdraws open cancellation requests (50 step 22). The lines do not change."""
    with sb.lock:
        shop, lines = _order_lines(sb, od_no, body)
        requested = [line for line in lines if line.key in shop.open_requests]
        if not requested:
            raise AdminError(409, f"order {od_no}: no open cancellation request to withdraw")
        claims = shop.withdraw_cancel(requested, fmt_dttm(now_kst()), "admin")
        return {"odNo": od_no, "clmNo": claims[0].clmNo, "claims": [c.as_row() for c in claims],
                "lines": _admin_rows(shop, lines)}


def create_retrieval(sb: Sandbox, od_no: str, body: dict[str, Any]) -> dict[str, Any]:
    """A retrieval instruction (209 step 23, dvRtrvDvsCd RTRV) for a shipped line: a return (odTypCd 40)
    or an exchange pick-up (30)."""
    kind = str(body.get("type") or "return")
    if kind not in RETRIEVAL_TYPES:
        raise AdminError(400, f"type must be one of {', '.join(RETRIEVAL_TYPES)}")
    owho_raw = body.get("owhoDttm")
    owho_dt = parse_dttm(owho_raw) if owho_raw else now_kst()
    if owho_dt is None:
        raise AdminError(400, "owhoDttm must be 14-digit yyyyMMddHHmmss (KST)")
    with sb.lock:
        shop, lines = _order_lines(sb, od_no, body)
        if len(lines) != 1:
            raise AdminError(400, f"order {od_no} has {len(lines)} lines: name one with odSeq")
        origin = lines[0]
        if origin.step != STEP_SHIPPED:
            raise AdminError(409, f"order {od_no}: line {origin.row['odSeq']} is in step {origin.step}, not shipped (13)")
        owho = fmt_dttm(owho_dt)
        if owho < origin.owhoDttm:
            raise AdminError(400, "owhoDttm must not be before the original line's delivery instruction")
        available = origin.row["odQty"] - shop.retrieved_qty(origin)
        if available < 1:
            raise AdminError(409, f"order {od_no}: line {origin.row['odSeq']} has already been retrieved in full")
        qty = _int(body, "odQty", available, minimum=1)
        if qty > available:
            raise AdminError(400, f"odQty must be 1..{available}")
        at = _event_time(owho)
        line = shop.retrieval(
            origin, RETRIEVAL_TYPES[kind], qty, sb.world.ids.claim(at[:8]), owho, at,
            as_key_part(body.get("clmRsnCd") or "201"), str(body.get("clmRsnCnts") or "단순 변심"), "admin",
        )
        return {"odNo": od_no, "clmNo": line.row["clmNo"], "line": dict(line.row),
                "lines": _admin_rows(shop, shop.orders[od_no])}


def link_order(sb: Sandbox, od_no: str, body: dict[str, Any]) -> dict[str, Any]:
    """Another tool sends 210 for every line it still can: Y by default, or N with ``ifFlRsnCnts``."""
    yn = str(body.get("ifCplYN") or "Y").upper()
    reason = str(body.get("ifFlRsnCnts") or "")
    if yn not in ("Y", "N"):
        raise AdminError(400, "ifCplYN must be Y or N")
    if yn == "N" and not reason:
        raise AdminError(400, "ifCplYN N needs ifFlRsnCnts")
    direction = str(body.get("dvRtrvDvsCd") or DV).upper()
    if direction not in (DV, RTRV):
        raise AdminError(400, "dvRtrvDvsCd must be DV or RTRV")
    with sb.lock:
        shop, lines = _order_lines(sb, od_no, direction=direction)
        at = fmt_dttm(now_kst())
        linked = [line for line in lines if shop.link(line, yn, reason, at, "admin (another tool)") is None]
        return {"odNo": od_no, "linked": len(linked), "lines": _admin_rows(shop, lines)}


def ship_order(sb: Sandbox, od_no: str, body: dict[str, Any]) -> dict[str, Any]:
    """Another tool ships the order (137 step 13) for every line in 11 or 12."""
    with sb.lock:
        shop, lines = _order_lines(sb, od_no, body)
        dv_co, invc = _courier_and_invoice(sb, body)
        at = fmt_dttm(now_kst())
        shipped = [line for line in lines if shop.ship(line, dv_co, invc, 1, at, at, "admin (another tool)") is None]
        if not shipped:
            raise AdminError(409, f"order {od_no}: no line in step 11 or 12 to ship")
        return {"odNo": od_no, "dvCoCd": dv_co, "invcNo": invc, "lines": _admin_rows(shop, lines)}


# products


def create_product(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("spdNm")
    if not name or not isinstance(name, str):
        raise AdminError(400, "spdNm is required")
    epd = as_key_part(body.get("epdNo"))
    options = body.get("options") or []
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        raise AdminError(400, "options must be a list of objects {eitmNo, sitmNm, stkQty}")
    stk_mgt = str(body.get("stkMgtYn") or "Y").upper()
    if stk_mgt not in ("Y", "N"):
        raise AdminError(400, "stkMgtYn must be Y or N")
    base_price = _int(body, "slPrc", 10000)
    single_stock = _int(body, "stkQty", 10)
    with sb.lock:
        world = sb.world
        _, shop = _supplier(sb, body.get("apiKey"))
        spd_no, sitm_nos = world.ids.product(max(1, len(options)))
        now = fmt_dttm(now_kst())
        product = Product(
            spdNo=spd_no, epdNo=epd, spdNm=name, trNo=shop.trNo, scatNo=str(body.get("scatNo") or "ET0101"),
            regDttm=str(body.get("regDttm") or now), slStrtDttm=now, slEndDttm="29991231235959", stkMgtYn=stk_mgt,
        )
        for field_name in ("catAprvStatCd", "pdInfoAprvStatCd", "fnlAprvYn", "catGvbkRsnCnts", "pdInfoGvbkRsnCnts"):
            if body.get(field_name) is not None:
                setattr(product, field_name, str(body[field_name]))
        if options:
            for seq, (option, sitm_no) in enumerate(zip(options, sitm_nos, strict=True), start=1):
                label = str(option.get("sitmNm") or option.get("eitmNo") or f"옵션{seq}")
                values = [v.strip() for v in label.split("/") if v.strip()]
                product.items.append(
                    _new_item(
                        sitm_no, as_key_part(option.get("eitmNo")), label,
                        [(f"옵션{i}", v, v) for i, v in enumerate(values, start=1)],
                        _int(option, "slPrc", base_price), _int(option, "stkQty", 10), seq, stk_mgt,
                    )
                )
        else:
            product.items.append(_new_item(sitm_nos[0], "", SINGLE_ITEM_NAME, [], base_price, single_stock, 1, stk_mgt))
        shop.add_product(product)
        return product.detail()


def _new_item(
    sitm_no: str, eitm_no: str, name: str, options: list[tuple[str, str, str]], price: int, stock: int, seq: int,
    stk_mgt: str,
) -> Item:
    item = Item(sitmNo=sitm_no, eitmNo=eitm_no, sitmNm=name, options=options, slPrc=price,
                stkQty=stock if stk_mgt == "Y" else 0, sortSeq=seq)
    if stk_mgt == "Y" and stock == 0:
        item.slStatCd, item.slStatRsnCd = "SOUT", "SOUT_STK"
    return item


# inspection


def state(sb: Sandbox, api_key: str | None) -> dict[str, Any]:
    with sb.lock:
        world = sb.world
        if api_key is not None:
            supplier = world.suppliers.get(api_key)
            if supplier is None:
                raise AdminError(404, f"unknown apiKey {api_key!r}")
            shops = [world.shop_for(supplier)]
        else:
            shops = list(world.shops.values())
        orders, stock, claims = [], [], []
        for shop in shops:
            lines = sorted(shop.lines.values(), key=lambda line: line.sort_key)
            orders.extend(line.admin_row(shop.trNo) for line in lines)
            for product in shop.products:
                stock.extend({"trNo": shop.trNo, **row} for row in product.stock_rows())
            claims.extend({"trNo": shop.trNo, **claim.as_row()} for claim in shop.claims)
        return {
            "suppliers": [s.as_dict() for s in world.suppliers.values()],
            "rateLimit": {"perMinute": sb.limiter.per_minute, "perKey": dict(sb.limiter.per_key)},
            "faults": [f.as_dict() for f in sb.faults],
            "orders": orders,
            "stock": stock,
            "claims": claims,
        }


# HTML view

_CSS = """
body{font-family:-apple-system,"Malgun Gothic","Apple SD Gothic Neo",sans-serif;margin:1.5rem;color:#222;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .4rem;border-bottom:2px solid #e5173f}
h3{font-size:1rem;margin:1rem 0 .3rem}.muted{color:#777;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.8rem;background:#fff;margin-bottom:.5rem}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;white-space:nowrap}
th{background:#f0f0f0;position:sticky;top:0}tr:nth-child(even) td{background:#fcfcfc}
.s11{color:#0a5}.s12{color:#06c}.s13{color:#639}.s21{color:#c00;text-decoration:line-through}
.s23,.s24{color:#b60}
.bad{color:#c00;font-weight:bold}.ok{color:#0a5}code{font-size:.8rem}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(sb: Sandbox, query: dict[str, str]) -> str:
    refresh = as_int(query.get("refresh") or 0) or 0
    with sb.lock:
        world = sb.world
        calls = list(sb.calls)[-HTML_CALL_ROWS:][::-1]
        parts = [
            "<!doctype html><html lang='ko'><head><meta charset='utf-8'>",
            f"<meta http-equiv='refresh' content='{refresh}'>" if refresh > 0 else "",
            f"<title>LotteON sandbox</title><style>{_CSS}</style></head><body>",
            "<h1>LotteON sandbox</h1>",
            f"<div class='muted'>{_e(now_kst().strftime('%Y-%m-%d %H:%M:%S KST'))} · seed {sb.seed} · "
            f"rate limit {sb.limiter.per_minute}/min per key · {len(sb.faults)} fault(s) pending · "
            "JSON: <a href='/__admin__/state'>state</a>, <a href='/__admin__/calls'>calls</a> · "
            "add <code>?refresh=5</code> to reload</div>",
            "<h2>Suppliers</h2>",
            _table(
                ["API key", "trNo", "trNm", "trGrpCd", "allowedIps", "expired"],
                [
                    [f"<code>{_e(s.apiKey[:4])}…{_e(s.apiKey[-4:])}</code>", _e(s.trNo), _e(s.trNm), _e(s.trGrpCd),
                     _e(";".join(s.allowedIps) if s.allowedIps is not None else "any"),
                     "<span class='bad'>yes</span>" if s.expired else "no"]
                    for s in world.suppliers.values()
                ],
            ),
            f"<h2>Recent calls (last {len(calls)})</h2>",
            _table(
                ["#", "time", "apiNo", "method", "path", "trNo", "IP", "HTTP", "returnCode", "rows", "ms", "fault"],
                [
                    [_e(c["id"]), _e(c["time"][11:23]), _e(c["apiNo"]), _e(c["method"]), _e(c["path"]),
                     _e(c["trNo"]), _e(c["remoteIp"]),
                     f"<span class='{'ok' if c['status'] == 200 else 'bad'}'>{_e(c['status'])}</span>",
                     f"<span class='{'ok' if c['returnCode'] == '0000' else 'bad'}'>{_e(c['returnCode'])}</span>",
                     _e(c["dataCount"]), _e(c["durationMs"]), _e(c["fault"])]
                    for c in calls
                ],
            ),
        ]
        for shop in world.shops.values():
            parts.append(_shop_html(shop))
        parts.append("</body></html>")
        return "".join(parts)


def _shop_html(shop: Shop) -> str:
    # Newest instruction first, the lines of one order in odSeq order.
    lines = sorted(sorted(shop.lines.values(), key=lambda line: line.sort_key), key=lambda line: line.owhoDttm,
                   reverse=True)
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.step] = counts.get(line.step, 0) + 1
    summary = ", ".join(f"{STEP_LABELS.get(step, step)}: {n}" for step, n in sorted(counts.items()))
    order_rows = [
        [_e(line.row["owhoDttm"]), f"<code>{_e(line.row['odNo'])}</code>", _e(line.row["odSeq"]),
         _e(line.row["procSeq"]), _e(line.row["spdNm"]), _e(line.row["sitmNm"]),
         _e(line.row["eitmNo"] or line.row["epdNo"]), _e(line.row["odQty"]), _e(line.cancelled_qty or ""),
         _e(line.row["dvpCustNm"]), _e(line.link or "-"),
         f"<span class='s{_e(line.step)}'>{_e(STEP_LABELS.get(line.step, line.step))}</span>",
         _e(COURIER_NAMES.get(line.dvCoCd, line.dvCoCd)), f"<code>{_e(line.invcNo)}</code>"]
        for line in lines[:HTML_ORDER_ROWS]
    ]
    stock_rows = [
        [_e(p.spdNo), f"<code>{_e(i.sitmNo)}</code>", _e(p.epdNo), _e(i.eitmNo), _e(p.spdNm), _e(i.sitmNm),
         _e(p.reported_stock(i)), f"<span class='{'ok' if i.slStatCd == 'SALE' else 'bad'}'>{_e(i.slStatCd)}</span>",
         _e(i.slStatRsnCd), _e(p.fnlAprvYn)]
        for p in shop.products
        for i in p.items
    ]
    return "".join(
        [
            f"<h2>{_e(shop.trNm)} <span class='muted'>{_e(shop.trNo)}</span></h2>",
            f"<div class='muted'>{len(shop.orders)} orders, {len(lines)} lines ({_e(summary)}), "
            f"{len(shop.claims)} claims, {len(shop.products)} products</div>",
            f"<h3>Order lines (newest {min(len(lines), HTML_ORDER_ROWS)})</h3>",
            _table(
                ["owhoDttm", "odNo", "odSeq", "procSeq", "product", "option", "seller code", "odQty", "cancelled",
                 "recipient", "ifCplYN", "live step (140)", "courier", "invcNo"],
                order_rows,
            ),
            "<h3>Stock per option</h3>",
            _table(
                ["spdNo", "sitmNo", "epdNo", "eitmNo", "product", "option", "stkQty", "slStatCd", "reason",
                 "approved"],
                stock_rows,
            ),
        ]
    )

